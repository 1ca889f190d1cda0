"""The generic client against a stand-in for a server built with the ORIGINAL bevy_rl crate: no
/spec, string actions, text/plain JSON, one-step-lagged replies, errors as 200 + text; plus the
transport's failure modes (refused, timed out, dropped idle connection)."""

from __future__ import annotations

import socket

import numpy as np
import pytest
from gymnasium import spaces

from bevy_gym import (
    BevyEnv,
    BevyParallelEnv,
    Client,
    LegacyGame,
    LegacyServer,
    ProtocolError,
    ServerRefusedError,
    ServerTimeoutError,
    make_remote,
)
from bevy_gym.transport import Transport
from examples.any_bevy_rl_game import ACTIONS, make_env
from tests.conftest import run_example


def walker(num_agents: int = 2, **kwargs) -> LegacyGame:
    return LegacyGame(
        num_agents=num_agents,
        observation_space=spaces.Box(-np.inf, np.inf, (2,), np.float32),
        action_space=spaces.Discrete(5),
        observe=lambda state: [a["location"] for a in state["agents"]],
        encode_action=lambda a, i: ACTIONS[int(a)],
        **kwargs,
    )


def test_no_spec_on_legacy_server(standin):
    assert Client(standin.url).spec() is None


def test_without_a_legacy_description_the_error_says_what_to_do(standin):
    with pytest.raises(ProtocolError, match="LegacyGame") as info:
        BevyParallelEnv(make_remote(standin.url))
    assert standin.url in str(info.value)


def test_replies_are_text_plain_json_and_lag_one_step(standin):
    transport = Transport(standin.url)
    resp = transport.request("GET", "/reset")
    assert resp.content_type == "text/plain"
    assert bytes(resp.body) == b'[{"is_terminated":false,"reward":0.0},' + (
        b'{"is_terminated":false,"reward":0.0}]'
    )
    client = Client(transport=transport)
    first = client.step(["RIGHT", "UP"])
    # bevy_rl answers with the previous pause's results: nothing has happened yet.
    assert first.rewards.tolist() == [0.0, 0.0]
    second = client.step(["IDLE", "IDLE"])
    # ...and only now reports the first step's rewards: -|position| after RIGHT / UP.
    assert second.rewards.tolist() == pytest.approx([-1.0, -np.hypot(1, 1)], rel=1e-6)
    assert second.truncated.tolist() == [False, False]  # no truncation key in bevy_rl


def test_parallel_env_passes_the_lag_through_and_reads_state(standin):
    env = BevyParallelEnv(make_remote(standin.url, legacy=walker()))
    obs, infos = env.reset()
    np.testing.assert_array_equal(obs["agent_0"], [0.0, 0.0])
    np.testing.assert_array_equal(obs["agent_1"], [1.0, 0.0])
    obs, rewards, term, trunc, infos = env.step({"agent_0": 4, "agent_1": 1})
    # Observations come from /state after the step (fresh); rewards are bevy_rl's lagged ones.
    np.testing.assert_array_equal(obs["agent_0"], [1.0, 0.0])
    np.testing.assert_array_equal(obs["agent_1"], [1.0, 1.0])
    assert rewards == {"agent_0": 0.0, "agent_1": 0.0}
    assert all(type(r) is float for r in rewards.values())
    assert all(type(t) is bool for t in term.values())
    obs, rewards, term, trunc, infos = env.step({"agent_0": 0, "agent_1": 0})
    assert rewards["agent_0"] == pytest.approx(-1.0)
    env.close()


def test_termination_removes_agents_and_dead_agents_send_null(standin):
    env = BevyParallelEnv(make_remote(standin.url, legacy=walker()))
    env.reset()
    for _ in range(8):  # agent_0 walks right out of the radius; agent_1 idles
        env.step({a: 4 if a == "agent_0" else 0 for a in env.agents})
    assert env.agents == ["agent_1"]
    position = standin.game.positions[0][:]
    env.step({"agent_1": 0})
    assert standin.game.positions[0] == position  # a null action moved nothing
    env.close()


def test_max_cycles_is_counted_client_side_for_legacy_servers(standin):
    env = BevyParallelEnv(make_remote(standin.url, legacy=walker()), max_cycles=3)
    env.reset()
    for step in range(3):
        _, _, _, trunc, _ = env.step({a: 0 for a in env.agents})
        assert all(trunc.values()) == (step == 2)
    assert env.agents == []
    env.close()


def test_continuous_actions_are_sent_as_json_array_strings(standin):
    game = LegacyGame(
        num_agents=2,
        observation_space=spaces.Box(-np.inf, np.inf, (2,), np.float32),
        action_space=spaces.Box(-1, 1, (2,), np.float32),
        observe=lambda state: [a["location"] for a in state["agents"]],
    )
    env = BevyParallelEnv(make_remote(standin.url, legacy=game))
    env.reset()
    obs, *_ = env.step({"agent_0": np.array([0.5, -0.25], np.float32), "agent_1": None})
    np.testing.assert_allclose(obs["agent_0"], [0.5, -0.25])
    np.testing.assert_allclose(obs["agent_1"], [1.0, 0.0])
    env.close()


def test_single_agent_gym_env_on_legacy_server():
    from tests.standin_bevy_rl import StandInServer

    server = StandInServer(num_agents=1).start()
    try:
        env = BevyEnv(make_remote(server.url, legacy=walker(1)))
        obs, info = env.reset(seed=3)
        obs, reward, terminated, truncated, info = env.step(1)
        np.testing.assert_array_equal(obs, [0.0, 1.0])
        assert type(reward) is float and type(terminated) is bool and info == {}
        env.close()
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("payload", "quoted"),
    [
        ("not json", "expected value at line 1 column 1"),
        ('[{"action":"UP"}]', "Invalid number of actions"),
        ('[{"action":1},{"action":null}]', "invalid type: integer `1`, expected a string"),
    ],
)
def test_200_with_error_text_becomes_a_protocol_error_quoting_it(standin, payload, quoted):
    transport = Transport(standin.url)
    from urllib.parse import quote

    resp = transport.request("GET", "/step", "payload=" + quote(payload))
    assert resp.status == 200  # exactly bevy_rl's behaviour
    client = Client(transport=transport)
    with pytest.raises(ProtocolError, match="expected JSON") as info:
        client._results("GET", "/step", "payload=" + quote(payload), None)
    assert quoted in str(info.value) and standin.url in str(info.value)


def test_wrong_count_through_the_public_api(standin):
    with pytest.raises(ProtocolError, match="Invalid number of actions"):
        Client(standin.url).step(["UP"])


def test_empty_4xx_bodies_are_reported(standin):
    client = Client(standin.url)
    with pytest.raises(ProtocolError, match="HTTP 405") as info:
        client.reset(method="POST")
    assert info.value.status == 405
    with pytest.raises(ProtocolError, match=r"HTTP 400: \(empty body\)"):
        client._json("GET", "/step")


def test_visual_observations_png(standin):
    image = Client(standin.url).visual_observations()
    assert image.shape == (16, 32, 4) and image.dtype == np.uint8
    env = BevyParallelEnv(make_remote(standin.url, legacy=walker()), render_mode="rgb_array")
    env.reset()
    frame = env.render()
    assert frame.shape == (16, 32, 3)
    env.close()


def test_state_is_every_agents_observation_in_agent_order(standin):
    env = BevyParallelEnv(make_remote(standin.url, legacy=walker()))
    env.reset()
    assert env.state().tolist() == [0.0, 0.0, 1.0, 0.0]
    assert env.state_space.shape == (4,)
    env.close()


def test_refused_names_the_url():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(ServerRefusedError, match="connection refused") as info:
        Client(url).state()
    assert url in str(info.value)


def test_timeout_names_the_url_and_limit():
    from tests.standin_bevy_rl import StandInServer

    server = StandInServer(num_agents=1, hang_seconds=1.5).start()
    try:
        client = Client(server.url, timeout=0.3)
        with pytest.raises(ServerTimeoutError, match=r"no reply within 0.3 s") as info:
            client.step(["UP"])
        assert server.url in str(info.value) and "GET /step" in str(info.value)
    finally:
        server.stop()


def test_reconnects_once_after_a_dropped_idle_connection(standin):
    client = Client(standin.url)
    client.reset()
    standin.drop_after_reply = True
    for _ in range(3):  # each call finds the previous connection closed by the server
        assert client.state()["steps"] == 0
    assert client.step(["UP", "UP"]).rewards.shape == (2,)


def test_example_script_runs_against_the_standin(standin):
    out = run_example("any_bevy_rl_game.py", "--url", standin.url, "--steps", "5", timeout=60)
    assert "returns:" in out.stdout


def test_example_builds_a_working_env(standin):
    env = make_env(standin.url)
    obs, _ = env.reset()
    assert set(obs) == {"agent_0", "agent_1"}
    env.close()


def test_env_classes_take_a_ready_remote_and_say_how_to_build_one(standin):
    with pytest.raises(TypeError, match="make_remote"):
        BevyParallelEnv(standin.url)  # the old constructor shape
    for wrong in ({"obs_type": "pixels"}, {"restart_on_crash": True}, {"options": {"a": 1}}):
        with pytest.raises(ValueError, match="legacy bevy_rl servers"):
            make_remote(standin.url, legacy=walker(), **wrong)
    remote = make_remote(standin.url, legacy=walker())
    assert isinstance(remote, LegacyServer) and remote.noop_actions().tolist() == [None, None]
