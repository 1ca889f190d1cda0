"""Dodge as a PettingZoo environment: the ParallelEnv (`parallel_env`), and the AEC versions
(`raw_env` via parallel_to_aec, `env` with PettingZoo's action-bounds wrapper)."""

from __future__ import annotations

from typing import Any

from pettingzoo import AECEnv
from pettingzoo.utils import parallel_to_aec, wrappers

from bevy_gym.envs.dodge.config import DodgeConfig
from bevy_gym.parallel_env import BevyParallelEnv
from bevy_gym.transport import DEFAULT_TIMEOUT

__all__ = ["DodgeParallelEnv", "env", "parallel_env", "raw_env"]


class DodgeParallelEnv(BevyParallelEnv):
    """Dodge with `num_agents` (or `num_dodgers`) players and `num_throwers` learnable throwers;
    documented in `bevy_gym.envs.dodge_v0` and `dodge_v1`."""

    metadata: dict[str, Any] = {
        "render_modes": ["human", "rgb_array"],
        "name": "dodge_v0",
        "is_parallelizable": True,
        "render_fps": 15,  # one step = action_repeat (4) ticks of 1/60 s
    }

    def __init__(
        self,
        num_agents: int = 4,
        arena_mode: str = "shared",
        action_space: str = "discrete",
        obs_type: str = "vector",
        level: int = 1,
        max_cycles: int = 1000,
        render_mode: str | None = None,
        image_size: int = 84,
        grayscale: bool = False,
        action_repeat: int = 4,
        server_url: str | None = None,
        binary: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        restart_on_crash: bool = False,
        token: str | None = None,
        rules_version: int = 0,
        num_dodgers: int | None = None,
        num_throwers: int = 0,
        policy: str | None = None,
        policy_agents: tuple[int, ...] | None = None,
    ) -> None:
        self.config = DodgeConfig(
            num_agents=num_agents if num_dodgers is None else num_dodgers,
            num_throwers=num_throwers,
            policy=policy,
            policy_agents=None if policy_agents is None else tuple(policy_agents),
            arena_mode=arena_mode,
            action_space=action_space,
            obs_type=obs_type,
            level=level,
            max_episode_steps=max_cycles,
            image_size=image_size,
            grayscale=grayscale,
            action_repeat=action_repeat,
            server_url=server_url,
            binary=binary,
            human=render_mode == "human",
            rules_version=rules_version,
        )
        remote = self.config.remote(timeout=timeout, restart_on_crash=restart_on_crash, token=token)
        super().__init__(remote, render_mode=render_mode)
        # PettingZoo's versioned name: the rules version is the env's version.
        self.metadata = {**type(self).metadata, "name": f"dodge_v{rules_version}"}


def parallel_env(**kwargs: Any) -> DodgeParallelEnv:
    """The dodge ParallelEnv (keyword arguments: see `bevy_gym.envs.dodge_v0`)."""
    return DodgeParallelEnv(**kwargs)


def raw_env(**kwargs: Any) -> AECEnv:
    """The dodge AEC env, converted from the ParallelEnv."""
    return parallel_to_aec(DodgeParallelEnv(**kwargs))


def env(**kwargs: Any) -> AECEnv:
    """The dodge AEC env with PettingZoo's out-of-bounds action check (discrete) or clip."""
    aec = raw_env(**kwargs)
    discrete = kwargs.get("action_space", "discrete") == "discrete"
    if discrete and kwargs.get("num_throwers", 0):
        return aec  # throwers aim with a Box: no one bounds wrapper fits both kinds of space
    if discrete:
        return wrappers.AssertOutOfBoundsWrapper(aec)
    return wrappers.ClipOutOfBoundsWrapper(aec)
