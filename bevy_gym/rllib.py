"""bevy_gym games on Ray RLlib (new API stack), with the `rllib` extra:

    pip install -e ".[rllib]"

    import bevy_gym.rllib
    bevy_gym.rllib.register_envs()   # every game, under its Gymnasium ids and its PettingZoo id
    config = PPOConfig().environment("bevy_gym/Dodge-v0", env_config={"seed": 1, "level": 1})
    config = bevy_gym.rllib.configure(config, seed=1)   # vector env runners, seeds, restarts

What it takes care of, which users of other bridges hit:

- **Servers per runner.** Each env runner launches its own game server (`--port 0`, so no port is
  chosen twice, and `--exit-with-parent`, so a killed runner leaves no server), and closes it when
  RLlib closes the env. A single-agent runner uses the native vector env: its
  `num_envs_per_env_runner` arenas live in ONE server, stepped in one request.
- **Seeds that never collide.** RLlib seeds runner w's env with `seed + w` (and its sub-env i with
  `+ i`), so runs and runners overlap. Here every env's seed is derived (numpy `SeedSequence`)
  from the experiment seed (`env_config["seed"]`), the runner index, whether it is an evaluation
  runner, and a per-process counter of envs created (an env RLlib re-creates gets a new one); the
  arenas of one server then draw from their own streams of it.
- **Crashes.** A server that dies is restarted; the interrupted episode ends as truncated.
- **`__all__`.** The multi-agent adapter ends the episode exactly when no agent is left: agents
  that finish at different times, and agents terminating and truncating on the same step.

`env_config` keys other than `seed` are the game's options (`level`, `num_agents`, ...).
This module imports ray; the rest of bevy_gym never does."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from ray.rllib.env.env_context import EnvContext
from ray.rllib.env.multi_agent_env import MultiAgentEnv
from ray.tune.registry import register_env

import bevy_gym
from bevy_gym.registration import games

__all__ = [
    "BevyMultiAgentEnv",
    "configure",
    "derive_seed",
    "describe_runner",
    "policies_for",
    "register_envs",
]

EVALUATION_OFFSET = 1_000_000  # RLlib adds this to evaluation runners' seeds
_created = itertools.count()  # envs created in this process (RLlib may re-create one)


def derive_seed(experiment_seed: int, worker_index: int, evaluation: bool, counter: int) -> int:
    """The seed of one env: distinct for every (experiment seed, runner, evaluation, counter)."""
    entropy = [experiment_seed, worker_index, int(evaluation), counter]
    return int(np.random.SeedSequence(entropy).generate_state(1, np.uint32)[0] >> 1)


class _Seeding:
    """Where an env sits in the run, and the seed its first reset uses instead of RLlib's."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.experiment_seed = config.get("seed")
        # A vector env's creator gets a plain dict: RLlib's `EnvContext | {"num_envs": n}` drops
        # the runner index, which the seed RLlib passes to the first reset then tells.
        self.worker_index = config.worker_index if isinstance(config, EnvContext) else None
        self.counter = next(_created)
        self.seed: int | None = None  # the derived seed, once the first seeded reset happened

    def seed_for(self, rllib_seed: int | None) -> int | None:
        """The seed to reset with, for the seed RLlib asked for (`seed + worker [+ 1e6]`)."""
        if rllib_seed is None:
            return None
        experiment = self.experiment_seed if self.experiment_seed is not None else rllib_seed
        offset = rllib_seed - experiment
        evaluation = offset >= EVALUATION_OFFSET
        worker = self.worker_index
        if worker is None:
            worker = offset - EVALUATION_OFFSET * evaluation
        self.seed = derive_seed(experiment, worker, evaluation, self.counter)
        return self.seed


def _game_options(config: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in config.items() if k not in ("seed", "num_envs")}


class _SeededVectorEnv(gym.vector.VectorWrapper):
    """A bevy_gym vector env whose first seeded reset uses the derived seed."""

    def __init__(self, env: gym.vector.VectorEnv, seeding: _Seeding) -> None:
        super().__init__(env)
        self.seeding = seeding

    def reset(self, *, seed: Any = None, options: dict | None = None) -> tuple[Any, dict]:
        if isinstance(seed, list | tuple):
            seed = seed[0]
        return self.env.reset(seed=self.seeding.seed_for(seed), options=options)


class _SeededEnv(gym.Wrapper):
    """A single bevy_gym env whose first seeded reset uses the derived seed."""

    def __init__(self, env: gym.Env, seeding: _Seeding) -> None:
        super().__init__(env)
        self.seeding = seeding

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[Any, dict]:
        return self.env.reset(seed=self.seeding.seed_for(seed), options=options)


def _single_agent_creator(env_id: str) -> Callable[[dict[str, Any]], Any]:
    def create(config: dict[str, Any]) -> Any:
        seeding = _Seeding(config)
        options = _game_options(config)
        if "num_envs" in config:  # gym_env_vectorize_mode="vector_entry_point": one server
            envs = gym.make_vec(
                env_id,
                num_envs=int(config["num_envs"]),
                vectorization_mode="vector_entry_point",
                restart_on_crash=True,
                **options,
            )
            return _SeededVectorEnv(envs, seeding)
        return _SeededEnv(gym.make(env_id, restart_on_crash=True, **options), seeding)

    return create


class BevyMultiAgentEnv(MultiAgentEnv):
    """A bevy_gym PettingZoo game as an RLlib `MultiAgentEnv`: observations only for agents that
    act next, an agent's last observation on the step it finishes and nothing after, and
    `__all__` when no agent is left."""

    def __init__(self, pettingzoo_id: str, config: dict[str, Any]) -> None:
        super().__init__()
        self.seeding = _Seeding(config)
        options = _game_options(config)
        if "max_episode_steps" in options:  # PettingZoo's name for it
            options["max_cycles"] = options.pop("max_episode_steps")
        self.par_env = bevy_gym.make_parallel(pettingzoo_id, restart_on_crash=True, **options)
        self.possible_agents = list(self.par_env.possible_agents)
        self.agents = []
        self.observation_spaces = {
            a: self.par_env.observation_space(a) for a in self.possible_agents
        }
        self.action_spaces = {a: self.par_env.action_space(a) for a in self.possible_agents}
        self.observation_space = gym.spaces.Dict(self.observation_spaces)
        self.action_space = gym.spaces.Dict(self.action_spaces)

    @property
    def remote(self) -> Any:
        """The game server this env steps."""
        return self.par_env.unwrapped.remote

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[dict, dict]:
        obs, infos = self.par_env.reset(seed=self.seeding.seed_for(seed), options=options)
        self.agents = list(self.par_env.agents)
        return obs, infos

    def step(self, action_dict: dict[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        obs, rewards, terminated, truncated, infos = self.par_env.step(action_dict)
        self.agents = list(self.par_env.agents)
        finished = [a for a in rewards if terminated.get(a) or truncated.get(a)]
        over = not self.agents
        # The episode is over when no agent is left, whatever mix of flags ended them.
        all_truncated = over and bool(finished) and all(truncated.get(a) for a in finished)
        terminated = {**terminated, "__all__": over and not all_truncated}
        truncated = {**truncated, "__all__": all_truncated}
        return obs, rewards, terminated, truncated, infos

    def close(self) -> None:
        self.par_env.close()


def _multi_agent_creator(pettingzoo_id: str) -> Callable[[dict[str, Any]], BevyMultiAgentEnv]:
    def create(config: dict[str, Any]) -> BevyMultiAgentEnv:
        return BevyMultiAgentEnv(pettingzoo_id, config)

    return create


def register_envs() -> list[str]:
    """Register every bevy_gym game with RLlib: each Gymnasium id (single agent) and the
    PettingZoo id (multi-agent). Returns the names registered."""
    names = []
    for game in games():
        for variant in game.variants:
            register_env(variant.id, _single_agent_creator(variant.id))
            names.append(variant.id)
        register_env(game.pettingzoo_id, _multi_agent_creator(game.pettingzoo_id))
        names.append(game.pettingzoo_id)
    return names


def policies_for(env: BevyMultiAgentEnv) -> tuple[dict[str, tuple], Callable[..., str]]:
    """One shared policy per kind of agent (agents with the same spaces share it): the
    `policies` spaces and the `policy_mapping_fn` for `config.multi_agent(...)`."""
    groups: dict[tuple, str] = {}
    mapping: dict[str, str] = {}
    for agent in env.possible_agents:
        key = (repr(env.observation_spaces[agent]), repr(env.action_spaces[agent]))
        groups.setdefault(key, f"shared_{len(groups)}")
        mapping[agent] = groups[key]
    policies = {name: (None, None, None, {}) for name in groups.values()}
    return policies, lambda agent_id, *args, **kwargs: mapping[agent_id]


def configure(config: Any, seed: int, multi_agent: bool = False) -> Any:
    """`config` set up for bevy_gym envs: the experiment seed both where RLlib reads it and
    where the envs derive theirs from, single-agent runners on the native vector env, and a
    failing env runner an error rather than a silent restart loop (a server that cannot start
    should fail the run)."""
    env_config = {**(config.env_config or {}), "seed": seed}
    config = config.environment(env_config=env_config).debugging(seed=seed)
    if not multi_agent:
        config = config.env_runners(gym_env_vectorize_mode="vector_entry_point")
    return config.fault_tolerance(restart_failed_env_runners=False)


def describe_runner(env_runner: Any) -> dict[str, Any]:
    """Where an env runner runs and what it runs (for `foreach_env_runner`, tests and tools):
    its Ray node, process, game server processes and the seeds its envs derived."""
    import os

    import ray

    envs = getattr(env_runner, "env", None)
    envs = envs if isinstance(envs, list | tuple) else [envs]
    servers, seeds = [], []
    for env in envs:
        if env is None:
            continue
        inner = env.unwrapped if not isinstance(env, MultiAgentEnv) else env
        for layer in (env, getattr(env, "env", None), inner):
            if hasattr(layer, "seeding"):
                seeds.append(layer.seeding.seed)
                break
        remote = getattr(inner, "remote", None)
        process = getattr(remote, "process", None)
        servers.append(process.pid if process is not None else None)
    return {
        "worker_index": env_runner.worker_index,
        "node_id": ray.get_runtime_context().get_node_id(),
        "pid": os.getpid(),
        "server_pids": servers,
        "seeds": seeds,
    }
