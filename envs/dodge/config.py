"""Dodge's configuration, declared once: `DodgeConfig`'s fields are every keyword argument of
dodge's environment classes (their signatures, which help() shows, are built from it by
`dodge_arguments`), and a config becomes the server's CLI flags and runtime options and the
`GameServer` the environments are built on (through the generic `bevy_gym.GameSettings`).
Option ranges and defaults the game checks are declared in the game
(`game/dodge/src/config.rs`): the spaces come from the binary's own `--print-spec`, so a bad
value fails at construction with the server's reason."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from bevy_gym.game_server import GameServer
from bevy_gym.human import viewer_binary
from bevy_gym.native import check_render_mode
from bevy_gym.settings import GameSettings
from bevy_gym.transport import DEFAULT_TIMEOUT

__all__ = [
    "ACTION_NAMES",
    "ACTION_NAMES_V1",
    "BINARY",
    "INSTALL",
    "MULTI_AGENT",
    "NATIVE_INSTALL",
    "VIEWER",
    "VIEWER_INSTALL",
    "DodgeConfig",
    "bind_arguments",
    "dodge_arguments",
]

BINARY = "bevy-dodge"  # the server binary, built and installed by `make install`
INSTALL = "`make install` (or `pip install ./game`)"
NATIVE_INSTALL = "`make install` (or `pip install ./game/dodge/native`)"
VIEWER = "bevy-dodge-view"  # the windowed server (render_mode="human"), built by `make viewer`
VIEWER_INSTALL = "`make viewer` (its system packages: `make viewer-deps`)"
ACTION_NAMES = ("IDLE", "UP", "DOWN", "LEFT", "RIGHT")  # Discrete(5), in index order
ACTION_NAMES_V1 = (*ACTION_NAMES, "JUMP")  # rules_version 1: Discrete(6)


@dataclass(frozen=True)
class DodgeConfig:
    """Everything that configures a dodge environment; every environment builds exactly one.
    The fields, in this order, are the environments' keyword arguments (see dodge_v0's docs)."""

    num_agents: int = 1  # dodgers
    arena_mode: str = "shared"  # "shared": one arena for all; "separate": arena i holds dodger i
    action_space: str = "discrete"  # "discrete" (Discrete(5)) or "continuous" (Box(3))
    obs_type: str = "vector"  # "vector" (72 floats) or "pixels" (top-down image)
    level: int = 1
    max_episode_steps: int = 1000  # steps before truncation; 0 disables truncation
    render_mode: str | None = None  # "rgb_array"; "human": the windowed server, bevy-dodge-view
    image_size: int = 84
    grayscale: bool = False
    image_source: str = "raster"  # "camera": the 3D scene seen by its cameras (`make camera`)
    action_repeat: int = 4  # simulation ticks per step
    server_url: str | None = None  # a running server instead of launching one
    binary: str | None = None  # bevy-dodge's path (default: the venv's scripts dir, then PATH)
    timeout: float = DEFAULT_TIMEOUT  # seconds for every request
    restart_on_crash: bool = False  # a launched server that dies is replaced (episode truncated)
    token: str | None = None  # sent with every request (servers run with --token)
    rules_version: int = 0  # 0: dodge_v0 (pinned); 1: dodge_v1 (jump, warning, seed variants)
    num_throwers: int = 0  # learnable throwers; separate arenas: a multiple of num_agents
    policy: str | None = None  # a policy file that drives policy_agents inside the game
    policy_agents: tuple[int, ...] | None = None  # agent indices (default: every agent)
    backend: str = "http"  # "native": the game in this process (`make native`), no server

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
        # Sent only when it is not the default, so servers from before the camera sensor still
        # take every configuration they can serve.
        source = {} if self.image_source == "raster" else {"image_source": self.image_source}
        return source | {
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
        check_render_mode(self.backend, self.render_mode)
        native = self.backend == "native"
        if self.render_mode == "human" and Path(binary).name == BINARY and not native:
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
            policy_agents=None if self.policy_agents is None else tuple(self.policy_agents),
            backend=self.backend,
        )

    def remote(self) -> GameServer:
        """The server in this configuration (see `GameSettings.remote`): launched on first use,
        its spec read from `bevy-dodge --print-spec`; or `server_url`, configured through reset
        options, its spec read from it now."""
        return self.settings().remote(
            timeout=self.timeout, restart_on_crash=self.restart_on_crash, token=self.token
        )


# Settings of several agents: the one-agent and vector environments leave them out.
MULTI_AGENT = ("num_agents", "arena_mode", "num_throwers", "policy", "policy_agents")

C = TypeVar("C", bound=type)


def dodge_arguments(
    *,
    exclude: Iterable[str] = (),
    rename: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    first: Sequence[inspect.Parameter] = (),
    last: Sequence[inspect.Parameter] = (),
) -> Callable[[C], C]:
    """A class decorator giving a dodge environment its keyword arguments: DodgeConfig's fields
    (names, types, defaults) less `exclude`, with names in `rename` (PettingZoo's `max_cycles`)
    and defaults in `defaults` changed, between the class's own `first` and `last` parameters.
    help() and inspect.signature show them; `bind_arguments` reads a call against them."""
    rename = dict(rename or {})
    defaults = dict(defaults or {})
    hints = typing.get_type_hints(DodgeConfig)
    skip = set(exclude)
    params = [
        inspect.Parameter(
            rename.get(f.name, f.name),
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=defaults.get(f.name, f.default),
            annotation=hints[f.name],
        )
        for f in fields(DodgeConfig)
        if f.name not in skip and f.default is not MISSING
    ]
    signature = inspect.Signature([*first, *params, *last])
    renamed = {new: old for old, new in rename.items()}

    def decorate(cls: C) -> C:
        cls.__signature__ = signature  # type: ignore[attr-defined]
        init = cls.__init__  # type: ignore[misc]
        self = inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)
        init.__signature__ = signature.replace(
            parameters=[self, *signature.parameters.values()], return_annotation=None
        )
        cls._renamed_arguments = renamed  # type: ignore[attr-defined]
        return cls

    return decorate


def bind_arguments(cls: type, args: Sequence[Any], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """A call's arguments against `cls`'s dodge_arguments signature, defaults filled in and
    renamed arguments under DodgeConfig's names; a wrong name raises TypeError as Python does."""
    try:
        bound = cls.__signature__.bind(*args, **kwargs)  # type: ignore[attr-defined]
    except TypeError as exc:
        raise TypeError(f"{cls.__name__}: {exc}") from None
    bound.apply_defaults()
    renamed = cls._renamed_arguments  # type: ignore[attr-defined]
    return {renamed.get(name, name): value for name, value in bound.arguments.items()}
