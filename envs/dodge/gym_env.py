"""Dodge as Gymnasium environments: one agent (`DodgeEnv`, `bevy_gym/Dodge-v0`) and the vector
env of N separate arenas on one server (`DodgeVectorEnv`, used by `gymnasium.make_vec`)."""

from __future__ import annotations

from typing import Any

from gymnasium.vector import AutoresetMode

from bevy_gym.envs.dodge.config import DodgeConfig
from bevy_gym.gym_env import BevyEnv
from bevy_gym.transport import DEFAULT_TIMEOUT
from bevy_gym.vector_env import BevyVectorEnv

__all__ = ["DodgeEnv", "DodgeVectorEnv", "make_env"]


class DodgeEnv(BevyEnv):
    """One dodge player; documented in `bevy_gym.envs.dodge_v0`.

    `max_episode_steps` is enforced by the server (truncation). Through `gymnasium.make` the
    registered TimeLimit does that job instead (see `make_env`)."""

    metadata: dict[str, Any] = {"render_modes": ["human", "rgb_array"], "render_fps": 15}

    def __init__(
        self,
        action_space: str = "discrete",
        obs_type: str = "vector",
        level: int = 1,
        max_episode_steps: int = 1000,
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
    ) -> None:
        self.config = DodgeConfig(
            num_agents=1,
            action_space=action_space,
            obs_type=obs_type,
            level=level,
            max_episode_steps=max_episode_steps,
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


def make_env(**kwargs: Any) -> DodgeEnv:
    """The `gymnasium.make` entry point: `gymnasium.make` consumes `max_episode_steps` for its
    TimeLimit wrapper (registered default 1000), so the server's own limit is switched off and
    any limit the user asks for, longer or shorter, is honoured."""
    kwargs.setdefault("max_episode_steps", 0)
    return DodgeEnv(**kwargs)


make_env.metadata = DodgeEnv.metadata  # type: ignore[attr-defined]  # read by gymnasium.make


class DodgeVectorEnv(BevyVectorEnv):
    """`num_envs` dodge players, each alone in its arena of one server, stepped in one request."""

    metadata: dict[str, Any] = {**BevyVectorEnv.metadata, "render_modes": ["human", "rgb_array"]}

    def __init__(
        self,
        num_envs: int = 1,
        action_space: str = "discrete",
        obs_type: str = "vector",
        level: int = 1,
        max_episode_steps: int = 1000,
        render_mode: str | None = None,
        image_size: int = 84,
        grayscale: bool = False,
        action_repeat: int = 4,
        server_url: str | None = None,
        binary: str | None = None,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        timeout: float = DEFAULT_TIMEOUT,
        restart_on_crash: bool = False,
        token: str | None = None,
        rules_version: int = 0,
    ) -> None:
        self.config = DodgeConfig(
            num_agents=num_envs,
            arena_mode="separate",
            action_space=action_space,
            obs_type=obs_type,
            level=level,
            max_episode_steps=max_episode_steps,
            image_size=image_size,
            grayscale=grayscale,
            action_repeat=action_repeat,
            server_url=server_url,
            binary=binary,
            human=render_mode == "human",
            rules_version=rules_version,
        )
        remote = self.config.remote(timeout=timeout, restart_on_crash=restart_on_crash, token=token)
        super().__init__(remote, render_mode=render_mode, autoreset_mode=autoreset_mode)
