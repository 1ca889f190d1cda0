"""The Python API's edges, in every environment class, as a researcher meets them: a closed env
raises and launches nothing (the process list before and after says so), step() before reset()
raises as Gymnasium's OrderEnforcing would, a PettingZoo step names missing and unknown agents,
reset options that are not a mapping say so, and stepping what has finished warns once; and
dodge's keyword arguments, declared once and shown by help()."""

from __future__ import annotations

import dataclasses
import inspect
import os
import pydoc
import subprocess
import warnings
from collections.abc import Callable
from typing import Any

import gymnasium
import numpy as np
import pytest
from gymnasium.error import ClosedEnvironmentError, ResetNeeded

import bevy_gym
from bevy_gym import BevyParallelEnv, SharedArenaVectorEnv, make_remote
from bevy_gym.envs import dodge_v0, dodge_v1
from bevy_gym.envs.dodge import DodgeEnv, DodgeParallelEnv, DodgeVectorEnv, make_env
from bevy_gym.envs.dodge.config import MULTI_AGENT, DodgeConfig
from tests.conftest import children_named
from tests.test_legacy_compat import walker

pytestmark = pytest.mark.server

# Every environment class a user builds, with a valid action batch for it.
ENVS: dict[str, tuple[Callable[[], Any], Callable[[Any], Any]]] = {
    "DodgeEnv": (lambda: DodgeEnv(), lambda env: 0),
    "gym.make": (lambda: gymnasium.make("bevy_gym/Dodge-v0"), lambda env: 0),
    "DodgeVectorEnv": (lambda: DodgeVectorEnv(num_envs=2), lambda env: np.zeros(2, np.int64)),
    "gym.make_vec": (
        lambda: gymnasium.make_vec("bevy_gym/Dodge-v0", num_envs=2),
        lambda env: np.zeros(2, np.int64),
    ),
    "DodgeParallelEnv": (
        lambda: DodgeParallelEnv(num_agents=2),
        lambda env: {a: 0 for a in env.agents},
    ),
    "dodge_v1": (
        lambda: dodge_v1.parallel_env(num_dodgers=1, num_throwers=1),
        lambda env: {a: env.action_space(a).sample() for a in env.agents},
    ),
    "make(binary=tag)": (
        lambda: bevy_gym.make(binary="bevy-tag", pursuers=0, bot_pursuers=1),
        lambda env: np.zeros(2, np.float32),
    ),
    "make_parallel(tag)": (
        lambda: bevy_gym.make_parallel("tag", num_agents=3),
        lambda env: {a: env.action_space(a).sample() for a in env.agents},
    ),
    "SharedArenaVectorEnv": (
        lambda: SharedArenaVectorEnv(dodge_v0.parallel_env(num_agents=2)),
        lambda env: np.zeros(2, np.int64),
    ),
}


def _servers() -> set[int]:
    """Every game server this test process started (the process list: /proc, and pgrep)."""
    mine = {pid for name in ("bevy-dodge", "bevy-tag") for pid in children_named(name)}
    listed = subprocess.run(
        ["pgrep", "-P", str(os.getpid())], capture_output=True, text=True
    ).stdout.split()
    assert mine <= {int(pid) for pid in listed}
    return mine


@pytest.mark.parametrize("name", ENVS)
def test_a_closed_env_raises_and_launches_nothing(name: str):
    make, actions = ENVS[name]
    env = make()
    env.reset(seed=0)
    env.step(actions(env))
    env.close()
    before = _servers()
    for call in (lambda: env.step(actions(env)), lambda: env.reset(seed=1)):
        with pytest.raises(ClosedEnvironmentError, match=r"closed.*make a new environment"):
            call()
    assert _servers() == before, "a closed env launched a server"
    env.close()  # twice is still safe


@pytest.mark.parametrize("name", ENVS)
def test_step_before_reset_raises_and_launches_nothing(name: str):
    make, actions = ENVS[name]
    before = _servers()
    env = make()
    with pytest.raises(ResetNeeded, match=r"reset\(\)"):
        env.step(actions(env))
    assert _servers() == before, "a step before reset launched a server"
    env.close()
    # Closed, never reset: ours say closed (gym.make's OrderEnforcing says reset first).
    with pytest.raises(ClosedEnvironmentError if name != "gym.make" else ResetNeeded):
        env.step(actions(env))
    assert _servers() == before


@pytest.mark.parametrize("name", ENVS)
def test_reset_options_must_be_a_mapping(name: str):
    env = ENVS[name][0]()
    with pytest.raises(TypeError, match=r"options must be a mapping.*got str 'hard'") as info:
        env.reset(options="hard")
    assert "\n" not in str(info.value)
    env.close()


def test_a_parallel_step_names_missing_and_unknown_agents():
    env = dodge_v0.parallel_env(num_agents=3)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"no action for live agents \['agent_2'\]") as info:
        env.step({"agent_0": 1, "agent_1": 1})
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match=r"unknown agents \['agent_9'\]"):
        env.step({"agent_0": 1, "agent_1": 1, "agent_2": 1, "agent_9": 1})
    with pytest.raises(ValueError, match=r"unknown agents \['agent_9'\] and no action for"):
        env.step({"agent_0": 1, "agent_1": 1, "agent_9": 1})
    with pytest.raises(TypeError, match="dict of one action per agent"):
        env.step([1, 1, 1])
    _, rewards, *_ = env.step({"agent_0": 1, "agent_1": 1, "agent_2": 1})  # still fine after
    assert set(rewards) == {"agent_0", "agent_1", "agent_2"}
    env.close()


def test_actions_for_finished_agents_are_ignored_with_one_warning():
    env = dodge_v0.parallel_env(num_agents=2, max_cycles=3)
    env.reset(seed=0)
    for _ in range(3):
        env.step({a: 0 for a in env.agents})
    assert env.agents == []
    with pytest.warns(UserWarning, match=r"agents that are done \['agent_0', 'agent_1'\]"):
        observations, *_ = env.step({"agent_0": 0, "agent_1": 0})
    assert observations == {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once only
        env.step({"agent_0": 0, "agent_1": 0})
    env.close()


def test_a_gymnasium_step_after_the_episode_ended_warns_once():
    env = DodgeEnv(max_episode_steps=3)
    env.reset(seed=0)
    for _ in range(3):
        *_, truncated, _ = env.step(0)
    assert truncated
    with pytest.warns(UserWarning, match="after the episode ended.*call reset"):
        _, reward, terminated, truncated, _ = env.step(0)
    assert (reward, truncated) == (0.0, True)  # what the game answers until reset()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env.step(0)
    env.reset()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env.step(0)  # a new episode: no warning
    env.close()


def test_the_legacy_bevy_rl_env_has_the_same_edges(standin):
    env = BevyParallelEnv(make_remote(standin.url, legacy=walker()))
    with pytest.raises(ResetNeeded):
        env.step({"agent_0": 0, "agent_1": 0})
    with pytest.raises(TypeError, match="options must be a mapping"):
        env.reset(options="hard")
    env.reset()
    with pytest.raises(ValueError, match=r"no action for live agents \['agent_1'\]"):
        env.step({"agent_0": 0})
    env.close()
    with pytest.raises(ClosedEnvironmentError):
        env.step({"agent_0": 0, "agent_1": 0})
    with pytest.raises(ClosedEnvironmentError):
        env.reset()


def test_dodge_keyword_arguments_are_declared_once_and_shown_by_help():
    """DodgeConfig's fields are every dodge env's keyword arguments (one declaration), and
    help() shows them on the classes and the module functions."""
    config = {f.name for f in dataclasses.fields(DodgeConfig)}
    single = set(inspect.signature(DodgeEnv).parameters)
    assert single == config - set(MULTI_AGENT)
    vector = set(inspect.signature(DodgeVectorEnv).parameters)
    assert vector == single | {"num_envs", "autoreset_mode", "copy"}
    parallel = set(inspect.signature(DodgeParallelEnv).parameters)
    assert parallel == (config - {"max_episode_steps"}) | {"max_cycles", "num_dodgers"}
    assert "max_cycles: int = 1000" in pydoc.render_doc(DodgeParallelEnv)
    for function in (dodge_v0.parallel_env, dodge_v0.raw_env, dodge_v0.env, dodge_v1.env):
        assert "num_throwers: int = 0" in pydoc.render_doc(function), function
    assert "rules_version" not in str(inspect.signature(dodge_v1.parallel_env))  # fixed: 1
    assert "image_size: int = 84" in pydoc.render_doc(make_env)
    with pytest.raises(TypeError, match="DodgeEnv: got an unexpected keyword argument 'levle'"):
        DodgeEnv(levle=2)
