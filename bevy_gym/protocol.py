"""The wire protocol's types (docs/protocol.md): the /spec document as Gymnasium spaces, per-agent
step/reset results from the JSON routes, and the binary frame of the /v1 routes, decoded with
np.frombuffer (no per-agent Python loops)."""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from gymnasium import spaces

__all__ = [
    "OBS_KINDS",
    "PROTOCOL_VERSION",
    "Spec",
    "StepResult",
    "action_to_string",
    "decode_frame",
    "encode_actions",
    "parse_results",
    "space_from_json",
]

PROTOCOL_VERSION = 1
MAGIC = b"BGYM"
OBS_KINDS = {"none": 0, "vector": 1, "pixels": 2}
_HEADER = struct.Struct("<4sHHII")  # magic, version, observation kind, N agents, B bytes per agent
_F4, _I4, _U1, _BOOL = np.dtype("<f4"), np.dtype("<i4"), np.dtype(np.uint8), np.dtype(bool)


def space_from_json(doc: dict[str, Any]) -> spaces.Space:
    """Build a Gymnasium space from the spec's `{"type": "Discrete"|"Box", ...}` object."""
    kind = doc.get("type")
    if kind == "Discrete":
        return spaces.Discrete(int(doc["n"]))
    if kind == "Box":
        dtype = np.dtype(doc.get("dtype", "float32"))
        shape = tuple(int(d) for d in doc["shape"])
        return spaces.Box(low=doc["low"], high=doc["high"], shape=shape, dtype=dtype)
    raise ValueError(f"unsupported space in spec: {doc!r}")


@dataclass(frozen=True)
class Spec:
    """The parsed `GET /spec` document (or a hand-written equivalent for legacy servers)."""

    num_agents: int
    agent_ids: tuple[str, ...]
    arenas: tuple[int, ...]
    action_spaces: tuple[spaces.Space, ...]
    observation_spaces: tuple[spaces.Space, ...]
    pixel_observation_space: spaces.Box | None = None
    action_names: tuple[tuple[str, ...] | None, ...] = ()
    game: str = "unknown"
    arena_mode: str = "shared"
    num_arenas: int = 1
    action_repeat: int | None = None
    max_episode_steps: int | None = None
    tick_seconds: float | None = None
    protocol_version: int = PROTOCOL_VERSION
    options: dict[str, Any] = field(default_factory=dict)
    # Every option's JSON Schema (type, minimum/maximum or enum, default, description), by name.
    option_schema: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Spec:
        """Parse the /spec JSON object."""
        agents = doc["agents"]
        pixel = doc.get("pixel_observation_space")
        return cls(
            num_agents=int(doc["num_agents"]),
            agent_ids=tuple(a["id"] for a in agents),
            arenas=tuple(int(a.get("arena", 0)) for a in agents),
            action_spaces=tuple(space_from_json(a["action_space"]) for a in agents),
            observation_spaces=tuple(space_from_json(a["observation_space"]) for a in agents),
            pixel_observation_space=space_from_json(pixel) if pixel else None,
            action_names=tuple(
                tuple(a["action_space"]["names"]) if "names" in a["action_space"] else None
                for a in agents
            ),
            game=doc.get("game", "unknown"),
            arena_mode=doc.get("arena_mode", "shared"),
            num_arenas=int(doc.get("num_arenas", 1)),
            action_repeat=doc.get("action_repeat"),
            max_episode_steps=doc.get("max_episode_steps"),
            tick_seconds=doc.get("tick_seconds"),
            protocol_version=int(doc.get("protocol_version", PROTOCOL_VERSION)),
            options=dict(doc.get("options", {})),
            option_schema=dict(doc.get("option_schema", {})),
        )


@dataclass(frozen=True)
class StepResult:
    """Every agent's outcome of one step or reset, in agent order.

    `rewards` float32 (N,), `terminated`/`truncated` bool (N,), `observations` (N, ...), a list of
    N arrays when agents' observation shapes differ, or None."""

    rewards: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    observations: np.ndarray | list[np.ndarray] | None = None

    @property
    def done(self) -> np.ndarray:
        """Terminated or truncated, per agent."""
        return self.terminated | self.truncated


def parse_results(doc: Any, num_agents: int | None = None) -> StepResult:
    """Turn the JSON routes' `[{"is_terminated", "is_truncated"?, "reward", "observation"?}]`.

    Legacy bevy_rl servers send no `is_truncated` (read as False) and may print NaN as null."""
    if not isinstance(doc, list) or not all(isinstance(x, dict) for x in doc):
        raise ValueError(f"expected a JSON array of per-agent objects, got {str(doc)[:200]!r}")
    if num_agents is not None and len(doc) != num_agents:
        raise ValueError(f"expected {num_agents} per-agent objects, got {len(doc)}")
    rewards = np.array(
        [math.nan if d.get("reward") is None else d["reward"] for d in doc], dtype=np.float32
    )
    terminated = np.array([bool(d.get("is_terminated", False)) for d in doc], dtype=bool)
    truncated = np.array([bool(d.get("is_truncated", False)) for d in doc], dtype=bool)
    observations: np.ndarray | list[np.ndarray] | None = None
    if doc and "observation" in doc[0]:
        rows = [np.array(d["observation"], dtype=np.float32) for d in doc]
        same_shape = len({row.shape for row in rows}) == 1
        observations = np.stack(rows) if same_shape else rows  # agents' sizes may differ
    return StepResult(rewards, terminated, truncated, observations)


def decode_frame(
    buf: bytes | bytearray | memoryview, obs_shape: Sequence[int] | None = None
) -> StepResult:
    """Decode one binary frame (docs/protocol.md, "Binary one-round-trip path").

    `obs_shape` is one agent's observation shape (e.g. (84, 84, 3) for pixels); without it vector
    observations come back as (N, B/4) and pixels as (N, B). The arrays view `buf` (no copy): pass
    a fresh buffer per frame, as the transport does, to get fresh arrays."""
    size = len(buf)
    if size < 16:
        raise ValueError(f"binary frame too short ({size} bytes)")
    magic, version, kind, n, b = _HEADER.unpack_from(buf, 0)
    if magic != MAGIC:
        raise ValueError(f"binary frame has magic {bytes(magic)!r}, expected {MAGIC!r}")
    if version != PROTOCOL_VERSION:
        raise ValueError(f"binary frame has protocol version {version}, expected 1")
    obs_offset = (19 + 6 * n) // 4 * 4  # the 16 + 6N header bytes, padded to a multiple of 4
    if size != obs_offset + n * b:
        raise ValueError(
            f"binary frame of {size} bytes, expected {obs_offset + n * b} for N={n}, B={b}"
        )
    # Positional arguments: numpy parses keywords slowly, and this runs once per step.
    rewards = np.frombuffer(buf, _F4, n, 16)
    flags = np.frombuffer(buf, _U1, 2 * n, 16 + 4 * n).astype(_BOOL)  # a copy: 0/1 to bool
    if kind == 1:
        observations = np.frombuffer(buf, _F4, n * b // 4, obs_offset)
    elif kind == 2:
        observations = np.frombuffer(buf, _U1, n * b, obs_offset)
    elif kind == 0:
        return StepResult(rewards, flags[:n], flags[n:], None)
    else:
        raise ValueError(f"binary frame has unknown observation kind {kind}")
    observations = observations.reshape((n, *obs_shape) if obs_shape else (n, -1))
    return StepResult(rewards, flags[:n], flags[n:], observations)


def encode_actions(actions: Any, space: spaces.Space, num_agents: int) -> bytes:
    """Every agent's action as the binary body: little-endian i32 (Discrete) or f32s (Box)."""
    if isinstance(space, spaces.Discrete):
        arr = np.asarray(actions, _I4).reshape(num_agents)
    elif isinstance(space, spaces.Box):
        arr = np.asarray(actions, _F4).reshape(num_agents, -1)
    else:
        raise TypeError(f"the binary path supports Discrete and Box actions, not {space}")
    return arr.tobytes()


def action_to_string(action: Any, space: spaces.Space | None) -> str | None:
    """One agent's action as a bevy_rl action string: an index, or a JSON array in a string.

    A `str` passes through unchanged (e.g. "UP"); None means no command this step."""
    if action is None or isinstance(action, str):
        return action
    if isinstance(space, spaces.Discrete) or (space is None and np.ndim(action) == 0):
        return str(int(action))
    # Python floats of the f32 values print in shortest form and parse back bit-identically.
    values = np.asarray(action, dtype=np.float32).ravel().tolist()
    return json.dumps(values, separators=(",", ":"))
