"""The learning side of algos/ppo_roles.py: one role's actor-critic and PPO update (discrete or
continuous heads), GAE with the live mask, the opponent pool and its seeded draws, and the
arenas' layout (which agent is which role, the critics' inputs)."""

from __future__ import annotations

import copy
from typing import Any

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
from gymnasium.wrappers.utils import RunningMeanStd
from policy_export import Layer, PolicyNet, act_float64, read_policy_net
from role_eval import role_of
from torch.distributions import Categorical, Normal
from torch.func import functional_call, stack_module_state, vmap


def role_files(pairs: tuple[str, ...], flag: str) -> list[tuple[str, str]]:
    """`ROLE=FILE` arguments as (role, file) pairs."""
    parsed = []
    for pair in pairs:
        role, sep, path = pair.partition("=")
        if not sep or not role or not path:
            raise SystemExit(f"{flag} {pair!r}: expected ROLE=FILE, e.g. dodger=policy.safetensors")
        parsed.append((role, path))
    return parsed


def layer_init(layer: nn.Linear, std: float = float(np.sqrt(2)), bias: float = 0.0) -> nn.Linear:
    torch.nn.init.orthogonal_(layer.weight, std)
    torch.nn.init.constant_(layer.bias, bias)
    return layer


ACTIVATION_MODULES = {"tanh": nn.Tanh, "relu": nn.ReLU}


class Actor(nn.Module):
    """A role's policy: logits (discrete), or the mean squashed into the action bounds followed
    by the log standard deviations (continuous), in one output tensor so that snapshots stack.
    Two tanh layers of `hidden` units, or the layers of a policy file (`init`: any script's
    file of the same spaces, e.g. a SAC actor, weights included)."""

    def __init__(
        self,
        obs_dim: int,
        action_space: gym.Space,
        hidden: int,
        log_std: float = 0.0,
        init: str | None = None,
    ) -> None:
        super().__init__()
        self.discrete = isinstance(action_space, gym.spaces.Discrete)
        out = int(action_space.n) if self.discrete else int(np.prod(action_space.shape))
        if init is None:
            self.net = nn.Sequential(
                layer_init(nn.Linear(obs_dim, hidden)),
                nn.Tanh(),
                layer_init(nn.Linear(hidden, hidden)),
                nn.Tanh(),
                layer_init(nn.Linear(hidden, out), std=0.01),
            )
        else:
            self.net, scaling = layers_of_file(init, obs_dim, out, self.discrete)
        if not self.discrete:
            low, high = (
                torch.as_tensor(b, dtype=torch.float32)
                for b in (action_space.low, action_space.high)
            )
            self.register_buffer("action_scale", (high - low) / 2)
            self.register_buffer("action_bias", (high + low) / 2)
            if init is not None and not all(
                torch.equal(torch.as_tensor(mine), theirs)
                for mine, theirs in zip(scaling, (self.action_scale, self.action_bias), strict=True)
            ):
                raise SystemExit(
                    f"--init-policy {init}: its actions scale to {scaling}; this role's bounds "
                    f"are {action_space}"
                )
            self.logstd = nn.Parameter(torch.full((out,), float(log_std)))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        x = self.net(obs)
        if self.discrete:
            return x
        mean = torch.tanh(x) * self.action_scale + self.action_bias
        return torch.cat([mean, self.logstd.expand_as(mean)], dim=-1)

    def distribution(self, out: torch.Tensor) -> torch.distributions.Distribution:
        if self.discrete:
            return Categorical(logits=out)
        mean, logstd = out.chunk(2, dim=-1)
        return Normal(mean, logstd.exp())

    def policy_net(self) -> PolicyNet:
        """The deterministic policy as the policy file describes it (argmax, or the mean)."""
        continuous = not self.discrete
        tensors = {k: v for k, v in self.state_dict().items() if k != "logstd"}
        modules = list(self.net)
        linear = [i for i, m in enumerate(modules) if isinstance(m, nn.Linear)]
        names = {cls: name for name, cls in ACTIVATION_MODULES.items()}
        layers = [
            Layer(f"net.{i}.weight", f"net.{i}.bias", names[type(modules[i + 1])])
            for i in linear[:-1]
        ]
        last = linear[-1]
        layers.append(
            Layer(f"net.{last}.weight", f"net.{last}.bias", "tanh" if continuous else "none")
        )
        return PolicyNet(
            algorithm="ppo",
            tensors=tensors,
            layers=layers,
            output="scaled" if continuous else "argmax",
            forward=lambda x: self(x) if self.discrete else self(x).chunk(2, -1)[0],
            output_scale="action_scale" if continuous else None,
            output_bias="action_bias" if continuous else None,
        )


def layers_of_file(
    path: str, obs_dim: int, out: int, discrete: bool
) -> tuple[nn.Sequential, tuple[np.ndarray, ...]]:
    """A policy file's layers as this actor's network, weights loaded: its hidden layers as
    they are, its last one giving the logits (an argmax file) or the pre-tanh mean (a scaled
    file); and its action scale and bias (scaled files)."""
    net = read_policy_net(path)
    expected = ("argmax", "none") if discrete else ("scaled", "tanh")
    found = (net.output, net.layers[-1].activation)
    if found != expected:
        raise SystemExit(
            f"--init-policy {path}: its output is {found}; a "
            f"{'discrete' if discrete else 'continuous'} role expects {expected}"
        )
    modules: list[nn.Module] = []
    for k, layer in enumerate(net.layers):
        weight, bias = net.tensors[layer.weight], net.tensors[layer.bias]
        linear = nn.Linear(weight.shape[1], weight.shape[0])
        with torch.no_grad():
            linear.weight.copy_(weight)
            linear.bias.copy_(bias)
        modules.append(linear)
        if k < len(net.layers) - 1:
            if layer.activation not in ACTIVATION_MODULES:
                raise SystemExit(
                    f"--init-policy {path}: hidden activation {layer.activation!r}; expected "
                    f"one of {sorted(ACTIVATION_MODULES)}"
                )
            modules.append(ACTIVATION_MODULES[layer.activation]())
    first, last = modules[0], modules[-1]
    assert isinstance(first, nn.Linear) and isinstance(last, nn.Linear)
    if (first.in_features, last.out_features) != (obs_dim, out):
        raise SystemExit(
            f"--init-policy {path}: maps {first.in_features} inputs to {last.out_features} "
            f"outputs; this role has {obs_dim} observations and {out} action outputs"
        )
    if discrete:
        return nn.Sequential(*modules), ()
    assert net.output_scale is not None and net.output_bias is not None
    scaling = (net.tensors[net.output_scale].numpy(), net.tensors[net.output_bias].numpy())
    return nn.Sequential(*modules), scaling


def critic_net(inputs: int, hidden: int) -> nn.Module:
    return nn.Sequential(
        layer_init(nn.Linear(inputs, hidden)),
        nn.Tanh(),
        layer_init(nn.Linear(hidden, hidden)),
        nn.Tanh(),
        layer_init(nn.Linear(hidden, 1), std=1.0),
    )


def gae(
    rewards: np.ndarray,
    values: np.ndarray,
    next_values: np.ndarray,
    acted: np.ndarray,
    terminated: np.ndarray,
    done: np.ndarray,
    gamma: float,
    lam: float,
) -> np.ndarray:
    """Advantages of a (T, M) rollout of M agents: `values[t]` is V of the observation acted on
    at t, `next_values[t]` V of the one the step returned (the final one at truncation).
    A termination zeroes the bootstrap; any episode end stops the trace; steps in which an agent
    did not act (finished, or its arena resetting) get 0 and break the trace."""
    advantages = np.zeros_like(rewards, dtype=np.float32)
    last = np.zeros(rewards.shape[1], dtype=np.float32)
    for t in reversed(range(len(rewards))):
        bootstrap = next_values[t] * (1.0 - terminated[t])
        delta = rewards[t] + gamma * bootstrap - values[t]
        last = np.where(acted[t], delta + gamma * lam * (1.0 - done[t]) * last, 0.0)
        advantages[t] = last
    return advantages


def draw_members(
    rng: np.random.Generator, pools: dict[str, int], trained: list[str], latest_prob: float
) -> dict[str, int]:
    """Who plays each role in a new episode of one arena: 0 the latest policy, k >= 1 the pool's
    snapshot k - 1. At least one trained role plays its latest, so every arena teaches."""
    members = {
        role: 0 if size == 0 or rng.random() < latest_prob else 1 + int(rng.integers(size))
        for role, size in sorted(pools.items())
    }
    if trained and all(members[r] for r in trained):
        members[sorted(trained)[int(rng.integers(len(trained)))]] = 0
    return members


class Role:
    """One role's learner: actor, critic, optimizer, pool, and its (T, M) rollout storage."""

    def __init__(
        self,
        name: str,
        agents: np.ndarray,
        spec_spaces: tuple[gym.Space, gym.Space],
        critic_dim: int,
        args: Any,
        device: torch.device,
    ) -> None:
        self.name, self.agents, self.args, self.device = name, agents, args, device
        self.observation_space, self.action_space = spec_spaces
        obs_dim = int(np.prod(self.observation_space.shape))
        init = dict(role_files(args.init_policy, "--init-policy")).get(name)
        log_std = args.init_log_std if init else 0.0  # a fresh actor explores as CleanRL's
        self.actor = Actor(obs_dim, self.action_space, args.hidden, log_std, init)
        self.actor.to(device)
        self.critic = critic_net(critic_dim, args.hidden).to(device)
        self.optimizer = torch.optim.Adam(
            [*self.actor.parameters(), *self.critic.parameters()], lr=args.learning_rate, eps=1e-5
        )
        self.pool: list[Actor] = []
        self.trained = not args.train_roles or name in args.train_roles
        self.started = init is not None  # from a policy file: its critic warms up first
        self.members = np.zeros(len(agents), np.int64)  # per agent: 0 latest, k pool[k - 1]
        self._stacked: Any = None
        self._skeleton: nn.Module | None = None
        t, m = args.num_steps, len(agents)
        act_shape = () if self.actor.discrete else self.action_space.shape
        self.obs = torch.zeros((t, m, obs_dim), device=device)
        self.critic_in = torch.zeros((t, m, critic_dim), device=device)
        self.actions = torch.zeros((t, m, *act_shape), device=device)
        self.logprobs = torch.zeros((t, m), device=device)
        self.values = np.zeros((t, m), np.float32)
        self.next_values = np.zeros((t, m), np.float32)
        self.rewards = np.zeros((t, m), np.float32)
        self.acted = np.zeros((t, m), bool)  # the agent acted in this step
        self.live = np.zeros((t, m), bool)  # ... with the latest policy: the loss's mask
        self.terminated = np.zeros((t, m), np.float32)
        self.done = np.zeros((t, m), np.float32)
        # --norm-reward: each agent's discounted return so far, and their running variance
        self._discounted = np.zeros(m)
        self._returns = RunningMeanStd(shape=())

    def scaled_rewards(
        self, rewards: np.ndarray, acted: np.ndarray, done: np.ndarray
    ) -> np.ndarray:
        """`rewards` divided by the running standard deviation of the agents' discounted returns
        (gymnasium's NormalizeReward, per role): returns in the thousands otherwise swamp the
        value loss. Only steps an agent acted in count; an episode's end restarts its return."""
        if not self.args.norm_reward:
            return rewards
        self._discounted = np.where(
            acted, self._discounted * self.args.gamma + rewards, self._discounted
        )
        if acted.any():
            self._returns.update(self._discounted[acted])
        self._discounted[done.astype(bool)] = 0.0
        return (rewards / np.sqrt(self._returns.var + 1e-8)).astype(np.float32)

    def snapshot(self) -> None:
        """Freeze the latest actor into the pool (the oldest leaves beyond `--pool`, except
        the first one with `--pool-anchor`)."""
        frozen = copy.deepcopy(self.actor)  # never optimised (stacking wants the same flags)
        pool, keep = [*self.pool, frozen], self.args.pool
        if self.args.pool_anchor and len(pool) > keep:
            pool = [pool[0], *pool[len(pool) - keep + 1 :]]
        self.pool = pool[-keep:] if keep else []

    def restack(self) -> None:
        """Stack the latest's and the snapshots' weights for this rollout's batched forward."""
        self._stacked = stack_module_state([self.actor, *self.pool]) if self.pool else None
        self._skeleton = copy.deepcopy(self.actor).to("meta")  # the module functional_call runs

    @torch.no_grad()
    def outputs(self, obs: torch.Tensor) -> torch.Tensor:
        """Each agent's actor output from its member's weights: the latest and every snapshot
        in one vmapped pass when any agent plays a snapshot."""
        if self._stacked is None or not self.members.any():
            return self.actor(obs)
        params, buffers = self._stacked
        base = self._skeleton

        def run(p: dict, b: dict, x: torch.Tensor) -> torch.Tensor:
            return functional_call(base, (p, b), (x,))

        every = vmap(run, in_dims=(0, 0, None))(params, buffers, obs)  # (P, M, out)
        return every[torch.as_tensor(self.members), torch.arange(len(obs))]

    @torch.no_grad()
    def act(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Sampled actions and their log-probabilities, each agent by its member's policy."""
        dist = self.actor.distribution(self.outputs(obs))
        action = dist.sample()
        logprob = dist.log_prob(action)
        return action, logprob if self.actor.discrete else logprob.sum(-1)

    @torch.no_grad()
    def value(self, critic_in: torch.Tensor) -> np.ndarray:
        return self.critic(critic_in).squeeze(-1).cpu().numpy()

    def env_actions(self, action: torch.Tensor) -> np.ndarray:
        """What the server receives: indices, or values clipped into the bounds (the server
        refuses values outside the space; the loss keeps the unclipped sample)."""
        a = action.cpu().numpy()
        if self.actor.discrete:
            return a.astype(np.int64)
        return np.clip(a, self.action_space.low, self.action_space.high).astype(np.float32)

    def update(self, lr: float, critic_only: bool = False) -> dict[str, float]:
        """PPO's clipped update on the live steps of this rollout; nothing if none. With
        `critic_only` the actor stays as it is (a started actor's fresh critic warms up)."""
        args = self.args
        advantages = gae(
            self.rewards,
            self.values,
            self.next_values,
            self.acted,
            self.terminated,
            self.done,
            args.gamma,
            args.gae_lambda,
        )
        returns = advantages + self.values
        live = torch.as_tensor(self.live.reshape(-1), device=self.device)
        index = torch.nonzero(live).squeeze(-1)
        if not self.trained or len(index) == 0:
            return {}
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        flat = lambda x: x.reshape(-1, *x.shape[2:])[index]  # noqa: E731
        obs, critic_in, actions, logprobs = map(
            flat, (self.obs, self.critic_in, self.actions, self.logprobs)
        )
        as_t = lambda x: torch.as_tensor(x.reshape(-1)[index.cpu().numpy()], device=self.device)  # noqa: E731
        adv, ret, old_values = as_t(advantages), as_t(returns), as_t(self.values)
        n = len(index)
        minibatch = max(1, n // args.num_minibatches)
        stats: dict[str, list[float]] = {
            k: [] for k in ("policy_loss", "value_loss", "entropy", "approx_kl", "clipfrac")
        }
        epochs, batches = 0, len(range(0, n, minibatch))
        for _ in range(args.update_epochs):
            order = torch.randperm(n, device=self.device)
            for start in range(0, n, minibatch):
                mb = order[start : start + minibatch]
                dist = self.actor.distribution(self.actor(obs[mb]))
                new_logprob = dist.log_prob(actions[mb])
                entropy = dist.entropy()
                if not self.actor.discrete:
                    new_logprob, entropy = new_logprob.sum(-1), entropy.sum(-1)
                logratio = new_logprob - logprobs[mb]
                ratio = logratio.exp()
                with torch.no_grad():
                    stats["approx_kl"].append(((ratio - 1) - logratio).mean().item())
                    stats["clipfrac"].append(
                        ((ratio - 1.0).abs() > args.clip_coef).float().mean().item()
                    )
                mb_adv = adv[mb]
                if args.norm_adv and len(mb) > 1:
                    mb_adv = (mb_adv - mb_adv.mean()) / (mb_adv.std() + 1e-8)
                pg_loss = torch.max(
                    -mb_adv * ratio, -mb_adv * ratio.clamp(1 - args.clip_coef, 1 + args.clip_coef)
                ).mean()
                new_value = self.critic(critic_in[mb]).squeeze(-1)
                if args.clip_vloss:
                    clipped = old_values[mb] + (new_value - old_values[mb]).clamp(
                        -args.clip_coef, args.clip_coef
                    )
                    v_loss = (
                        0.5 * torch.max((new_value - ret[mb]) ** 2, (clipped - ret[mb]) ** 2).mean()
                    )
                else:
                    v_loss = 0.5 * ((new_value - ret[mb]) ** 2).mean()
                loss = v_loss * args.vf_coef
                if not critic_only:
                    loss = loss + pg_loss - args.ent_coef * entropy.mean()
                self.optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(
                    [*self.actor.parameters(), *self.critic.parameters()], args.max_grad_norm
                )
                self.optimizer.step()
                stats["policy_loss"].append(pg_loss.item())
                stats["value_loss"].append(v_loss.item())
                stats["entropy"].append(entropy.mean().item())
            epochs += 1
            epoch_kl = np.mean(stats["approx_kl"][-batches:])
            if args.target_kl is not None and not critic_only and epoch_kl > args.target_kl:
                break  # CleanRL's early stop, per role: a started actor moves little at a time
        done = {"live_steps": float(n), "epochs": float(epochs)}
        return {k: float(np.mean(v)) for k, v in stats.items()} | done

    def deterministic(self) -> Any:
        """The evaluation's policy, numpy in and out, as the policy file computes it."""
        act = act_float64(self.actor.policy_net())
        return lambda obs: act(torch.as_tensor(obs, device=self.device)).cpu().numpy()

    def parts(self) -> dict[str, Any]:
        return {"actor": self.actor, "critic": self.critic, "optimizer": self.optimizer}


class Arenas:
    """The server's layout as this script uses it: which agents are which role, in which arena
    and slot, and the critic's inputs."""

    def __init__(self, spec: Any, critic: str) -> None:
        if critic not in ("local", "arena"):
            raise SystemExit(f"--critic {critic!r}: expected 'local' or 'arena'")
        self.ids = spec.agent_ids
        self.arena_of = np.array(spec.arenas)
        self.num_arenas = int(self.arena_of.max()) + 1
        self.group = len(self.ids) // self.num_arenas
        self.slot_of = np.arange(len(self.ids)) % self.group
        names = [role_of(i) for i in self.ids]
        self.roles = {
            r: np.array([k for k, n in enumerate(names) if n == r]) for r in dict.fromkeys(names)
        }
        self.critic = critic
        self.obs_len = [
            int(np.prod(spec.observation_spaces[k].shape)) for k in range(len(self.ids))
        ]
        self.width = max(self.obs_len)

    def critic_dim(self, role: str) -> int:
        own = self.obs_len[self.roles[role][0]]
        return own if self.critic == "local" else self.group * self.width + self.group

    def critic_inputs(self, role: str, obs: list[np.ndarray]) -> np.ndarray:
        agents = self.roles[role]
        if self.critic == "local":
            return np.stack([obs[k] for k in agents]).astype(np.float32)
        padded = np.zeros((len(obs), self.width), np.float32)
        for k, o in enumerate(obs):
            padded[k, : len(o)] = o
        per_arena = padded.reshape(self.num_arenas, self.group * self.width)
        slots = np.eye(self.group, dtype=np.float32)[self.slot_of[agents]]
        return np.concatenate([per_arena[self.arena_of[agents]], slots], axis=1)
