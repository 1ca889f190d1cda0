"""A server built on the bevy_gym_server plugin as a `GameServer`: its /spec checked
against the spaces the environment promises, one binary /v1 round trip per step, seeds and
partial resets, and restarting a launched server that crashed."""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from gymnasium import logger, spaces

from bevy_gym.client import Client
from bevy_gym.game_server import GameServer
from bevy_gym.link import ServerLink
from bevy_gym.protocol import PROTOCOL_VERSION, Spec, StepResult, encode_actions
from bevy_gym.transport import ProtocolError, ServerDiedError

__all__ = ["BevyGymServer", "check_actions"]

SEED_BITS = 63  # a first unseeded reset draws a seed this wide (the server takes any u64)


class BevyGymServer(GameServer):
    """A bevy_gym server over the binary routes.

    `spec` given: the spaces the environment promises, checked against the server's /spec when it
    connects (so construction needs no server). `spec` None: read from the server right away.
    `options` are runtime options sent with every full reset, for servers someone else started.

    `restart_on_crash` (launched servers only): when the server dies, start a new one, reset it and
    report the interrupted step as truncated for every agent; `last_restart` then says why."""

    def __init__(
        self,
        link: ServerLink,
        *,
        spec: Spec | None = None,
        obs_type: str = "vector",
        options: Mapping[str, Any] | None = None,
        restart_on_crash: bool = False,
    ) -> None:
        if restart_on_crash and not link.launched:
            raise ValueError("restart_on_crash needs a server bevy_gym launches (no server_url)")
        super().__init__(link, spec, obs_type)
        self.options = dict(options or {})
        self.restart_on_crash = restart_on_crash
        self._reset_before = False  # whether a full reset has set (or continued) the seed
        self._layout_of: Spec | None = None  # the spec _cache_layout last read
        self._same_actions = True
        self._shared_shape: tuple[int, ...] | None = None
        if spec is None:
            self.connect()

    def __getstate__(self) -> dict:
        # A copy has its own server (or shares a URL): its first unseeded reset draws its own seed.
        state = self.__dict__.copy()
        state["_reset_before"] = False
        return state

    def _on_open(self, client: Client) -> None:
        if not self.link.launched and self.options:
            # A server someone else started: apply our configuration before reading its spaces.
            client.reset(options=self.options)
        self._check_spec(client)

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
        if self._spec is None:
            self._spec = spec
            return
        mismatch = _spec_mismatch(self._spec, spec, self.obs_type)
        if mismatch:
            raise ProtocolError(client.url, f"the server's /spec disagrees: {mismatch}")

    def noop_actions(self) -> np.ndarray | list[Any]:
        """A valid action for every agent (zeros, clipped into its space): one array when all
        agents share an action space, else a list with one action per agent."""
        if self._uniform_actions():
            return _noop(self.action_space(0), self.num_agents)
        return [_noop(space, 1)[0] for space in self.spec.action_spaces]

    def step(self, actions: Any, reset_arenas: Sequence[int] | None = None) -> StepResult:
        """Step every agent in one `POST /v1/step`; `actions` is an array (N, ...) or a list."""
        self.last_restart = None
        body = self._encode(actions)
        try:
            res = self.connect().step_binary(
                body,
                obs=self.obs_type,
                reset=reset_arenas,
                obs_shape=self._obs_shape(),
                reuse=not self.copy,
            )
        except ServerDiedError as exc:
            if not self.restart_on_crash:
                raise
            return self._restart(exc)
        return self._per_agent(res)

    def _uniform_actions(self) -> bool:
        # Comparing spaces costs microseconds (Box compares arrays): once per spec, not per step.
        if self._layout_of is not self._spec:
            self._cache_layout()
        return self._same_actions

    def _cache_layout(self) -> None:
        spec = self.spec
        first = spec.action_spaces[0]
        self._same_actions = all(space == first for space in spec.action_spaces)
        self._bounds = [box_bounds(space) for space in spec.action_spaces]
        shapes = {tuple(space.shape or ()) for space in spec.observation_spaces}
        self._shared_shape = next(iter(shapes)) if len(shapes) == 1 else None
        self._layout_of = spec

    def _encode(self, actions: Any) -> bytes:
        """The binary body: every agent's action checked against its own space, in agent order."""
        ids = self.spec.agent_ids
        if self._uniform_actions():  # the hot path: one vectorised check and one encoding
            space = self.action_space(0)
            checked = check_actions(actions, space, ids, self._bounds[0])
            return encode_actions(checked, space, self.num_agents)
        if not isinstance(actions, (list, tuple, np.ndarray)) or len(actions) != len(ids):
            raise ValueError(f"expected one action per agent ({len(ids)}); got {_short(actions)}")
        return b"".join(
            encode_actions(check_actions([action], space, [agent], bounds), space, 1)
            for agent, action, space, bounds in zip(
                ids, actions, self.spec.action_spaces, self._bounds, strict=True
            )
        )

    def _restart(self, exc: ServerDiedError) -> StepResult:
        """Replace a dead server: a fresh one, reset; the interrupted step ends truncated."""
        self.link.disconnect()
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
        """Reset every arena (with the configured runtime options plus `options`) or `arenas`.

        The seed rule (docs/python.md): the first full reset without a seed draws a fresh 63-bit
        seed, so unseeded copies differ; later unseeded resets continue the server's streams."""
        options = self._runtime_options(options)  # bad options fail before anything starts
        if seed is not None and not 0 <= int(seed) < 2**64:
            raise ValueError(f"seed must be a non-negative 64-bit integer, got {seed}")
        client = self.connect()
        if arenas is None:
            if seed is None and not self._reset_before:
                seed = secrets.randbits(SEED_BITS)
            self._reset_before = True
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
        return self._per_agent(res)

    def observe(self, kind: str = "vector") -> np.ndarray | list[np.ndarray]:
        """Every agent's current observation of `kind` ("vector" or "pixels"), changing nothing:
        (N, ...), or a list of N arrays when agents' observation shapes differ."""
        pixel = self.spec.pixel_observation_space
        if kind == "pixels" and pixel is not None:
            shape: tuple[int, ...] | None = pixel.shape
        else:
            shape = self._vector_shape()
        res = self.connect().observe_binary(obs=kind, obs_shape=shape)
        if kind != "pixels":
            res = self._per_agent(res, "vector")
        assert res.observations is not None
        return res.observations

    def frames(self) -> np.ndarray:
        """Every agent's top-down RGB image: the raw pixels, or the PNG route for grayscale."""
        pixel = self.spec.pixel_observation_space
        if pixel is not None and pixel.shape[-1] == 3:
            return self.observe("pixels")
        return self._png_frames()

    def _vector_shape(self) -> tuple[int, ...] | None:
        """Every agent's vector observation shape, or None when agents' shapes differ."""
        if self._layout_of is not self._spec:
            self._cache_layout()
        return self._shared_shape

    def _obs_shape(self) -> tuple[int, ...] | None:
        if self.obs_type == "pixels":
            return tuple(self.observation_space(0).shape or ())
        return self._vector_shape()

    def _per_agent(self, res: StepResult, kind: str | None = None) -> StepResult:
        """Agents with observations of different sizes share a frame in padded slots: cut each
        agent's own observation out of its slot (a list of arrays, one per agent)."""
        if (kind or self.obs_type) != "vector" or res.observations is None:
            return res
        if self._vector_shape() is not None:
            return res
        slots = res.observations
        observations = [
            slots[i, : int(np.prod(space.shape))].reshape(space.shape)
            for i, space in enumerate(self.spec.observation_spaces)
        ]
        return replace(res, observations=observations)


def _noop(space: spaces.Space, n: int) -> np.ndarray:
    """`n` copies of the space's zero action (clipped into it)."""
    if isinstance(space, spaces.Discrete):
        return np.full(n, space.start, dtype=np.int32)
    if isinstance(space, spaces.Box):
        zero = np.clip(np.zeros(space.shape, np.float32), space.low, space.high)
        return np.broadcast_to(zero, (n, *space.shape)).astype(np.float32)
    raise TypeError(f"unsupported action space {space}")


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


def check_actions(
    actions: Any,
    space: spaces.Space,
    agent_ids: Sequence[str],
    bounds: tuple[Any, Any] | None = None,
) -> np.ndarray:
    """Every agent's action as one array, or ValueError naming the first agent whose action lies
    outside `space` (checked before anything is sent; one vectorised check on the hot path).
    `bounds`: the space's `box_bounds`, when the caller keeps them (else worked out here)."""
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
            # Two reductions against Python ints: half the time of comparing every element with
            # the space's numpy bounds (6 µs at 256 agents). NaN fails both comparisons.
            first = int(space.start)
            ok = not arr.size or (first <= arr.min() and arr.max() < first + int(space.n))
            if ok and arr.dtype.kind == "f":
                ok = bool((arr == np.round(arr)).all())
        else:
            low, high = bounds or box_bounds(space)
            if isinstance(low, float):  # the same bounds for every element: two reductions
                least, most = (float(arr.min()), float(arr.max())) if arr.size else (0.0, 0.0)
                ok = low <= least and most <= high and math.isfinite(least) and math.isfinite(most)
            else:
                flat = arr.reshape(n, -1)
                ok = bool((np.isfinite(flat) & (flat >= low) & (flat <= high)).all())
        if ok:
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


def box_bounds(space: spaces.Space) -> tuple[Any, Any] | None:
    """A Box's (low, high) for `check_actions`: Python floats when every element shares them,
    else flat arrays (None for other spaces). Worked out once per spec: broadcasting the bounds
    each step cost 11 µs, comparing an (N, 2) array against a (2,) one 5 µs each."""
    if not isinstance(space, spaces.Box):
        return None
    low = np.asarray(space.low, np.float64).reshape(-1)
    high = np.asarray(space.high, np.float64).reshape(-1)
    if low.size and (low == low[0]).all() and (high == high[0]).all():
        return float(low[0]), float(high[0])
    return low, high


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."
