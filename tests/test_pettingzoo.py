"""PettingZoo specifics of dodge against the real server: the AEC API with both action spaces,
render and state, observations inside their spaces, the registry, and pickled copies getting
their own servers. The official suites over every game are in tests/test_games.py."""

from __future__ import annotations

import pickle

import gymnasium
import numpy as np
import pettingzoo
import pytest
from pettingzoo.test import (
    api_test,
    parallel_api_test,
    render_test,
    state_test,
)
from pettingzoo.utils import parallel_to_aec

import bevy_gym
from bevy_gym.envs import dodge_v0

pytestmark = pytest.mark.server


def same(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and np.array_equal(a, b)
    return a == b and type(a) is type(b)


@pytest.mark.parametrize("action_space", ["discrete", "continuous"])
def test_aec_api_test(action_space):
    env = parallel_to_aec(dodge_v0.parallel_env(num_agents=3, action_space=action_space))
    api_test(env, num_cycles=300)
    env.close()


def test_render_test():
    render_test(lambda **kw: parallel_to_aec(dodge_v0.parallel_env(num_agents=2, **kw)))


def test_render_frame_is_every_agents_view_side_by_side():
    env = dodge_v0.parallel_env(num_agents=2, render_mode="rgb_array", image_size=48)
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (48, 96, 3) and frame.dtype == np.uint8
    assert frame.std() > 0  # not a blank image
    env.close()


def test_state_test():
    env = dodge_v0.parallel_env(num_agents=3)
    state_test(parallel_to_aec(env), env)
    env.reset(seed=0)
    state = env.state()
    assert env.state_space.contains(state) and state.shape == (3 * 72,)
    env.close()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"obs_type": "vector", "level": 1},
        {"obs_type": "vector", "level": 2, "action_space": "continuous"},
        {"obs_type": "pixels", "image_size": 40},
        {"obs_type": "pixels", "image_size": 40, "grayscale": True},
    ],
)
def test_observations_always_inside_their_spaces(kwargs):
    env = dodge_v0.parallel_env(num_agents=3, arena_mode="separate", **kwargs)
    obs, _ = env.reset(seed=5)
    seen = 0
    for _ in range(150):
        for agent, o in obs.items():
            space = env.observation_space(agent)
            assert space.contains(o), (agent, o.shape, o.dtype, o.min(), o.max())
            seen += 1
        if not env.agents:
            obs, _ = env.reset()
            continue
        obs, *_ = env.step({a: env.action_space(a).sample() for a in env.agents})
    assert seen > 150
    env.close()


def test_spaces_are_cached_and_agents_leave_when_done():
    env = dodge_v0.parallel_env(num_agents=2, max_cycles=5)
    assert env.observation_space("agent_0") is env.observation_space("agent_0")
    assert env.action_space("agent_1") is env.action_space("agent_1")
    env.reset(seed=0)
    for _ in range(5):
        assert env.agents
        _, rewards, term, trunc, infos = env.step({a: 0 for a in env.agents})
        assert all(type(v) is float for v in rewards.values())
        assert all(type(v) is bool for v in [*term.values(), *trunc.values()])
        assert infos == {a: {} for a in rewards}
    assert env.agents == [] and all(trunc.values())
    env.close()


def test_registry_make_parallel_and_aec():
    env = pettingzoo.make("parallel", "bevy_gym/dodge-v0", num_agents=2, max_cycles=3)
    assert isinstance(env, pettingzoo.ParallelEnv) and env.possible_agents == ["agent_0", "agent_1"]
    env.reset(seed=0)
    for _ in range(3):
        env.step({a: 0 for a in env.agents})
    assert env.agents == []
    env.close()
    same_env = bevy_gym.make_parallel("dodge", num_agents=1)
    assert same_env.metadata["name"] == "dodge_v0"
    same_env.close()
    aec = pettingzoo.make("aec", "bevy_gym/dodge-v0", num_agents=2)
    assert isinstance(aec, pettingzoo.AECEnv)
    aec.close()


def test_pickled_copies_get_their_own_server():
    env = dodge_v0.parallel_env(num_agents=2)
    env.reset(seed=0)
    copy = pickle.loads(pickle.dumps(env))
    assert copy.remote.process is None  # lazily launched
    obs, _ = copy.reset(seed=0)
    assert copy.remote.process.pid != env.remote.process.pid
    assert copy.observation_space("agent_0") is copy.observation_space("agent_0")
    first, _ = env.reset(seed=0)
    assert same(obs, first)
    env.close()
    copy.close()


def test_server_url_connects_to_a_running_server_and_applies_the_config(dodge_server):
    # dodge_server runs 4 agents in separate arenas with discrete actions; ask for continuous.
    env = dodge_v0.parallel_env(
        num_agents=4, arena_mode="separate", action_space="continuous", server_url=dodge_server.url
    )
    env.reset(seed=0)
    assert env.remote.process is None
    obs, rewards, *_ = env.step({a: np.array([1, 0, 1], np.float32) for a in env.agents})
    assert len(rewards) == 4
    env.close()
    assert dodge_server.alive  # not ours to stop


@pytest.mark.parametrize(
    ("kwargs", "roles"),
    [
        ({"num_agents": 8, "arena_mode": "separate"}, {"pursuer": 4, "evader": 4}),
        (
            {"num_agents": 6, "arena_mode": "separate", "agents_per_arena": 3},
            {"pursuer": 2, "evader": 4},
        ),
        ({"num_agents": 3}, {"pursuer": 1, "evader": 2}),
    ],
)
def test_tag_v1_ids_name_their_role_and_every_arena_holds_both(kwargs, roles):
    """Grouping agents by the id's prefix (as TorchRL and MARL libraries do) gives one group per
    role, each with one pair of spaces, and every separate arena has both roles."""
    from bevy_gym.envs import tag_v1

    env = tag_v1.parallel_env(**kwargs)
    groups: dict[str, list[str]] = {}
    for agent in env.possible_agents:
        groups.setdefault(agent.rsplit("_", 1)[0], []).append(agent)
    assert {role: len(ids) for role, ids in groups.items()} == roles
    for ids in groups.values():
        assert len({(str(env.observation_space(a)), str(env.action_space(a))) for a in ids}) == 1
    assert isinstance(env.action_space(groups["pursuer"][0]), gymnasium.spaces.Discrete)
    assert isinstance(env.action_space(groups["evader"][0]), gymnasium.spaces.Box)
    spec = env.unwrapped.remote.spec
    for arena in range(spec.num_arenas):
        present = {
            spec.agent_ids[k].split("_")[0]
            for k in range(spec.num_agents)
            if spec.arenas[k] == arena
        }
        assert present == {"pursuer", "evader"}, arena
    parallel_api_test(env, num_cycles=50)
    env.close()
