"""The JSON routes and the binary frames of the real server carry bit-identical numbers
(docs/protocol.md): two servers, same seed, same actions, one driven each way."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium import spaces

from bevy_gym import Client, ProtocolError, ServerProcess
from bevy_gym.protocol import action_to_string, encode_actions

pytestmark = pytest.mark.server


@pytest.mark.parametrize(
    ("action_space", "agents", "arena_mode"),
    [("discrete", 3, "shared"), ("continuous", 3, "shared"), ("discrete", 16, "separate")],
)
def test_json_and_binary_paths_are_bit_identical(dodge_binary, action_space, agents, arena_mode):
    n = agents
    args = ["--agents", str(n), "--arena-mode", arena_mode, "--level", "2"]
    args += ["--action-space", action_space]
    with ServerProcess(dodge_binary, args) as a, ServerProcess(dodge_binary, args) as b:
        json_client, bin_client = Client(a.url), Client(b.url)
        spec = json_client.spec()
        space = spec.action_spaces[0]
        space.seed(0)
        j = json_client.reset(seed=9, observations=True)
        k = bin_client.reset_binary(seed=9, obs="vector")
        np.testing.assert_array_equal(j.observations, k.observations)
        for _ in range(100):
            actions = [space.sample() for _ in range(n)]
            names = [
                spec.action_names[0][int(x)] if isinstance(space, spaces.Discrete) else x
                for x in actions
            ]
            strings = [action_to_string(x, space) for x in names]
            j = json_client.step(strings, observations=True)
            k = bin_client.step_binary(encode_actions(actions, space, n), obs="vector")
            np.testing.assert_array_equal(j.rewards, k.rewards)
            np.testing.assert_array_equal(j.terminated, k.terminated)
            np.testing.assert_array_equal(j.truncated, k.truncated)
            assert j.observations.dtype == k.observations.dtype == np.float32
            np.testing.assert_array_equal(j.observations, k.observations)
        assert json_client.state() == bin_client.state()


def test_protocol_errors_quote_the_servers_message(dodge_server):
    client = Client(dodge_server.url)
    with pytest.raises(ProtocolError) as info:
        client.step(["JUMP", None, None, None])
    err = info.value
    assert err.status == 400 and err.code == "invalid_action"
    assert "JUMP" in err.server_message and dodge_server.url in str(err)
    with pytest.raises(ProtocolError) as info:
        client.step_binary(b"\0\0", obs="vector")
    assert info.value.code == "invalid_body"
    with pytest.raises(ProtocolError) as info:
        client.reset(options={"no_such_option": 1})
    assert info.value.code == "invalid_options"
    # Bad input changed nothing: the server still answers normally.
    assert client.step([None] * 4).rewards.shape == (4,)


def test_partial_reset_resets_the_named_arena_and_touches_no_other(dodge_server):
    client = Client(dodge_server.url)
    start = client.reset_binary(seed=1, obs="vector").observations.copy()
    for _ in range(5):
        client.step(["UP"] * 4)
    before = client.observe_binary(obs="vector").observations.copy()
    assert not np.array_equal(before[2], start[2]), "arena 2 must have moved before the reset"
    res = client.reset_binary(arenas=[2], obs="vector")
    # Arena 2 is back where a fresh reset puts it (a reset frame has no projectiles yet, so its
    # observation is the start position whatever the stream)...
    np.testing.assert_array_equal(res.observations[2], start[2])
    assert res.rewards[2] == 0 and not res.done[2]
    # ...and the others are exactly as they were.
    np.testing.assert_array_equal(res.observations[[0, 1, 3]], before[[0, 1, 3]])
    np.testing.assert_array_equal(
        client.observe_binary(obs="vector").observations, res.observations
    )
