"""Dodge's configuration: keyword arguments → one frozen DodgeConfig → the server's CLI flags and
runtime options, plus the spaces the server must publish (checked against its /spec)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces

from bevy_gym.protocol import Spec
from bevy_gym.remote import Launch

__all__ = ["ACTION_NAMES", "BINARY", "OBS_SIZE", "DodgeConfig"]

BINARY = "bevy-dodge"  # the server binary, built and installed by `make install`
ACTION_NAMES = ("IDLE", "UP", "DOWN", "LEFT", "RIGHT")  # Discrete(5), in index order
CONTINUOUS_ACTION_SIZE = 3  # [vx, vy, sprint], each in [-1, 1]
OBS_SIZE = 72  # floats in the vector observation, each in [-1, 1]
LEVELS = (1, 2)
IMAGE_SIZES = range(32, 513)  # pixels per side, as the server accepts


@dataclass(frozen=True)
class DodgeConfig:
    """Everything that configures a dodge server; every environment builds exactly one."""

    num_agents: int = 1
    arena_mode: str = "shared"  # "shared": one arena for all; "separate": arena i holds agent i
    action_space: str = "discrete"  # "discrete" (Discrete(5)) or "continuous" (Box(3))
    obs_type: str = "vector"  # "vector" (72 floats) or "pixels" (top-down image)
    level: int = 1
    max_episode_steps: int = 1000  # steps before truncation; 0 disables truncation
    render_mode: str | None = None
    image_size: int = 84
    grayscale: bool = False
    action_repeat: int = 4  # simulation ticks per step
    server_url: str | None = None  # a running server instead of launching one
    binary: str | None = None  # explicit path to bevy-dodge (else scripts dir, then PATH)

    def __post_init__(self) -> None:
        def bad(name: str, expected: str) -> ValueError:
            return ValueError(f"{name} must be {expected}, got {getattr(self, name)!r}")

        if not isinstance(self.num_agents, int) or self.num_agents < 1:
            raise bad("num_agents", "an int >= 1")
        if self.arena_mode not in ("shared", "separate"):
            raise bad("arena_mode", "'shared' or 'separate'")
        if self.action_space not in ("discrete", "continuous"):
            raise bad("action_space", "'discrete' or 'continuous'")
        if self.obs_type not in ("vector", "pixels"):
            raise bad("obs_type", "'vector' or 'pixels'")
        if self.level not in LEVELS:
            raise bad("level", f"one of {LEVELS}")
        if not isinstance(self.max_episode_steps, int) or self.max_episode_steps < 0:
            raise bad("max_episode_steps", "an int >= 0")
        if self.image_size not in IMAGE_SIZES:
            raise bad("image_size", "an int in 32..512")
        if not isinstance(self.action_repeat, int) or not 1 <= self.action_repeat <= 1000:
            raise bad("action_repeat", "an int in 1..1000")
        if not isinstance(self.grayscale, bool):
            raise bad("grayscale", "a bool")

    def options(self) -> dict[str, Any]:
        """The runtime options (`/reset?options=`) that put a server in this configuration."""
        return {
            "level": self.level,
            "action_space": self.action_space,
            "image_size": self.image_size,
            "grayscale": self.grayscale,
            "action_repeat": self.action_repeat,
            "max_episode_steps": self.max_episode_steps,
        }

    def cli_args(self) -> tuple[str, ...]:
        """The `bevy-dodge` flags that start a server in this configuration."""
        args = [
            "--agents", str(self.num_agents),
            "--arena-mode", self.arena_mode,
            "--action-space", self.action_space,
            "--level", str(self.level),
            "--max-episode-steps", str(self.max_episode_steps),
            "--image-size", str(self.image_size),
            "--action-repeat", str(self.action_repeat),
        ]  # fmt: skip
        if self.grayscale:
            args.append("--grayscale")
        return tuple(args)

    def launch(self) -> Launch | None:
        """How to start the server, or None when connecting to `server_url`."""
        if self.server_url is not None:
            return None
        return Launch(BINARY, self.cli_args(), binary=self.binary)

    def remote_kwargs(self) -> dict[str, Any]:
        """Where the server comes from and what it must publish, for the bevy_gym base classes."""
        return {
            "server_url": self.server_url,
            "launch": self.launch(),
            "spec": self.spec(),
            "obs_type": self.obs_type,
            "render_mode": self.render_mode,
            "options": self.server_options(),
        }

    def server_options(self) -> dict[str, Any]:
        """Options sent with every full reset: only for servers we did not start ourselves."""
        return self.options() if self.server_url is not None else {}

    def spec(self) -> Spec:
        """The spec a dodge server in this configuration publishes (its spaces, at least)."""
        n = self.num_agents
        if self.action_space == "discrete":
            action: spaces.Space = spaces.Discrete(len(ACTION_NAMES))
        else:
            action = spaces.Box(-1.0, 1.0, (CONTINUOUS_ACTION_SIZE,), np.float32)
        channels = 1 if self.grayscale else 3
        pixels = spaces.Box(0, 255, (self.image_size, self.image_size, channels), np.uint8)
        separate = self.arena_mode == "separate"
        return Spec(
            num_agents=n,
            agent_ids=tuple(f"agent_{i}" for i in range(n)),
            arenas=tuple(range(n)) if separate else (0,) * n,
            action_spaces=(action,) * n,
            observation_spaces=(spaces.Box(-1.0, 1.0, (OBS_SIZE,), np.float32),) * n,
            pixel_observation_space=pixels,
            action_names=(ACTION_NAMES if self.action_space == "discrete" else None,) * n,
            game="dodge",
            arena_mode=self.arena_mode,
            num_arenas=n if separate else 1,
            action_repeat=self.action_repeat,
            max_episode_steps=self.max_episode_steps,
            options=self.options(),
        )
