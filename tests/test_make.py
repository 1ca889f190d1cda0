"""Any bevy_gym server without a Python class (`bevy_gym.make*` from a binary or a URL), with
errors that name what the server lacks, and agents of different roles (tag) end to end: the
padded binary frame cut back to each agent's own observation, bit-identical to the JSON route."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium import spaces

import bevy_gym
from bevy_gym import BinaryNotFoundError, Client, ProtocolError, ServerProcess
from bevy_gym.launcher import find_binary

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def tag_binary() -> str:
    return find_binary("bevy-tag")


def test_make_parallel_from_a_binary_path_with_options(dodge_binary):
    par = bevy_gym.make_parallel(binary=dodge_binary, num_agents=2, level=2, image_size=48)
    assert par.possible_agents == ["agent_0", "agent_1"]
    assert par.remote.spec.options["level"] == 2
    obs, _ = par.reset(seed=0)
    assert par.observation_space("agent_0").contains(obs["agent_0"])
    assert par.metadata["name"] == "dodge"
    par.close()


def test_make_and_make_vec_from_a_binary_name(dodge_binary):
    env = bevy_gym.make(binary="bevy-dodge", obs_type="pixels", image_size=32)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (32, 32, 3)
    env.close()
    vec = bevy_gym.make_vec(binary="bevy-dodge", num_envs=5, action_space="continuous")
    obs, _ = vec.reset(seed=0)
    assert obs.shape == (5, 72) and isinstance(vec.single_action_space, spaces.Box)
    vec.close()


def test_bad_settings_and_missing_binaries_fail_at_construction(dodge_binary):
    with pytest.raises(ValueError, match=r"--level.*1\.\.=2"):
        bevy_gym.make_parallel(binary="bevy-dodge", level=7)
    with pytest.raises(ValueError, match="unexpected argument '--no-such-option"):
        bevy_gym.make(binary="bevy-dodge", no_such_option=1)
    with pytest.raises(BinaryNotFoundError, match="no-such-game"):
        bevy_gym.make_parallel(binary="no-such-game")


@pytest.mark.parametrize(
    "setting", [{"num_agents": 2}, {"num_envs": 4}, {"agents": 3}, {"arena_mode": "separate"}]
)
def test_make_is_single_agent_and_says_what_takes_several(setting, tag_binary):
    for source in ({"binary": tag_binary}, {"env_id": "bevy_gym/TagEvader-v0"}):
        with pytest.raises(ValueError, match="make is single-agent") as info:
            bevy_gym.make(**source, **setting)
        message = str(info.value)
        assert "make_parallel" in message and "make_vec" in message and "\n" not in message
        assert "unexpected argument" not in message
    env = bevy_gym.make(binary=tag_binary, num_agents=1, pursuers=0, bot_pursuers=1)
    assert env.remote.num_agents == 1  # one agent is what make builds: said or not
    env.close()


def test_a_running_server_is_used_as_it_is_and_mismatches_are_named(dodge_binary):
    args = ["--agents", "3", "--arena-mode", "shared"]
    with ServerProcess(dodge_binary, args) as server:
        par = bevy_gym.make_parallel(url=server.url, level=2)
        assert par.possible_agents == ["agent_0", "agent_1", "agent_2"]
        assert Client(server.url).spec().options["level"] == 2  # options went as reset options
        par.close()
        assert server.alive  # not ours to stop
        with pytest.raises(ProtocolError, match="num_agents=3; expected 4"):
            bevy_gym.make_parallel(url=server.url, num_agents=4)
        with pytest.raises(ValueError, match="one-agent server, this one has 3"):
            bevy_gym.make(url=server.url)
        with pytest.raises(ProtocolError, match="arena_mode='shared'; expected 'separate'"):
            bevy_gym.make_vec(url=server.url, num_envs=3)


def test_roles_with_different_spaces_end_to_end(tag_binary):
    args = ("--agents=3", "--pursuers=1", "--seed=5")
    par = bevy_gym.make_parallel(binary=tag_binary, num_agents=3, pursuers=1)
    assert isinstance(par.action_space("agent_0"), spaces.Discrete)
    assert isinstance(par.action_space("agent_1"), spaces.Box)
    sizes = [par.observation_space(a).shape[0] for a in par.possible_agents]
    assert sizes[0] != sizes[1] == sizes[2]
    assert par.state_space.shape == (sum(sizes),)
    obs, _ = par.reset(seed=5)
    with ServerProcess(tag_binary, list(args)) as twin:
        json_client = Client(twin.url)
        expected = json_client.reset(seed=5, observations=True)
        rng = np.random.default_rng(0)
        for _ in range(50):
            for i, agent in enumerate(par.possible_agents):
                assert obs[agent].shape == (sizes[i],)
                np.testing.assert_array_equal(obs[agent], expected.observations[i])
            if len(par.agents) < 3:
                break
            actions = {
                "agent_0": int(rng.integers(5)),
                "agent_1": rng.uniform(-1, 1, 2).astype(np.float32),
                "agent_2": rng.uniform(-1, 1, 2).astype(np.float32),
            }
            obs, *_ = par.step(actions)
            strings = [str(actions["agent_0"])] + [
                "[" + ",".join(repr(float(v)) for v in actions[a]) + "]"
                for a in ("agent_1", "agent_2")
            ]
            expected = json_client.step(strings, observations=True)
    assert par.state().shape == (sum(sizes),)
    with pytest.raises(ValueError, match="agent_1"):
        par.step({"agent_0": 0, "agent_1": 3, "agent_2": np.zeros(2, np.float32)})
    par.close()
