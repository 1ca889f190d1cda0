"""A game server seen as arrays, for the environment classes: where the server comes from (launched
lazily by us, or a given URL), its spec, and step/reset/observe/render returning every agent's
results at once. Pickle-safe: a copy keeps the spec but claims its own server on first use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import logger, spaces

from bevy_gym.client import Client
from bevy_gym.launcher import DEFAULT_START_TIMEOUT, ServerProcess, find_binary
from bevy_gym.legacy import LegacyGame
from bevy_gym.protocol import PROTOCOL_VERSION, Spec, StepResult, encode_actions
from bevy_gym.transport import DEFAULT_TIMEOUT, ProtocolError, ServerDiedError, Transport

__all__ = ["OBS_TYPES", "Launch", "RemoteGame"]

OBS_TYPES = ("vector", "pixels")


@dataclass(frozen=True)
class Launch:
    """How to start a server: the binary's name (or explicit path) and the game's CLI flags."""

    name: str
    args: tuple[str, ...] = ()
    binary: str | None = None
    start_timeout: float = DEFAULT_START_TIMEOUT


class RemoteGame:
    """One server, launched on first use from `launch` or reached at `server_url`.

    `spec` given: the spaces the environment promises, checked against the server's /spec when it
    connects (so construction needs no server). `spec` None: read from the server right away.
    `legacy` describes an original bevy_rl server (no /spec, no binary routes).

    `restart_on_crash` (launched servers only): when the server dies, start a new one, reset it and
    report the interrupted step as truncated for every agent; `last_restart` then says why (and is
    None after any other call). `token` is sent with every request (servers run with --token)."""

    def __init__(
        self,
        *,
        server_url: str | None = None,
        launch: Launch | None = None,
        spec: Spec | None = None,
        legacy: LegacyGame | None = None,
        obs_type: str = "vector",
        options: Mapping[str, Any] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        restart_on_crash: bool = False,
        token: str | None = None,
    ) -> None:
        if (server_url is None) == (launch is None):
            raise ValueError("give exactly one of server_url (a running server) or launch")
        if restart_on_crash and launch is None:
            raise ValueError("restart_on_crash needs a server bevy_gym launches (no server_url)")
        if obs_type not in OBS_TYPES:
            raise ValueError(f"obs_type must be one of {OBS_TYPES}, got {obs_type!r}")
        if legacy is not None:
            if obs_type != "vector":
                raise ValueError("legacy bevy_rl servers support obs_type='vector' (from /state)")
            spec = legacy.to_spec()
        self.server_url = server_url
        self.launch = launch
        self.legacy = legacy
        self.obs_type = obs_type
        self.options = dict(options or {})
        self.timeout = timeout
        self.restart_on_crash = restart_on_crash
        self.token = token
        self.last_restart: str | None = None
        self.restarts = 0
        # Resolve the binary now: a missing binary should fail at construction, not at reset.
        self._binary = find_binary(launch.name, launch.binary) if launch else None
        self._process: ServerProcess | None = None
        self._client: Client | None = None
        self._spec = spec
        self._option_keys: frozenset[str] = frozenset(spec.options if spec else ())
        if spec is None:
            self.connect()

    # -- lifecycle ---------------------------------------------------------------------------

    def __getstate__(self) -> dict:
        # A copy never shares our process or socket: it launches (or reconnects) on first use.
        state = self.__dict__.copy()
        state["_process"] = None
        state["_client"] = None
        return state

    @property
    def process(self) -> ServerProcess | None:
        """The server process we launched, if any (None until first use)."""
        return self._process

    def connect(self) -> Client:
        """The client, launching or connecting (and checking the spec) on first call."""
        if self._client is not None:
            return self._client
        if self.launch is not None:
            assert self._binary is not None
            self._process = ServerProcess(
                self._binary, self.launch.args, start_timeout=self.launch.start_timeout
            )
            transport = Transport(
                self._process.url,
                timeout=self.timeout,
                diagnose=self._process.diagnose,
                token=self.token,
            )
        else:
            assert self.server_url is not None
            transport = Transport(self.server_url, timeout=self.timeout, token=self.token)
        client = Client(transport=transport)
        try:
            if self.legacy is None:
                if self.launch is None and self.options:
                    # A server someone else started: apply our configuration before its spaces.
                    client.reset(options=self.options)
                self._check_spec(client)
        except BaseException:
            client.close()
            if self._process is not None:
                self._process.close()
                self._process = None
            raise
        self._client = client
        return client

    def _check_spec(self, client: Client) -> None:
        spec = client.spec()
        if spec is None:
            raise ProtocolError(
                client.url,
                "GET /spec: 404; this looks like a server built with the original bevy_rl "
                "crate: describe it with bevy_gym.LegacyGame (see docs/any_bevy_rl_game.md)",
            )
        if spec.protocol_version != PROTOCOL_VERSION:
            raise ProtocolError(
                client.url,
                f"speaks protocol version {spec.protocol_version}; "
                f"this bevy_gym speaks {PROTOCOL_VERSION}",
            )
        self._option_keys = frozenset(spec.options)
        expected = self._spec
        if expected is not None:
            mismatch = _spec_mismatch(expected, spec, self.obs_type)
            if mismatch:
                raise ProtocolError(client.url, f"the server's /spec disagrees: {mismatch}")
        else:
            self._spec = spec

    def close(self) -> None:
        """Close the connection and stop the server if we launched it (idempotent)."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._process is not None:
            self._process.close()
            self._process = None

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
            assert self.spec.pixel_observation_space is not None, "the game has no pixels"
            return self.spec.pixel_observation_space
        return self.spec.observation_spaces[index]

    def action_space(self, index: int = 0) -> spaces.Space:
        """Agent `index`'s action space."""
        return self.spec.action_spaces[index]

    def noop_actions(self) -> np.ndarray:
        """A valid action for every agent (zeros, clipped into the space): the template to fill."""
        space = self.action_space(0)
        n = self.num_agents
        if isinstance(space, spaces.Discrete):
            return np.full(n, space.start, dtype=np.int32)
        if isinstance(space, spaces.Box):
            zero = np.clip(np.zeros(space.shape, np.float32), space.low, space.high)
            return np.broadcast_to(zero, (n, *space.shape)).astype(np.float32)
        raise TypeError(f"unsupported action space {space}")

    # -- protocol ----------------------------------------------------------------------------

    def step(self, actions: Any, reset_arenas: Sequence[int] | None = None) -> StepResult:
        """Step every agent. `actions`: an array (N, ...) or, for legacy servers, a per-agent list
        with None for agents that send no command. Arenas in `reset_arenas` are reset instead.
        Actions outside their space raise ValueError before anything is sent."""
        self.last_restart = None
        if self.legacy is None:
            body = encode_actions(
                check_actions(actions, self.action_space(0), self.spec.agent_ids),
                self.action_space(0),
                self.num_agents,
            )
        try:
            client = self.connect()
            if self.legacy is not None:
                if reset_arenas:
                    raise ValueError("legacy bevy_rl servers cannot reset single arenas")
                strings = [self.legacy.action_string(a, i) for i, a in enumerate(actions)]
                res = client.step(strings, num_agents=self.num_agents)
                return StepResult(
                    res.rewards, res.terminated, res.truncated, self._legacy_observe()
                )
            return client.step_binary(
                body, obs=self.obs_type, reset=reset_arenas, obs_shape=self._obs_shape()
            )
        except ServerDiedError as exc:
            if not self.restart_on_crash:
                raise
            return self._restart(exc)

    def restart_info(self) -> dict[str, Any]:
        """`{"server_restarted": why}` after a step that replaced a crashed server, else `{}`."""
        return {"server_restarted": self.last_restart} if self.last_restart else {}

    def _restart(self, exc: ServerDiedError) -> StepResult:
        """Replace a dead server: a fresh one, reset; the interrupted step ends truncated."""
        self.close()
        self.restarts += 1
        logger.warn(f"restarting the game server after a crash: {exc}")
        fresh = self.reset()
        self.last_restart = str(exc)
        n = self.num_agents
        return StepResult(
            np.zeros(n, np.float32), np.zeros(n, bool), np.ones(n, bool), fresh.observations
        )

    def reset(
        self,
        *,
        seed: int | None = None,
        arenas: Sequence[int] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> StepResult:
        """Reset every arena (with the configured runtime options plus `options`) or `arenas`."""
        client = self.connect()
        if seed is not None and not 0 <= int(seed) < 2**64:
            raise ValueError(f"seed must be a non-negative 64-bit integer, got {seed}")
        if self.legacy is not None:
            # bevy_rl has no seeds, partial resets or runtime options.
            if arenas is not None:
                raise ValueError("legacy bevy_rl servers cannot reset single arenas")
            self._runtime_options(options)  # warns: nothing is a runtime option here
            res = client.reset(method=self.legacy.reset_method, num_agents=self.num_agents)
            return StepResult(res.rewards, res.terminated, res.truncated, self._legacy_observe())
        options = self._runtime_options(options)
        merged = {**self.options, **options} if arenas is None else None
        res = client.reset_binary(
            obs=self.obs_type,
            seed=None if seed is None else int(seed),
            arenas=arenas,
            options=merged or None,
            obs_shape=self._obs_shape(),
        )
        if options and arenas is None:
            self._check_spec(client)  # options must not change the spaces promised to the env
        return res

    def _runtime_options(self, options: Mapping[str, Any] | None) -> dict[str, Any]:
        # Only the game's runtime options (the keys of its /spec `options`) go to the server;
        # reset() may carry other keys for wrappers (PettingZoo's API test sends {"options": 1}).
        options = dict(options or {})
        unknown = sorted(set(options) - self._option_keys)
        if unknown:
            logger.warn(f"reset options {unknown} are not runtime options of the game; ignored")
        return {k: v for k, v in options.items() if k in self._option_keys}

    def observe(self, obs: str = "vector") -> np.ndarray:
        """Every agent's current observation of kind `obs`, changing nothing: (N, ...)."""
        client = self.connect()
        if self.legacy is not None:
            return self._legacy_observe()
        shape = (
            self.spec.pixel_observation_space.shape
            if obs == "pixels" and self.spec.pixel_observation_space is not None
            else self.spec.observation_spaces[0].shape
        )
        res = client.observe_binary(obs=obs, obs_shape=shape)
        assert res.observations is not None
        return res.observations

    def frames(self) -> np.ndarray:
        """Every agent's top-down RGB image, (N, H, W, 3) uint8."""
        pixel = self.spec.pixel_observation_space
        if self.legacy is None and pixel is not None and pixel.shape[-1] == 3:
            return self.observe("pixels")
        # Grayscale observations or a legacy server: the PNG route is always in colour.
        rgba = self.connect().visual_observations()
        n = self.num_agents
        height, width = rgba.shape[0], rgba.shape[1] // n
        rgb = rgba[:, : width * n, :3].reshape(height, n, width, 3)
        return np.ascontiguousarray(rgb.transpose(1, 0, 2, 3))

    def _obs_shape(self) -> tuple[int, ...]:
        return tuple(self.observation_space(0).shape or ())

    def _legacy_observe(self) -> np.ndarray:
        assert self.legacy is not None
        assert self._client is not None
        observations = self.legacy.observe(self._client.state())
        space = self.legacy.observation_space
        dtype = space.dtype if space.dtype is not None else np.float32
        return np.asarray(observations, dtype=dtype).reshape(self.num_agents, *space.shape)


def _spec_mismatch(expected: Spec, actual: Spec, obs_type: str) -> str | None:
    """What differs between the spaces the env promised and the server's spec, or None."""
    if expected.num_agents != actual.num_agents:
        return f"{actual.num_agents} agents, expected {expected.num_agents}"
    if expected.arena_mode != actual.arena_mode:
        return f"arena mode {actual.arena_mode!r}, expected {expected.arena_mode!r}"
    if expected.agent_ids != actual.agent_ids:
        return f"agents {actual.agent_ids}, expected {expected.agent_ids}"
    if expected.action_spaces != actual.action_spaces:
        return f"action spaces {actual.action_spaces[0]}, expected {expected.action_spaces[0]}"
    if obs_type == "vector" and expected.observation_spaces != actual.observation_spaces:
        return (
            f"observation spaces {actual.observation_spaces[0]}, "
            f"expected {expected.observation_spaces[0]}"
        )
    if obs_type == "pixels" and expected.pixel_observation_space != actual.pixel_observation_space:
        return (
            f"pixel observation space {actual.pixel_observation_space}, "
            f"expected {expected.pixel_observation_space}"
        )
    return None


def check_actions(actions: Any, space: spaces.Space, agent_ids: Sequence[str]) -> np.ndarray:
    """Every agent's action as one array, or ValueError naming the first agent whose action lies
    outside `space` (checked before anything is sent; one vectorised check on the hot path)."""
    n = len(agent_ids)
    discrete = isinstance(space, spaces.Discrete)
    if not discrete and not isinstance(space, spaces.Box):
        raise TypeError(f"unsupported action space {space}")
    per_agent = space.shape or ()
    try:
        arr = np.asarray(actions, dtype=None if discrete else np.float64)
    except (TypeError, ValueError):
        arr = None  # ragged or non-numeric: find the culprit below
    if arr is not None and arr.shape == (n, *per_agent) and arr.dtype.kind in "iuf":
        if discrete:
            ok = (arr >= space.start) & (arr < space.start + space.n)
            if arr.dtype.kind == "f":
                ok &= arr == np.round(arr)
        else:
            flat = arr.reshape(n, -1)
            low = np.broadcast_to(space.low, per_agent).reshape(-1)
            high = np.broadcast_to(space.high, per_agent).reshape(-1)
            ok = (np.isfinite(flat) & (flat >= low) & (flat <= high)).all(axis=1)
        if ok.all():
            return arr
    # Slow path, only on failure: one agent at a time, so the message names who was wrong.
    if not isinstance(actions, (list, tuple, np.ndarray)) or len(actions) != n:
        raise ValueError(f"expected one action per agent ({n}) in {space}; got {_short(actions)}")
    for agent, action in zip(agent_ids, actions, strict=True):
        try:
            one = np.asarray(action, dtype=None if discrete else np.float64)
        except (TypeError, ValueError):
            one = None
        valid = one is not None and one.shape == per_agent and one.dtype.kind in "iuf"
        if valid and discrete:
            valid = bool(one == np.round(one)) and space.start <= one < space.start + space.n
        elif valid:
            valid = bool(np.all(np.isfinite(one)) and space.contains(one.astype(space.dtype)))
            valid = valid and bool(np.all(one >= space.low) and np.all(one <= space.high))
        if not valid:
            raise ValueError(f"action of {agent} is {_short(action)}; expected a value in {space}")
    raise ValueError(f"actions {_short(actions)} do not fit {n} agents' {space}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."
