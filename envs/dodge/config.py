"""Dodge's configuration: keyword arguments → one frozen DodgeConfig → the server's CLI flags and
runtime options, and the `GameServer` the environment classes are built on (through the generic
`bevy_gym.GameSettings`). Option ranges and
defaults are declared once, in the game (`game/dodge/src/config.rs`): the spaces come from the
binary's own `--print-spec`, so a bad value fails at construction with the server's reason."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bevy_gym.game_server import GameServer
from bevy_gym.human import viewer_binary
from bevy_gym.settings import GameSettings
from bevy_gym.transport import DEFAULT_TIMEOUT

__all__ = ["ACTION_NAMES", "ACTION_NAMES_V1", "BINARY", "VIEWER", "DodgeConfig"]

BINARY = "bevy-dodge"  # the server binary, built and installed by `make install`
VIEWER = "bevy-dodge-view"  # the windowed server (render_mode="human"), built by `make viewer`
ACTION_NAMES = ("IDLE", "UP", "DOWN", "LEFT", "RIGHT")  # Discrete(5), in index order
ACTION_NAMES_V1 = (*ACTION_NAMES, "JUMP")  # rules_version 1: Discrete(6)


@dataclass(frozen=True)
class DodgeConfig:
    """Everything that configures a dodge server; every environment builds exactly one."""

    num_agents: int = 1  # dodgers
    arena_mode: str = "shared"  # "shared": one arena for all; "separate": arena i holds dodger i
    action_space: str = "discrete"  # "discrete" (Discrete(5)) or "continuous" (Box(3))
    obs_type: str = "vector"  # "vector" (72 floats) or "pixels" (top-down image)
    level: int = 1
    max_episode_steps: int = 1000  # steps before truncation; 0 disables truncation
    image_size: int = 84
    grayscale: bool = False
    action_repeat: int = 4  # simulation ticks per step
    server_url: str | None = None  # a running server instead of launching one
    binary: str | None = None  # bevy-dodge's path (default: the venv's scripts dir, then PATH)
    human: bool = False  # render_mode="human": launch the windowed server, bevy-dodge-view
    rules_version: int = 0  # 0: dodge_v0 (pinned); 1: dodge_v1 (jump, warning, seed variants)
    num_throwers: int = 0  # learnable throwers; separate arenas: a multiple of num_agents
    policy: str | None = None  # a policy file that drives policy_agents inside the game
    policy_agents: tuple[int, ...] | None = None  # agent indices (default: every agent)

    def __post_init__(self) -> None:
        if self.num_throwers < 0:
            raise ValueError(f"num_throwers must be >= 0, got {self.num_throwers}")
        if self.arena_mode == "separate" and self.num_throwers % max(self.num_agents, 1):
            raise ValueError(
                f"num_throwers={self.num_throwers} with {self.num_agents} separate arenas; "
                "expected a multiple of num_agents (the same throwers in every arena)"
            )

    @property
    def throwers_per_arena(self) -> int:
        """Learnable throwers in each arena (the `throwers` option)."""
        if self.arena_mode == "separate":
            return self.num_throwers // max(self.num_agents, 1)
        return self.num_throwers

    def options(self) -> dict[str, Any]:
        """The runtime options (`/reset?options=`) that put a server in this configuration."""
        return {
            "level": self.level,
            "action_space": self.action_space,
            "image_size": self.image_size,
            "grayscale": self.grayscale,
            "action_repeat": self.action_repeat,
            "max_episode_steps": self.max_episode_steps,
            "rules_version": self.rules_version,
            "throwers": self.throwers_per_arena,
        }

    def settings(self) -> GameSettings:
        """The generic server settings these stand for."""
        binary = self.binary or BINARY
        if self.human and Path(binary).name == BINARY:
            # The windowed server, when a window can open here (else a warning says why not).
            binary = viewer_binary(VIEWER, server_url=self.server_url) or binary
        grouped = self.arena_mode == "separate" and self.num_throwers > 0
        return GameSettings(
            binary=None if self.server_url else binary,
            server_url=self.server_url,
            num_agents=self.num_agents + self.num_throwers,
            arena_mode=self.arena_mode,
            obs_type=self.obs_type,
            options=self.options(),
            agents_per_arena=1 + self.throwers_per_arena if grouped else None,
            policy=self.policy,
            policy_agents=self.policy_agents,
        )

    def remote(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        restart_on_crash: bool = False,
        token: str | None = None,
    ) -> GameServer:
        """The server in this configuration (see `GameSettings.remote`): launched on first use,
        its spec read from `bevy-dodge --print-spec`; or `server_url`, configured through reset
        options, its spec read from it now."""
        return self.settings().remote(
            timeout=timeout, restart_on_crash=restart_on_crash, token=token
        )
