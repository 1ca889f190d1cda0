"""Roles that learn together: PPO in CleanRL's style with one actor-critic per role, on N separate
arenas of one server stepped in one request, with an opponent pool and a live mask.

Any registered game with roles works (its registration's `Roles`: tag_v1's pursuer and evader,
dodge's and dodge_v1's dodger and learnable thrower); a role is the prefix of its agents' ids
(`pursuer_0`), and each role may have its own observation and action spaces (discrete or
continuous heads).

- **Agents that finish early** (a caught evader while its pursuer plays on): a step counts for a
  role's loss only if that agent acted in it with the latest policy (the live mask); GAE does not
  bootstrap past a termination and does bootstrap a truncation from the final observation.
- **Opponent pool** (`--pool K --latest-prob p`): every `--snapshot-every` iterations each role's
  actor is frozen into its pool of the last K; at every episode start each role of an arena
  plays the latest policy with probability p, else a uniformly drawn snapshot (one trained role
  of each arena always plays the latest, so every arena teaches something). The latest and the
  snapshots act in one batched forward pass (`torch.func.vmap` over their stacked weights).
- `--critic arena`: a centralised critic over the arena's observations (MAPPO-style); `local`:
  the agent's own.
- `--train-roles pursuer`: the other roles keep their networks (from `--init-checkpoint`, or as
  initialised); with the game's bots as opponents (`--game-options`) a role trains alone.

    python algos/ppo_roles.py --env tag_v1 --total-timesteps 20000           # a smoke run
    python algos/ppo_roles.py --env tag_v1 --pool 5 --save-model              # docs/results.md
    python algos/ppo_roles.py --cross-play runs/RUN                           # pursuers x evaders

Evaluations (`--eval-episodes` deterministic episodes, one per arena) put each role against the
game's scripted opponents (its `versus_bots`) and report lengths, returns and how often an
episode ended by termination; with `--save-model` each role's policy file is
`runs/RUN/{role}.safetensors`, which the game runs without Python.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
import tyro
from algos_utils import EVAL_SEED_OFFSET, seed_everything, select_device, start_logging
from checkpoints import (
    checkpoint_path,
    load_checkpoint_file,
    restore_rng_states,
    resumed_args,
    rng_states,
    save_checkpoint,
)
from policy_export import RunInfo, export_policy, load_policy
from role_eval import cross_play, play_episodes, role_of, snapshot_files
from role_learner import Arenas, Role, draw_members, role_files
from tqdm import tqdm

import bevy_gym
from bevy_gym import GameSettings
from bevy_gym.registration import Game, game_of


@dataclass
class Args:
    exp_name: str = os.path.basename(__file__)[: -len(".py")]
    """the name of this experiment"""
    seed: int = 1
    """seed of the experiment"""
    torch_deterministic: bool = True
    """if toggled, `torch.backends.cudnn.deterministic=False`"""
    cuda: bool = False
    """use CUDA when available (off: these small MLPs run faster on the CPU)"""
    torch_threads: int = 1
    """CPU threads for torch (the server uses the other core)"""
    track: bool = False
    """if toggled, this experiment will be tracked with Weights and Biases"""
    wandb_project_name: str = "bevy_gym"
    """the wandb's project name"""
    wandb_entity: str | None = None
    """the entity (team) of wandb's project"""
    capture_video: bool = False
    """(not used by this script)"""
    save_model: bool = False
    """save each role's policy file, pool snapshots (for --cross-play) and checkpoints"""
    checkpoint_frequency: int = 0
    """with --save-model: environment steps between crash-safe checkpoints (0: none)"""
    resume: str | None = None
    """continue the run of this checkpoint (runs/RUN/checkpoint.pt or runs/RUN)"""
    init_policy: tuple[str, ...] = ()
    """ROLE=FILE ...: start a role's actor from a policy file of any script here, its
    layers and weights (e.g. the SAC dodger of docs/results), with a fresh critic; the file must
    stay where it is for --resume and the evaluations"""
    init_log_std: float = 0.0
    """the starting log standard deviation of the continuous actions of the roles that
    --init-policy starts (so that their first rollouts play the policy rather than noise; fresh
    roles start at CleanRL's 0)"""
    critic_warmup: int = 0
    """iterations in which the roles that --init-policy starts train their fresh critic only
    (an untrained critic's advantages would otherwise undo the started actor)"""
    play: tuple[str, ...] = ()
    """ROLE=FILE ...: no training; play policy files, one per role, in the training
    arenas (or one role against the game's bots), --eval-episodes deterministic episodes"""
    init_checkpoint: str | None = None
    """start roles' networks from this run's checkpoint (e.g. to train one role on)"""
    init_roles: tuple[str, ...] = ()
    """the roles --init-checkpoint loads (default: every role; e.g. an exploiter test loads the
    final dodger and trains a fresh thrower against it)"""
    eval_checkpoint: str | None = None
    """if set, evaluate this checkpoint's roles against the game's bots instead of training"""
    export_policy: str | None = None
    """(not used: --save-model writes each role's policy file)"""
    eval_episodes: int = 100
    """deterministic evaluation episodes per role (one per arena; 0: none)"""
    eval_frequency: int = 0
    """environment steps between evaluations against the bots (0: only at the end)"""
    cross_play: str | None = None
    """a run folder saved with --save-model: play its snapshots of each role against each other
    (a cross-play matrix of mean episode lengths) and exit"""
    cross_play_snapshots: int = 5
    """snapshots per role in the cross-play matrix (evenly spaced through training)"""

    # Environment
    env: str = "tag_v1"
    """a registered game with roles (its short name or an id)"""
    backend: str = "http"
    """"native": step the game in this process (its extension module; `make install` builds it),
    "http": a game server process"""
    level: int = 0
    """(for run names only, taken from the game's options when they hold a level; a game's level
    is one of --game-options)"""
    num_arenas: int = 16
    """separate arenas, each holding every role, stepped in one request"""
    agents_per_arena: int | None = None
    """agents in each arena (default: the game's roles preset, e.g. tag_v1's 1 v 1)"""
    game_options: str = "{}"
    """game options (JSON) over the game's roles preset, e.g. '{"pursuer_shaping": 0.5}'"""

    # Algorithm specific arguments
    total_timesteps: int = 2_000_000
    """arena steps (vector steps times arenas)"""
    num_steps: int = 128
    """steps per arena per rollout"""
    learning_rate: float = 3e-4
    """the learning rate of every role's optimizer"""
    anneal_lr: bool = True
    """linear learning-rate decay to zero"""
    gamma: float = 0.99
    """the discount factor gamma"""
    gae_lambda: float = 0.95
    """the lambda for the general advantage estimation"""
    num_minibatches: int = 4
    """minibatches per role per epoch"""
    update_epochs: int = 4
    """the K epochs to update the policy"""
    norm_adv: bool = True
    """advantages normalization (per minibatch)"""
    clip_coef: float = 0.2
    """the surrogate clipping coefficient"""
    clip_vloss: bool = True
    """clipped value loss, as in the PPO paper"""
    ent_coef: float = 0.01
    """coefficient of the entropy"""
    vf_coef: float = 0.5
    """coefficient of the value function"""
    max_grad_norm: float = 0.5
    """the maximum norm for the gradient clipping"""
    target_kl: float | None = None
    """stop a role's update epochs once their mean approximate KL exceeds this (CleanRL's
    early stop; each role stops on its own)"""
    hidden: int = 64
    """width of the actors' and critics' two hidden layers"""
    norm_reward: bool = False
    """divide each role's rewards by the running std of its discounted returns (CleanRL's
    continuous PPO does, through gymnasium's NormalizeReward); episode statistics stay raw"""
    critic: str = "local"
    """"local": the agent's own observation; "arena": every observation of its arena"""
    pool: int = 0
    """past snapshots kept per role as opponents (0: always the latest: plain self-play)"""
    latest_prob: float = 0.5
    """the chance that a role of an arena plays its latest policy rather than a snapshot"""
    pool_anchor: bool = False
    """keep each learning role's starting policy in its pool all run long (one of the --pool
    places): opponents like those at the start stay in the mix, so the other roles keep
    playing them well"""
    snapshot_every: int = 20
    """iterations between snapshots (into the pool, and saved for --cross-play)"""
    train_roles: tuple[str, ...] = ()
    """the roles that learn (default: every role)"""
    anneal_options: tuple[str, ...] = ()
    """numeric game options (e.g. a shaping term) decayed linearly to 0 over --anneal-fraction of
    training, in --anneal-stages steps; each change restarts every arena's episode"""
    anneal_fraction: float = 0.5
    """the part of training over which --anneal-options reach 0"""
    anneal_stages: int = 10
    """how many times an annealed option changes (each change is a full reset)"""


def game_setup(args: Args) -> tuple[Game, dict[str, Any]]:
    """The registered game and the training arenas' options (its roles preset, then yours)."""
    game = game_of(args.env)
    if game.roles is None:
        # A short name picks the latest version of the game that declares roles (tag -> tag_v1).
        family = re.sub(r"_v\d+$", "", game.name)
        versions = [
            g
            for g in bevy_gym.registration.games()
            if g.roles and re.fullmatch(rf"{re.escape(family)}(_v\d+)?", g.name)
        ]
        if not versions:
            with_roles = sorted(g.name for g in bevy_gym.registration.games() if g.roles)
            raise SystemExit(
                f"{game.name} declares no roles to train together; games with roles: {with_roles}"
            )
        latest = max(
            versions, key=lambda g: int(g.name.rsplit("_v", 1)[1]) if "_v" in g.name else 0
        )
        print(f"{game.name} declares no roles; training {latest.name}, its version with roles")
        game = latest
    extra = json.loads(args.game_options)
    if not isinstance(extra, dict):
        raise SystemExit(f"--game-options must be a JSON object, got {args.game_options!r}")
    return game, {**game.roles.options, **extra}


def annealed(
    options: dict[str, Any], args: Args, iteration: int, iterations: int
) -> dict[str, Any]:
    """The values of `--anneal-options` at `iteration`: linear to 0 over `--anneal-fraction` of
    the iterations, held for equal stages (each change costs a full reset)."""
    end = max(1, round(args.anneal_fraction * iterations))
    stage = min(args.anneal_stages, iteration * args.anneal_stages // end)
    return {k: float(options[k]) * (1 - stage / args.anneal_stages) for k in args.anneal_options}


def training_server(game: Game, options: dict[str, Any], args: Args) -> Any:
    assert game.roles is not None
    k = args.agents_per_arena or game.roles.agents_per_arena
    return GameSettings(
        binary=game.binary,
        num_agents=args.num_arenas * k,
        arena_mode="separate",
        agents_per_arena=k,
        options=options,
        backend=args.backend,
    ).remote()


def make_roles(remote: Any, arenas: Arenas, args: Args, device: torch.device) -> dict[str, Role]:
    spec = remote.spec
    roles = {}
    for name, agents in arenas.roles.items():
        spaces = {(str(spec.observation_spaces[k]), str(spec.action_spaces[k])) for k in agents}
        if len(spaces) > 1:
            raise SystemExit(
                f"the agents of role {name!r} have different spaces {sorted(spaces)}; "
                "expected one pair per role"
            )
        first = agents[0]
        roles[name] = Role(
            name,
            agents,
            (spec.observation_spaces[first], spec.action_spaces[first]),
            arenas.critic_dim(name),
            args,
            device,
        )
    for flag, named in (
        ("--train-roles", set(args.train_roles)),
        ("--init-policy", {r for r, _ in role_files(args.init_policy, "--init-policy")}),
    ):
        if named - set(roles):
            raise SystemExit(
                f"{flag} {sorted(named - set(roles))}: the game's roles are {sorted(roles)}"
            )
    return roles


def evaluate_roles(
    game: Game, roles: dict[str, Role], options: dict[str, Any], args: Args
) -> dict[str, dict[str, float]]:
    """Each role with a scripted opponent, `--eval-episodes` deterministic episodes."""
    assert game.roles is not None
    results = {}
    for name, setup in sorted(game.roles.versus_bots.items()):
        if name not in roles:
            continue
        eval_options = {k: v for k, v in options.items() if k not in game.roles.options}
        results[name] = play_episodes(
            game.binary,
            {**eval_options, **setup},
            {name: roles[name].deterministic()},
            args.eval_episodes,
            args.seed + EVAL_SEED_OFFSET,
        )[name]
    return results


def save_training_state(
    run_name: str,
    args: Args,
    step: int,
    iteration: int,
    roles: dict[str, Role],
    pool_rng: np.random.Generator,
    wandb: str | None,
) -> str:
    state = {
        "args": vars(args),
        "run_name": run_name,
        "wandb_id": wandb,
        "global_step": step,
        "iteration": iteration,
        "roles": {n: {k: p.state_dict() for k, p in r.parts().items()} for n, r in roles.items()},
        "pools": {n: [a.state_dict() for a in r.pool] for n, r in roles.items()},
        "pool_rng": pool_rng.bit_generator.state,
        "rng": rng_states(),
    }
    path = checkpoint_path(run_name)
    save_checkpoint(path, state)
    return path


def load_roles(
    roles: dict[str, Role], state: dict[str, Any], with_pools: bool, only: tuple[str, ...] = ()
) -> None:
    for name, role in roles.items():
        if only and name not in only:
            continue
        for key, part in role.parts().items():
            part.load_state_dict(state["roles"][name][key])
        if with_pools:
            for saved in state["pools"][name]:
                role.snapshot()
                role.pool[-1].load_state_dict(saved)


def export_roles(
    game: Game, roles: dict[str, Role], remote: Any, run_name: str, args: Args
) -> list[str]:
    paths = []
    for name, role in roles.items():
        info = RunInfo(
            role.observation_space,
            role.action_space,
            remote.spec.game,
            game.pettingzoo_id,
            dict(remote.spec.options),
            args.seed + EVAL_SEED_OFFSET,
            "ppo_roles.py",
        )
        paths.append(
            export_policy(f"runs/{run_name}/{name}.safetensors", role.actor.policy_net(), info)
        )
    return paths


def print_results(
    results: dict[str, dict[str, float]], writer: Any | None, step: int, versus: str = "bots"
) -> None:
    for name, r in results.items():
        tqdm.write(  # a line of its own under the progress bar
            f"step {step}: eval {name} vs {versus}, {r['episodes']} episodes: "
            f"length {r['length']:.1f} ± {r['length_se']:.1f} (SE), "
            f"return {r['return']:.2f} ± {r['return_se']:.2f}, "
            f"ended by termination {r['terminated']:.0%}"
        )
        for key in ("length", "return", "terminated") if writer else ():
            writer.add_scalar(f"eval/{name}_{key}", r[key], step)


def inherited_layers(args: Args, saved: dict[str, Any]) -> tuple[str, ...]:
    """--init-policy with the policy files whose layers the --init-checkpoint run's loaded roles
    were built from (their weights then come from the checkpoint)."""
    own = dict(role_files(args.init_policy, "--init-policy"))
    for role, path in role_files(tuple(saved.get("init_policy", ())), "--init-policy"):
        if role not in own and (not args.init_roles or role in args.init_roles):
            own[role] = path
    return tuple(f"{role}={path}" for role, path in own.items())


def train(args: Args) -> None:
    resumed = load_checkpoint_file(args.resume) if args.resume else None
    if resumed:
        args = resumed_args(Args, resumed, args.resume)
    seed_everything(args)
    device = select_device(args)
    game, options = game_setup(args)
    args.level = int(options.get("level", args.level))  # names dodge's runs "-l2", as played
    remote = training_server(game, options, args)
    missing = [k for k in args.anneal_options if not isinstance(options.get(k), (int, float))]
    if missing:
        raise SystemExit(
            f"--anneal-options {missing}: expected numeric options given in "
            f"--game-options or the game's roles preset, got {options}"
        )
    arenas = Arenas(remote.spec, args.critic)
    initial = load_checkpoint_file(args.init_checkpoint) if args.init_checkpoint else None
    if initial and not resumed:
        args.init_policy = inherited_layers(args, initial["args"])
    roles = make_roles(remote, arenas, args, device)
    trained = [n for n, r in roles.items() if r.trained]
    pool_rng = np.random.default_rng(args.seed)
    step, start_iteration = 0, 0
    if initial:
        load_roles(roles, initial, with_pools=False, only=tuple(args.init_roles))
    if args.pool_anchor and not args.pool:
        raise SystemExit("--pool-anchor keeps a place of the pool: expected --pool 1 or more")
    if args.pool_anchor and not resumed:
        for role in roles.values():
            if role.trained:
                role.snapshot()  # the anchor: the starting policy
    if resumed:
        load_roles(roles, resumed, with_pools=True)
        pool_rng.bit_generator.state = resumed["pool_rng"]
        restore_rng_states(resumed["rng"])
        step, start_iteration = resumed["global_step"], resumed["iteration"]
    run_name, writer = start_logging(args, device, resume=resumed)
    if resumed:
        print(f"resumed {run_name} at step {step}", flush=True)
    wandb = resumed.get("wandb_id") if resumed else None
    if args.save_model:
        os.makedirs(f"runs/{run_name}/snapshots", exist_ok=True)
    print(
        f"{game.name}: {arenas.num_arenas} arenas of {arenas.group}; roles "
        + ", ".join(
            f"{n} ({len(r.agents)} agents, {'learns' if r.trained else 'frozen'})"
            for n, r in roles.items()
        )
    )

    n_agents, steps_per_iteration = len(arenas.ids), args.num_steps * arenas.num_arenas
    iterations = args.total_timesteps // steps_per_iteration

    def draw(arena_list: Any) -> None:
        for a in arena_list:
            members = draw_members(
                pool_rng, {n: len(r.pool) for n, r in roles.items()}, trained, args.latest_prob
            )
            for name, role in roles.items():
                role.members[arenas.arena_of[role.agents] == a] = members[name]

    def restart(iteration: int, schedule: dict[str, Any]) -> list[np.ndarray]:
        """Every arena anew (seeded by the iteration: a resumed run plays fresh episodes)."""
        res = remote.reset(seed=args.seed + iteration, options=schedule or None)
        draw(range(arenas.num_arenas))
        finished[:], resetting[:], ep_return[:], ep_length[:] = False, False, 0.0, 0
        return list(res.observations)

    finished = np.zeros(n_agents, bool)
    resetting = np.zeros(arenas.num_arenas, bool)
    ep_return, ep_length = np.zeros(n_agents), np.zeros(n_agents, np.int64)
    schedule = annealed(options, args, start_iteration, iterations)
    obs = restart(start_iteration, schedule)
    batch = list(remote.noop_actions())
    env_time, start, first_step = 0.0, time.time(), step

    progress = tqdm(total=iterations * steps_per_iteration, initial=step, unit="step")
    for iteration in range(start_iteration, iterations):
        lr = args.learning_rate * (1 - iteration / iterations if args.anneal_lr else 1.0)
        if annealed(options, args, iteration, iterations) != schedule:
            # The cut episodes were bootstrapped at the rollout's end, as any rollout is.
            schedule = annealed(options, args, iteration, iterations)
            obs = restart(iteration, schedule)
            for key, value in schedule.items():
                writer.add_scalar(f"charts/{key}", value, step)
        for role in roles.values():
            role.restack()
        for t in range(args.num_steps):
            acting = ~finished & ~resetting[arenas.arena_of]
            for role in roles.values():
                o = torch.as_tensor(
                    np.stack([obs[k] for k in role.agents]), device=device, dtype=torch.float32
                )
                c = torch.as_tensor(arenas.critic_inputs(role.name, obs), device=device)
                action, logprob = role.act(o)
                role.obs[t], role.critic_in[t] = o, c
                role.actions[t], role.logprobs[t] = action, logprob
                role.values[t] = role.value(c)
                for k, a in zip(role.agents, role.env_actions(action), strict=True):
                    batch[k] = a
            began = time.perf_counter()
            res = remote.step(batch, reset_arenas=list(np.flatnonzero(resetting)) or None)
            env_time += time.perf_counter() - began
            obs = list(res.observations)
            done = acting & (res.terminated | res.truncated)
            for role in roles.values():
                mine = acting[role.agents]
                raw = np.where(mine, res.rewards[role.agents], 0.0)
                role.rewards[t] = role.scaled_rewards(raw, mine, done[role.agents])
                role.acted[t] = mine
                role.live[t] = mine & (role.members == 0) & role.trained
                role.terminated[t] = mine & res.terminated[role.agents]
                role.done[t] = done[role.agents]
                role.next_values[t] = role.value(
                    torch.as_tensor(arenas.critic_inputs(role.name, obs), device=device)
                )
            ep_return += np.where(acting, res.rewards, 0.0)
            ep_length += acting
            was_reset = resetting[arenas.arena_of]
            finished[was_reset] = False
            draw(np.flatnonzero(resetting))
            step += arenas.num_arenas
            for k in np.flatnonzero(done):
                name = role_of(arenas.ids[k])
                writer.add_scalar(f"{name}/episodic_return", ep_return[k], step)
                writer.add_scalar(f"{name}/episodic_length", ep_length[k], step)
                writer.add_scalar(f"{name}/terminated", float(res.terminated[k]), step)
                ep_return[k], ep_length[k] = 0.0, 0
            finished |= done
            resetting = finished.reshape(arenas.num_arenas, arenas.group).all(axis=1)
        for role in roles.values():
            warming = role.started and iteration < args.critic_warmup
            for key, value in role.update(lr, critic_only=warming).items():
                writer.add_scalar(f"{role.name}/losses/{key}", value, step)
        elapsed = time.time() - start
        sps = int((step - first_step) / max(elapsed, 1e-9))
        writer.add_scalar("charts/SPS", sps, step)
        writer.add_scalar("charts/env_share", env_time / max(elapsed, 1e-9), step)
        writer.add_scalar("charts/learning_rate", lr, step)
        progress.update(steps_per_iteration)
        progress.set_postfix(SPS=sps, env=f"{env_time / max(elapsed, 1e-9):.0%}")
        if (iteration + 1) % args.snapshot_every == 0:
            for role in roles.values():
                if role.trained:
                    role.snapshot()
                    if args.save_model:
                        torch.save(
                            role.actor.state_dict(),
                            f"runs/{run_name}/snapshots/{role.name}_{step}.pt",
                        )
        every = args.checkpoint_frequency
        if args.save_model and every and step % every < steps_per_iteration:
            path = save_training_state(run_name, args, step, iteration + 1, roles, pool_rng, wandb)
            print(f"step {step}: checkpoint {path}", flush=True)
        if (
            args.eval_frequency
            and step % args.eval_frequency < steps_per_iteration
            and args.eval_episodes
        ):
            print_results(evaluate_roles(game, roles, options, args), writer, step)
    progress.close()
    elapsed = time.time() - start
    share = env_time / elapsed
    print(f"trained {step} arena steps in {elapsed:.1f} s; environment share {share:.1%}")
    results = evaluate_roles(game, roles, options, args) if args.eval_episodes > 0 else {}
    print_results(results, writer, step)
    if args.save_model:
        for role in roles.values():
            torch.save(role.actor.state_dict(), f"runs/{run_name}/snapshots/{role.name}_{step}.pt")
        save_training_state(run_name, args, step, iterations, roles, pool_rng, wandb)
        for path in export_roles(game, roles, remote, run_name, args):
            print(f"policy saved to {path}")
        with open(f"runs/{run_name}/eval.json", "w") as f:
            json.dump(results, f, indent=1)
    remote.close()
    writer.close()


def saved_run(checkpoint: str, device: torch.device) -> tuple[Args, Game, dict, dict[str, Role]]:
    """A saved run's settings, game, options and roles (networks as checkpointed): what
    `--eval-checkpoint` and `--cross-play` start from. The spaces come from a one-arena server."""
    state = load_checkpoint_file(checkpoint)
    saved = Args(**state["args"])
    game, options = game_setup(saved)
    remote = training_server(game, options, replace(saved, num_arenas=1))
    roles = make_roles(remote, Arenas(remote.spec, saved.critic), saved, device)
    remote.close()
    load_roles(roles, state, with_pools=False)
    return saved, game, options, roles


def evaluate_checkpoint(args: Args) -> None:
    assert args.eval_checkpoint is not None
    saved, game, options, roles = saved_run(args.eval_checkpoint, select_device(args))
    saved = replace(saved, seed=args.seed, eval_episodes=args.eval_episodes)
    print_results(evaluate_roles(game, roles, options, saved), None, 0)


def play_files(args: Args) -> None:
    """--play: policy files, one per role, in the training arenas; or one role's file against
    the game's bots (its anchor)."""
    game, options = game_setup(args)
    assert game.roles is not None
    files = dict(role_files(args.play, "--play"))
    policies = {role: load_policy(path) for role, path in files.items()}
    seed = args.seed + EVAL_SEED_OFFSET
    remote = training_server(game, options, replace(args, num_arenas=1))
    names = list(dict.fromkeys(role_of(i) for i in remote.spec.agent_ids))
    per_arena = len(remote.spec.agent_ids)
    remote.close()
    if set(files) == set(names):
        results = play_episodes(game.binary, options, policies, args.eval_episodes, seed, per_arena)
        results.pop("arena")
        versus = "the other files"
    elif len(files) == 1 and next(iter(files)) in game.roles.versus_bots:
        role = next(iter(files))
        bots = {k: v for k, v in options.items() if k not in game.roles.options}
        setup = {**bots, **game.roles.versus_bots[role]}
        results = {
            role: play_episodes(game.binary, setup, policies, args.eval_episodes, seed)[role]
        }
        versus = "bots"
    else:
        raise SystemExit(
            f"--play {sorted(files)}: expected a file for every role {names}, or one for a role "
            f"that plays the game's bots {sorted(game.roles.versus_bots)}"
        )
    print_results(results, None, 0, versus)


def run_cross_play(args: Args) -> None:
    assert args.cross_play is not None
    path = args.cross_play if os.path.isdir(args.cross_play) else os.path.dirname(args.cross_play)
    _, game, options, roles = saved_run(path, torch.device("cpu"))
    files = snapshot_files(os.path.join(path, "snapshots"), list(roles), args.cross_play_snapshots)
    matrix = cross_play(
        game, options, roles, files, args.eval_episodes, args.seed + EVAL_SEED_OFFSET
    )
    out = os.path.join(path, "cross_play.json")
    with open(out, "w") as f:
        json.dump(matrix, f, indent=1)
    print(f"cross-play written to {out}")


if __name__ == "__main__":
    cli = tyro.cli(Args)
    if cli.cross_play:
        run_cross_play(cli)
    elif cli.play:
        play_files(cli)
    elif cli.eval_checkpoint:
        evaluate_checkpoint(cli)
    else:
        train(cli)
