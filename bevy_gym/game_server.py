"""A game server seen as arrays: the interface the environment classes use (`GameServer`), with
what every kind of server shares (spaces, the connection, runtime options, PNG frames). Two
implementations: `BevyGymServer` (bevy_gym servers) and `LegacyServer` (original bevy_rl)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from gymnasium import logger, spaces
from gymnasium.error import ResetNeeded

from bevy_gym.client import Client
from bevy_gym.launcher import ServerProcess
from bevy_gym.link import ServerLink
from bevy_gym.protocol import Spec, StepResult

__all__ = ["OBS_TYPES", "GameServer", "check_options", "check_remote", "check_started"]

OBS_TYPES = ("vector", "pixels")


class GameServer(ABC):
    """One game server: its spec and every agent's step/reset/observe results at once.

    `link` says where the server comes from (launched or a URL) and owns the connection;
    `obs_type` ("vector" or "pixels") is what steps and resets observe. `last_restart` says why
    the server was replaced during the last step (None when it was not)."""

    def __init__(self, link: ServerLink, spec: Spec | None, obs_type: str = "vector") -> None:
        if obs_type not in OBS_TYPES:
            raise ValueError(f"obs_type must be one of {OBS_TYPES}, got {obs_type!r}")
        self.link = link
        self.obs_type = obs_type
        self.last_restart: str | None = None
        # False: a step may return arrays that the next step overwrites (the native backend's
        # preallocated ones); what a Gymnasium vector env's copy=False allows.
        self.copy = True
        self._spec = spec
        self._option_keys: frozenset[str] = frozenset(spec.options if spec else ())

    # -- the connection ----------------------------------------------------------------------

    def connect(self) -> Client:
        """The client, launching or connecting (and checking the server) on first call."""
        return self.link.connect(self._on_open)

    @abstractmethod
    def _on_open(self, client: Client) -> None:
        """Check (or read) what the server publishes when a connection opens."""

    @property
    def process(self) -> ServerProcess | None:
        """The server process bevy_gym launched, if any (None until first use)."""
        return self.link.process

    def close(self) -> None:
        """Close the connection and stop the server if bevy_gym launched it, for good
        (idempotent): later uses raise ClosedEnvironmentError and launch nothing."""
        self.link.close()

    @property
    def closed(self) -> bool:
        """Whether `close()` was called."""
        return self.link.closed

    # -- shapes ------------------------------------------------------------------------------

    @property
    def spec(self) -> Spec:
        """The game's spec (the promised one, or the server's)."""
        assert self._spec is not None
        return self._spec

    @property
    def num_agents(self) -> int:
        """Number of agents on the server."""
        return self.spec.num_agents

    def observation_space(self, index: int = 0) -> spaces.Space:
        """Agent `index`'s observation space for this obs_type."""
        if self.obs_type == "pixels":
            pixels = self.spec.pixel_observation_space
            if pixels is None or 0 in (pixels.shape or (0,)):
                shape = "none" if pixels is None else "×".join(map(str, pixels.shape))
                raise ValueError(
                    f"obs_type='pixels', but {self.spec.game} draws no image (its pixel "
                    f"observation is {shape}); expected a game whose GymGame::image is non-empty, "
                    "or obs_type='vector'"
                )
            return pixels
        return self.spec.observation_spaces[index]

    def action_space(self, index: int = 0) -> spaces.Space:
        """Agent `index`'s action space."""
        return self.spec.action_spaces[index]

    @abstractmethod
    def noop_actions(self) -> np.ndarray:
        """What every agent sends when it has no action this step: the batch template to fill."""

    # -- the game ----------------------------------------------------------------------------

    @abstractmethod
    def step(self, actions: Any, reset_arenas: Sequence[int] | None = None) -> StepResult:
        """Step every agent (`actions`: one per agent, in agent order); arenas in
        `reset_arenas` are reset instead. Actions outside their space raise ValueError."""

    @abstractmethod
    def reset(
        self,
        *,
        seed: int | None = None,
        arenas: Sequence[int] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> StepResult:
        """Reset every arena, or those in `arenas`. See docs/python.md for the seed rule."""

    @abstractmethod
    def observe(self, kind: str = "vector") -> np.ndarray:
        """Every agent's current observation of `kind`, changing nothing: (N, ...)."""

    @abstractmethod
    def frames(self) -> np.ndarray:
        """Every agent's top-down RGB image, (N, H, W, 3) uint8."""

    def restart_info(self) -> dict[str, Any]:
        """`{"server_restarted": why}` after a step that replaced a crashed server, else `{}`."""
        return {"server_restarted": self.last_restart} if self.last_restart else {}

    # -- shared helpers ----------------------------------------------------------------------

    def _runtime_options(self, options: Mapping[str, Any] | None) -> dict[str, Any]:
        # Only the game's runtime options (the keys of its /spec `options`) go to the server;
        # reset() may carry other keys for wrappers (PettingZoo's API test sends {"options": 1}).
        options = check_options(options)
        unknown = sorted(set(options) - self._option_keys)
        if unknown:
            logger.warn(f"reset options {unknown} are not runtime options of the game; ignored")
        return {k: v for k, v in options.items() if k in self._option_keys}

    def _png_frames(self) -> np.ndarray:
        """Every agent's frame from the PNG route (always colour), (N, H, W, 3) uint8."""
        rgba = self.connect().visual_observations()
        n = self.num_agents
        height, width = rgba.shape[0], rgba.shape[1] // n
        rgb = rgba[:, : width * n, :3].reshape(height, n, width, 3)
        return np.ascontiguousarray(rgb.transpose(1, 0, 2, 3))


def check_options(options: Any) -> dict[str, Any]:
    """Reset options as a dict (None: none); TypeError, in one line, if they are not a mapping."""
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise TypeError(
            f"reset options must be a mapping of option names to values (e.g. "
            f"{{'level': 2}}), got {type(options).__name__} {options!r}"
        )
    return dict(options)


def check_started(env: Any, remote: GameServer, started: bool) -> None:
    """Before an environment's step: ClosedEnvironmentError after `close()`, and ResetNeeded
    before its first `reset()` (as Gymnasium's OrderEnforcing wrapper raises), so a step that
    cannot be right sends nothing and launches nothing."""
    remote.link.check_open()
    if not started:
        raise ResetNeeded(
            f"{type(env).__name__}.step() before reset(): call reset() first (Gymnasium's and "
            "PettingZoo's order; the game has not started)"
        )


def check_remote(remote: Any) -> GameServer:
    """`remote` if it is a GameServer; a TypeError saying how to build one otherwise."""
    if not isinstance(remote, GameServer):
        raise TypeError(
            f"expected a bevy_gym GameServer, got {remote!r}: build one with "
            "bevy_gym.make_remote(server_url, ...) or make_remote(launch=Launch(...), ...)"
        )
    return remote
