"""Unit tests of the wire types: spec parsing, the binary frame decoder, action encoding and the
query encoding. No server needed."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
from gymnasium import spaces
from hypothesis import given, settings
from hypothesis import strategies as st

from bevy_gym.client import _query
from bevy_gym.protocol import (
    Spec,
    action_to_string,
    decode_frame,
    encode_actions,
    parse_results,
    space_from_json,
)

SPEC_EXAMPLE = {  # the example of docs/protocol.md, completed
    "action_repeat": 4,
    "agents": [
        {
            "action_space": {
                "n": 5,
                "names": ["IDLE", "UP", "DOWN", "LEFT", "RIGHT"],
                "type": "Discrete",
            },
            "arena": 0,
            "id": "agent_0",
            "observation_space": {
                "dtype": "float32",
                "high": 1.0,
                "low": -1.0,
                "shape": [72],
                "type": "Box",
            },
        }
    ],
    "arena_mode": "separate",
    "game": "dodge",
    "image": {"channels": 3, "height": 84, "width": 84},
    "max_episode_steps": 1000,
    "num_agents": 1,
    "num_arenas": 1,
    "options": {"action_space": "discrete", "level": 1},
    "pixel_observation_space": {
        "dtype": "uint8",
        "high": 255,
        "low": 0,
        "shape": [84, 84, 3],
        "type": "Box",
    },
    "protocol_version": 1,
    "tick_seconds": 0.016666668,
}


def make_frame(kind: int, rewards, terminated, truncated, observations: bytes, per_agent: int):
    """A frame built independently from docs/protocol.md's table."""
    n = len(rewards)
    head = b"BGYM" + struct.pack("<HHII", 1, kind, n, per_agent)
    head += np.asarray(rewards, "<f4").tobytes()
    head += bytes(int(t) for t in terminated) + bytes(int(t) for t in truncated)
    head += b"\0" * ((-len(head)) % 4)
    return bytearray(head + observations)


def test_spec_example_parses_into_gymnasium_spaces():
    spec = Spec.from_json(SPEC_EXAMPLE)
    assert spec.agent_ids == ("agent_0",)
    assert spec.action_spaces[0] == spaces.Discrete(5)
    assert spec.observation_spaces[0] == spaces.Box(-1, 1, (72,), np.float32)
    assert spec.pixel_observation_space == spaces.Box(0, 255, (84, 84, 3), np.uint8)
    assert spec.action_names[0] == ("IDLE", "UP", "DOWN", "LEFT", "RIGHT")
    assert spec.arena_mode == "separate" and spec.protocol_version == 1


def test_unknown_space_type_is_rejected():
    with pytest.raises(ValueError, match="unsupported space"):
        space_from_json({"type": "MultiBinary", "n": 3})


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 9),
    size=st.integers(0, 7),
    kind=st.sampled_from([0, 1, 2]),
    data=st.data(),
)
def test_frame_decoder_matches_the_documented_layout(n, size, kind, data):
    rewards = data.draw(st.lists(st.floats(-1e6, 1e6, width=32), min_size=n, max_size=n))
    terminated = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    truncated = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    if kind == 1:
        obs = np.arange(n * size, dtype="<f4").reshape(n, size) - 3.5
        per_agent = 4 * size
    elif kind == 2:
        obs = (np.arange(n * size) % 256).astype(np.uint8).reshape(n, size)
        per_agent = size
    else:
        obs, per_agent = None, 0
    frame = make_frame(
        kind, rewards, terminated, truncated, b"" if obs is None else obs.tobytes(), per_agent
    )
    res = decode_frame(frame)
    np.testing.assert_array_equal(res.rewards, np.asarray(rewards, np.float32))
    assert res.terminated.tolist() == terminated
    assert res.truncated.tolist() == truncated
    if obs is None:
        assert res.observations is None
    else:
        np.testing.assert_array_equal(res.observations, obs)
        assert res.observations.flags.writeable  # built on a fresh bytearray


def test_pixel_frame_reshapes_to_the_image():
    image = np.arange(2 * 4 * 4 * 3, dtype=np.uint8).reshape(2, 4, 4, 3)
    frame = make_frame(2, [1.0, 2.0], [0, 1], [1, 0], image.tobytes(), 48)
    res = decode_frame(frame, (4, 4, 3))
    np.testing.assert_array_equal(res.observations, image)
    assert res.terminated.tolist() == [False, True] and res.truncated.tolist() == [True, False]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f.__setitem__(slice(0, 4), b"JUNK"), "magic"),
        (lambda f: f.__setitem__(slice(4, 6), struct.pack("<H", 9)), "protocol version 9"),
        (lambda f: f.extend(b"\0"), "expected"),
        (lambda f: f.__setitem__(slice(6, 8), struct.pack("<H", 7)), "unknown observation kind"),
    ],
)
def test_malformed_frames_are_rejected(mutate, message):
    frame = make_frame(1, [0.0], [0], [0], np.zeros(2, "<f4").tobytes(), 8)
    mutate(frame)
    with pytest.raises(ValueError, match=message):
        decode_frame(frame)


def test_binary_action_encoding():
    assert encode_actions([1, 4], spaces.Discrete(5), 2) == struct.pack("<ii", 1, 4)
    box = spaces.Box(-1, 1, (3,), np.float32)
    body = encode_actions(np.array([[0.5, -1, 0], [1, 1, 1]]), box, 2)
    assert body == struct.pack("<6f", 0.5, -1, 0, 1, 1, 1)


def test_action_strings_round_trip_float32_exactly():
    box = spaces.Box(-1, 1, (3,), np.float32)
    action = np.array([0.1, -1.0, 1 / 3], np.float32)
    text = action_to_string(action, box)
    assert " " not in text
    np.testing.assert_array_equal(np.asarray(json.loads(text), np.float32), action)
    assert action_to_string(np.int64(3), spaces.Discrete(5)) == "3"
    assert action_to_string("UP", spaces.Discrete(5)) == "UP"
    assert action_to_string(None, spaces.Discrete(5)) is None


def test_json_results_legacy_and_extended():
    legacy = parse_results([{"is_terminated": True, "reward": 0.10000000149011612}])
    assert legacy.truncated.tolist() == [False] and legacy.terminated.tolist() == [True]
    assert legacy.rewards[0] == np.float32(0.1)
    ext = parse_results(
        [{"is_terminated": False, "is_truncated": True, "observation": [0.5], "reward": None}]
    )
    assert np.isnan(ext.rewards[0]) and ext.truncated.tolist() == [True]
    assert ext.observations.tolist() == [[0.5]]
    with pytest.raises(ValueError, match="expected 2"):
        parse_results([{"is_terminated": False, "reward": 0.0}], num_agents=2)


def test_query_encodes_plus_and_lists():
    query = _query(payload='[{"action":"[1e+3]"}]', arenas=[0, 2], seed=None, observations=True)
    assert "%2B" in query and "+" not in query
    assert "arenas=0,2" in query and "observations=1" in query and "seed" not in query
