"""Self-play on dodge: a learnable thrower against a frozen dodger, then the dodger against the
frozen thrower, alternating for `--rounds` rounds; SAC on both sides (CleanRL style).

Every phase serves `--num-envs` separate arenas of one dodger and one thrower (dodge's `throwers`
option). The frozen side is driven inside the game by its policy file (`--policy`: no round
trips for it); the learning side is SAC here, its networks carried over from round to round.
Each round saves both sides' policy files (`runs/RUN/round{r}_thrower.safetensors`, then
`round{r}_dodger.safetensors`), evaluates the dodger's mean episode length against the scripted
thrower and against each learned thrower, and logs both sides' curves to TensorBoard
(`thrower/*`, `dodger/*`, `eval/*`; W&B with `--track`).

    python algos/selfplay_dodge.py                                   # from the docs/results dodger
    python algos/selfplay_dodge.py --rounds 3 --thrower-steps 50000 --dodger-steps 100000

The first dodger is a policy file (default: the SAC dodger of docs/results, level 2); its
recorded options (level, action space, rules version, ...) are the game of every phase.
"""

from __future__ import annotations

import json
import os
import time
from collections import deque
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F
import torch.optim as optim
import tyro
from algos_utils import ReplayBuffer, seed_everything, select_device, start_logging
from policy_export import RunInfo, act_float64, export_policy, read_policy
from sac_continuous import Actor, SoftQNetwork, policy_net

from bevy_gym import GameSettings
from bevy_gym.envs.dodge.config import BINARY

THROWER, DODGER = "thrower", "dodger"


@dataclass
class Args:
    exp_name: str = os.path.basename(__file__)[: -len(".py")]
    """the name of this experiment"""
    seed: int = 1
    """seed of the experiment"""
    torch_deterministic: bool = True
    """if toggled, `torch.backends.cudnn.deterministic=False`"""
    cuda: bool = True
    """if toggled, cuda will be used when available"""
    torch_threads: int = 1
    """CPU threads for torch"""
    track: bool = False
    """if toggled, this experiment will be tracked with Weights and Biases"""
    wandb_project_name: str = "bevy_gym"
    """the wandb's project name"""
    wandb_entity: str | None = None
    """the entity (team) of wandb's project"""

    dodger_policy: str = "docs/results/sac_dodge_level2.safetensors"
    """the first frozen dodger (a continuous-action policy file); its options are the game's"""
    rounds: int = 2
    """thrower-then-dodger rounds"""
    thrower_steps: int = 200_000
    """environment steps (summed over arenas) of each thrower phase"""
    dodger_steps: int = 200_000
    """environment steps (summed over arenas) of each dodger phase; 0: rounds train the thrower
    only, against the dodger file as it is (an exploiter; any script's continuous dodger file)"""
    num_envs: int = 8
    """arenas (one dodger and one thrower each) of the training server"""
    eval_episodes: int = 40
    """deterministic dodger episodes per evaluation"""
    eval_thrower: str | None = None
    """no training: evaluate --dodger-policy against the scripted thrower and this thrower's
    policy file (a round's `roundR_thrower.safetensors`), --eval-episodes each"""
    env: str = "dodge"
    """(for run names) the game"""
    level: int = 2
    """(for run names) the level; the game's options come from --dodger-policy"""

    buffer_size: int = 200_000
    """the replay memory size of each phase"""
    gamma: float = 0.99
    """the dodger's discount factor (per step)"""
    thrower_gamma: float = 0.9
    """the thrower's discount factor, per throw: a throw's worth is mostly its own hit"""
    tau: float = 0.005
    """target smoothing coefficient"""
    batch_size: int = 256
    """the batch size of sample from the replay memory"""
    learning_starts: int = 5_000
    """transitions gathered in a dodger phase before its updates start"""
    thrower_learning_starts: int = 1_000
    """throws (the thrower's transitions: one per aim) gathered before its updates start"""
    critic_warmup: int = 5_000
    """updates of a fresh critic before the actor it judges learns (the first dodger's actor is
    trained, its critic is not: without this the untrained critic undoes the actor)"""
    policy_lr: float = 3e-4
    """the learning rate of the policy network optimizer"""
    q_lr: float = 1e-3
    """the learning rate of the Q network optimizer"""
    policy_frequency: int = 2
    """the frequency of training policy (delayed), in vector steps"""
    fine_tune_alpha: float = 0.02
    """the first entropy coefficient of a side that starts from a trained actor (autotuned after)"""


class Side:
    """One side's SAC learner: actor, twin critics and their targets, autotuned entropy."""

    def __init__(
        self,
        name: str,
        observation_space: gym.spaces.Box,
        action_space: gym.spaces.Box,
        args: Args,
        device: torch.device,
    ) -> None:
        self.name, self.args, self.device = name, args, device
        self.gamma = args.thrower_gamma if name == THROWER else args.gamma
        self.shapes = SimpleNamespace(
            single_observation_space=observation_space, single_action_space=action_space
        )
        self.actor = Actor(self.shapes).to(device)
        self.qf = [SoftQNetwork(self.shapes).to(device) for _ in range(2)]
        self.qf_target = [SoftQNetwork(self.shapes).to(device) for _ in range(2)]
        for q, t in zip(self.qf, self.qf_target, strict=True):
            t.load_state_dict(q.state_dict())
        params = [p for q in self.qf for p in q.parameters()]
        self.q_optimizer = optim.Adam(params, lr=args.q_lr)
        self.actor_optimizer = optim.Adam(self.actor.parameters(), lr=args.policy_lr)
        self.target_entropy = -float(np.prod(action_space.shape))
        self.log_alpha = torch.zeros(1, requires_grad=True, device=device)
        self.a_optimizer = optim.Adam([self.log_alpha], lr=args.q_lr)
        self.trained = False  # whether the actor acts better than uniform noise
        self.updates = 0
        self.critic_updates_needed = 0
        self.global_step = 0

    def load_policy_file(self, path: str) -> None:
        """Start from a policy file's actor (its critic starts fresh: see `critic_warmup`)."""
        tensors, _ = read_policy(path)
        state = {k: torch.as_tensor(v) for k, v in tensors.items() if not k.startswith("test.")}
        missing = self.actor.load_state_dict(state, strict=False).missing_keys
        assert all(k.startswith("fc_logstd.") for k in missing), missing
        with torch.no_grad():
            self.log_alpha.fill_(float(np.log(self.args.fine_tune_alpha)))
        self.trained = True
        self.critic_updates_needed = self.args.critic_warmup

    def act(self, obs: np.ndarray) -> np.ndarray:
        """Sampled (exploring) actions; uniform noise until the actor has learned something."""
        if not self.trained:
            low, high = self.shapes.single_action_space.low, self.shapes.single_action_space.high
            return np.random.uniform(low, high, (len(obs), *low.shape)).astype(np.float32)
        with torch.no_grad():
            action, _, _ = self.actor.get_action(torch.as_tensor(obs, device=self.device))
        return action.cpu().numpy()

    def update(self, rb: ReplayBuffer, iteration: int) -> dict[str, float]:
        """One SAC update from `rb` (CleanRL's sac_continuous, twin critics, delayed actor)."""
        args, alpha = self.args, self.log_alpha.exp().item()
        data = rb.sample(args.batch_size)
        with torch.no_grad():
            next_actions, next_log_pi, _ = self.actor.get_action(data.next_observations)
            next_q = torch.min(*(t(data.next_observations, next_actions) for t in self.qf_target))
            target = data.rewards + (1 - data.dones) * self.gamma * (
                next_q - alpha * next_log_pi
            ).view(-1)
        q_values = [q(data.observations, data.actions).view(-1) for q in self.qf]
        qf_loss = sum(F.mse_loss(v, target) for v in q_values)
        self.q_optimizer.zero_grad()
        qf_loss.backward()
        self.q_optimizer.step()
        self.updates += 1
        stats = {"qf_loss": qf_loss.item() / 2, "qf_values": q_values[0].mean().item()}
        if self.updates > self.critic_updates_needed and iteration % args.policy_frequency == 0:
            for _ in range(args.policy_frequency):
                pi, log_pi, _ = self.actor.get_action(data.observations)
                min_q = torch.min(*(q(data.observations, pi) for q in self.qf))
                actor_loss = (alpha * log_pi - min_q).mean()
                self.actor_optimizer.zero_grad()
                actor_loss.backward()
                self.actor_optimizer.step()
                with torch.no_grad():
                    _, log_pi, _ = self.actor.get_action(data.observations)
                alpha_loss = (-self.log_alpha.exp() * (log_pi + self.target_entropy)).mean()
                self.a_optimizer.zero_grad()
                alpha_loss.backward()
                self.a_optimizer.step()
                alpha = self.log_alpha.exp().item()
            self.trained = True
            stats |= {"actor_loss": actor_loss.item(), "alpha": alpha}
        for q, t in zip(self.qf, self.qf_target, strict=True):
            for param, target_param in zip(q.parameters(), t.parameters(), strict=True):
                target_param.data.lerp_(param.data, args.tau)
        return stats

    def deterministic(self) -> Any:
        """The evaluation's policy, numpy in and out: the mean action in float64, as the policy
        file computes it (on this side's device)."""
        act = act_float64(policy_net(self.actor))
        return lambda obs: act(torch.as_tensor(obs, device=self.device)).cpu().numpy()

    def save(self, path: str, options: dict[str, Any], env_id: str, seed: int) -> str:
        """Write this side's policy file (the in-game driver loads it with `--policy`)."""
        info = RunInfo(
            observation_space=self.shapes.single_observation_space,
            action_space=self.shapes.single_action_space,
            game="dodge",
            env_id=env_id,
            options=options,
            eval_seed=seed,
            created_by=os.path.basename(__file__),
        )
        return export_policy(path, policy_net(self.actor), info)


def arena_server(game: dict[str, Any], args: Args, policy: str | None, driven: str) -> Any:
    """A server of `num_envs` separate arenas of (dodger, thrower), `policy` driving the `driven`
    role of every arena (agent 2a is arena a's dodger, 2a + 1 its thrower); no `policy`: the
    script acts for both. `game` without `throwers`: one dodger per arena, the scripted thrower."""
    n, with_thrower = args.num_envs, game.get("throwers", 0) > 0
    per = 2 if with_thrower else 1
    role = 1 if driven == THROWER else 0
    agents = tuple(2 * a + role for a in range(n)) if with_thrower else None
    settings = GameSettings(
        binary=BINARY,
        num_agents=n * per,
        arena_mode="separate",
        agents_per_arena=per if with_thrower else None,
        options=game,
        policy=policy,
        policy_agents=agents if policy else None,
    )
    return settings.remote()


def space_of(remote: Any, index: int) -> gym.spaces.Box:
    space = remote.observation_space(index)
    assert isinstance(space, gym.spaces.Box)
    return space


class Aims:
    """A thrower's action counts once per throw, in the step in which its aim is fixed: its
    transitions run from one such step to the next (a semi-MDP), so the critic learns what each
    aim led to rather than from the half-dozen steps between throws whose action changes
    nothing. A ball lands `lag` throws after its aim (flight and warning outlast the interval),
    so an aim is credited with the rewards of the window `lag` throws on, the one in which its
    ball hits or misses; without that, the hit is paid to a later aim whose observation cannot
    know about the ball, and the thrower learned half as much (docs/results.md). The decision
    step is read from the observation: [6] time to the throw / interval, [7] whether the aim is
    already fixed."""

    def __init__(self, n: int, game: dict[str, Any]) -> None:
        tick = 1 / 60
        self.interval = round(game["projectile_spawn_interval"] / tick)
        self.repeat = int(game["action_repeat"])
        delay = game.get("thrower_delay_seconds", 0.5)
        self.lead = round(delay / tick) if game.get("rules_version", 0) >= 1 else 0
        flight = round(game["projectile_flight_time"] / tick)
        self.lag = (self.lead + flight) // self.interval
        # Per arena: the aims (observation, action) not yet stored, oldest first.
        self.pending: list[deque[tuple[np.ndarray, np.ndarray]]] = [deque() for _ in range(n)]
        self.window = np.zeros(n, np.float32)

    def deciding(self, obs: np.ndarray) -> np.ndarray:
        """Whose aim this step's action fixes."""
        countdown = np.rint(obs[:, 6] * self.interval)
        return (obs[:, 7] == 0) & (countdown - self.repeat <= self.lead)

    def record(self, rb: ReplayBuffer, obs, actions, rewards, next_obs, term, done, valid) -> None:
        """Store the transitions whose window this step closes; open those it starts."""
        deciding = self.deciding(obs)
        for k in np.flatnonzero(valid):
            if deciding[k]:
                self._close_window(rb, k, obs[k], end=None)
                self.pending[k].append((obs[k], actions[k]))
            self.window[k] += rewards[k]
            if done[k]:
                self._close_window(rb, k, next_obs[k], end=bool(term[k]))

    def _close_window(self, rb: ReplayBuffer, k: int, now: np.ndarray, end: bool | None) -> None:
        """The window that ends here pays the aim `lag` throws back; at an episode's `end`
        (terminal or not), the later aims, whose balls never landed, are dropped."""
        pending = self.pending[k]
        if len(pending) > self.lag:
            obs, action = pending.popleft()
            next_obs = pending[0][0] if pending and end is None else now
            terminal = np.array([bool(end)])
            rb.add(obs[None], next_obs[None], action[None], self.window[k : k + 1], terminal)
        self.window[k] = 0.0
        if end is not None:
            pending.clear()


def train_phase(
    side: Side,
    remote: Any,
    mine: list[int],
    steps: int,
    args: Args,
    writer: Any,
    seed: int,
    aims: Aims | None = None,
) -> None:
    """`steps` environment steps of `side` acting for agents `mine` (one per arena), learning
    from every transition (a thrower: from every aim, see `Aims`); arenas whose episode ended
    are reset by the next step."""
    rb = ReplayBuffer(args.buffer_size, side.shapes, side.device)
    starts = args.learning_starts if aims is None else args.thrower_learning_starts
    n = len(mine)
    res = remote.reset(seed=seed)
    obs = np.stack([res.observations[i] for i in mine])
    batch = list(remote.noop_actions())
    returns, lengths = np.zeros(n), np.zeros(n, np.int64)
    reset: list[int] = []
    start, start_step = time.time(), side.global_step
    for iteration in range(steps // n):
        actions = side.act(obs)
        for k, agent in enumerate(mine):
            batch[agent] = actions[k]
        res = remote.step(batch, reset_arenas=reset or None)
        next_obs = np.stack([res.observations[i] for i in mine])
        rewards, term = res.rewards[mine], res.terminated[mine]
        done = term | res.truncated[mine]
        valid = np.ones(n, bool)
        valid[reset] = False  # those arenas were reset by this step: no transition
        if aims is None:
            rb.add(obs, next_obs, actions, rewards, term.astype(np.float32), valid=valid)
        else:
            aims.record(rb, obs, actions, rewards, next_obs, term, done, valid)
        side.global_step += int(valid.sum())
        returns += np.where(valid, rewards, 0.0)
        lengths += valid
        reset = [int(k) for k in np.flatnonzero(done & valid)]
        for k in reset:
            writer.add_scalar(f"{side.name}/episodic_return", returns[k], side.global_step)
            writer.add_scalar(f"{side.name}/episodic_length", lengths[k], side.global_step)
            returns[k], lengths[k] = 0.0, 0
        obs = next_obs
        if len(rb) >= starts:
            stats = side.update(rb, iteration)
            if iteration % 100 == 0:
                for key, value in stats.items():
                    writer.add_scalar(f"{side.name}/{key}", value, side.global_step)
        if iteration % 100 == 0:
            sps = (side.global_step - start_step) / max(time.time() - start, 1e-9)
            writer.add_scalar(f"{side.name}/SPS", sps, side.global_step)


def dodger_lengths(remote: Any, thrower: Any | None, episodes: int, seed: int) -> np.ndarray:
    """Episode lengths of the in-game dodgers of `remote` over `episodes` episodes; `thrower`
    (deterministic, in Python) acts for the throwers of a (dodger, thrower) server, None: the
    scripted thrower throws."""
    spec = remote.spec
    dodgers = [i for i, a in enumerate(spec.agent_ids) if not a.startswith(THROWER)]
    throwers = [i for i, a in enumerate(spec.agent_ids) if a.startswith(THROWER)]
    arena = {i: spec.arenas[i] for i in dodgers}
    res = remote.reset(seed=seed)
    batch = list(remote.noop_actions())
    lengths = np.zeros(len(dodgers), np.int64)
    done_lengths: list[int] = []
    reset: list[int] = []
    while len(done_lengths) < episodes:
        if thrower is not None and throwers:
            obs = np.stack([res.observations[i] for i in throwers])
            for k, action in zip(throwers, thrower(obs), strict=True):
                batch[k] = action
        res = remote.step(batch, reset_arenas=reset or None)
        valid = np.array([arena[d] not in reset for d in dodgers])
        lengths += valid
        ended = (res.terminated[dodgers] | res.truncated[dodgers]) & valid
        reset = [arena[dodgers[k]] for k in np.flatnonzero(ended)]
        for k in np.flatnonzero(ended):
            done_lengths.append(int(lengths[k]))
            lengths[k] = 0
    return np.array(done_lengths[:episodes])


def evaluate(
    game: dict[str, Any], args: Args, dodger_file: str, thrower: Side | None, seed: int
) -> np.ndarray:
    """The dodger of `dodger_file` (in the game) against `thrower` (None: the scripted one)."""
    options = game if thrower is not None else {k: v for k, v in game.items() if k != "throwers"}
    remote = arena_server(options, args, dodger_file, DODGER)
    try:
        act = thrower.deterministic() if thrower is not None else None
        return dodger_lengths(remote, act, args.eval_episodes, seed)
    finally:
        remote.close()


def evaluate_files(game: dict[str, Any], args: Args, thrower: Side, seed: int, folder: str) -> None:
    """`--eval-thrower`: the dodger file against the scripted and the learned thrower."""
    assert args.eval_thrower is not None
    thrower.load_policy_file(args.eval_thrower)
    results = []
    for name, side in (("the scripted thrower", None), (args.eval_thrower, thrower)):
        lengths = evaluate(game, args, args.dodger_policy, side, seed)
        stderr = lengths.std() / np.sqrt(len(lengths))
        print(
            f"{args.dodger_policy} vs {name}: {len(lengths)} episodes, length "
            f"{lengths.mean():.1f} ± {lengths.std():.1f} (standard error {stderr:.1f})"
        )
        thrower_name = "scripted" if side is None else args.eval_thrower
        results.append(
            {"dodger": args.dodger_policy, "thrower": thrower_name, "lengths": lengths.tolist()}
        )
    os.makedirs(folder, exist_ok=True)
    with open(f"{folder}/evaluation.json", "w") as f:
        json.dump({"args": vars(args), "evaluations": results}, f, indent=1)


def write_results(folder: str, args: Args, results: list[dict[str, Any]]) -> None:
    """The run's evaluations so far, in `selfplay.json`."""
    with open(f"{folder}/selfplay.json", "w") as f:
        json.dump({"args": vars(args), "evaluations": results}, f, indent=1)


def main() -> None:
    args = tyro.cli(Args)
    seed_everything(args)  # type: ignore[arg-type]
    device = select_device(args)  # type: ignore[arg-type]
    run_name, writer = start_logging(args, device)  # type: ignore[arg-type]
    folder = f"runs/{run_name}"
    _, meta = read_policy(args.dodger_policy)
    trained_on = json.loads(meta["options"])
    game = {**trained_on, "throwers": 1}
    env_id = meta["env_id"]
    print(f"game options (from {args.dodger_policy}): {json.dumps(game, sort_keys=True)}")

    probe = arena_server(game, args, None, DODGER)
    thrower = Side(THROWER, space_of(probe, 1), probe.action_space(1), args, device)
    dodger = Side(DODGER, space_of(probe, 0), probe.action_space(0), args, device)
    probe.close()
    if args.dodger_steps > 0:  # the file's actor is retrained; else the game plays the file only
        dodger.load_policy_file(args.dodger_policy)
    dodger_file = args.dodger_policy
    n = args.num_envs
    dodgers, throwers = [2 * a for a in range(n)], [2 * a + 1 for a in range(n)]
    eval_seed = args.seed + 10_000
    results: list[dict[str, Any]] = []

    if args.eval_thrower:
        evaluate_files(game, args, thrower, eval_seed, folder)
        return
    scripted = evaluate(game, args, dodger_file, None, eval_seed)
    print(f"dodger 0 vs the scripted thrower: length {scripted.mean():.1f} ± {scripted.std():.1f}")
    writer.add_scalar("eval/dodger_length_vs_scripted", scripted.mean(), 0)
    results.append({"dodger": dodger_file, "thrower": "scripted", "lengths": scripted.tolist()})

    for r in range(args.rounds):
        remote = arena_server(game, args, dodger_file, DODGER)
        aims = Aims(n, game)
        train_phase(
            thrower, remote, throwers, args.thrower_steps, args, writer, args.seed + r, aims
        )
        remote.close()
        thrower_file = thrower.save(f"{folder}/round{r}_thrower.safetensors", game, env_id, 0)
        beaten = evaluate(game, args, dodger_file, thrower, eval_seed)
        print(
            f"round {r}: dodger {r} vs learned thrower {r}: length "
            f"{beaten.mean():.1f} ± {beaten.std():.1f} (scripted: {scripted.mean():.1f})"
        )
        writer.add_scalar("eval/dodger_length_vs_learned_thrower", beaten.mean(), 2 * r + 1)
        results.append({"dodger": dodger_file, "thrower": thrower_file, "lengths": beaten.tolist()})
        if args.dodger_steps == 0:
            write_results(folder, args, results)
            continue

        remote = arena_server(game, args, thrower_file, THROWER)
        train_phase(dodger, remote, dodgers, args.dodger_steps, args, writer, args.seed + 100 + r)
        remote.close()
        dodger_file = dodger.save(f"{folder}/round{r}_dodger.safetensors", trained_on, env_id, 0)
        recovered = evaluate(game, args, dodger_file, thrower, eval_seed)
        print(
            f"round {r}: dodger {r + 1} vs learned thrower {r}: length "
            f"{recovered.mean():.1f} ± {recovered.std():.1f} "
            f"({100 * recovered.mean() / scripted.mean():.0f}% of dodger 0 vs scripted)"
        )
        writer.add_scalar("eval/dodger_length_vs_learned_thrower", recovered.mean(), 2 * r + 2)
        vs_scripted = evaluate(game, args, dodger_file, None, eval_seed)
        print(f"round {r}: dodger {r + 1} vs the scripted thrower: {vs_scripted.mean():.1f}")
        writer.add_scalar("eval/dodger_length_vs_scripted", vs_scripted.mean(), 2 * r + 2)
        results.append(
            {"dodger": dodger_file, "thrower": thrower_file, "lengths": recovered.tolist()}
        )
        results.append(
            {"dodger": dodger_file, "thrower": "scripted", "lengths": vs_scripted.tolist()}
        )
        write_results(folder, args, results)
    writer.close()
    print(f"policies and evaluations in {folder}")


if __name__ == "__main__":
    main()
