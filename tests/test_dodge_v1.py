"""dodge_v1 from Python, against the real server: its spaces (jump, the seed's action variants,
the 78-float observation with the thrower's warning), registered beside dodge_v0 with dodge_v0
unchanged. The official suites (PettingZoo's and Gymnasium's) run over every registered game,
dodge_v1 included, in tests/test_games.py; the rules themselves are tested in
game/dodge/tests/v1.rs, and v0's trajectories are pinned in game/dodge/tests/v0_pin.rs."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces
from pettingzoo.test import parallel_api_test

import bevy_gym
from bevy_gym.envs import dodge_v0, dodge_v1

pytestmark = pytest.mark.server


def test_v1_spaces_beside_v0():
    v1 = dodge_v1.parallel_env(num_agents=2)
    v0 = dodge_v0.parallel_env(num_agents=2)
    try:
        assert v1.metadata["name"] == "dodge_v1" and v0.metadata["name"] == "dodge_v0"
        assert v1.possible_agents == ["dodger_0", "dodger_1"]  # v1's ids say the role
        assert v1.observation_space("dodger_0").shape == (78,)
        assert v0.observation_space("agent_0").shape == (72,)
        assert v1.action_space("dodger_0") == spaces.Discrete(6)
        assert v0.action_space("agent_0") == spaces.Discrete(5)
    finally:
        v1.close()
        v0.close()
    for name, dims in [("continuous", 4), ("basic_3d", 3), ("tilt_5d", 5), ("full_6d", 6)]:
        env = dodge_v1.parallel_env(num_agents=1, action_space=name)
        assert env.action_space("dodger_0").shape == (dims,), name
        env.close()


@pytest.mark.parametrize("action_space", ["full_6d", "tilt_5d"])
def test_seed_variants_pass_the_parallel_api_test(action_space):
    env = dodge_v1.parallel_env(num_agents=2, arena_mode="separate", action_space=action_space)
    parallel_api_test(env, num_cycles=200)
    env.close()


def test_the_warning_and_the_jump_show_in_observations():
    env = gym.make("bevy_gym/DodgeJump-v1")
    try:
        obs, _ = env.reset(seed=0)
        warned = False
        for _ in range(30):  # the first throw is at step 30; the warning shows from step 23
            obs, *_ = env.step(0)
            warned |= bool(obs[77] > 0)
        assert warned, "the time-to-throw fraction appears before the throw"
        obs, *_ = env.step(5)  # JUMP
        assert obs[72] > 0 and obs[73] > 0, "height and vertical speed after a jump"
    finally:
        env.close()


def test_v0_refuses_v1_action_spaces_with_one_line():
    with pytest.raises(ValueError, match="rules_version 1"):
        dodge_v0.parallel_env(action_space="tilt_5d")


def test_both_versions_are_registered():
    names = {game.name for game in bevy_gym.games()}
    assert {"dodge", "dodge_v1"} <= names
    assert gym.spec("bevy_gym/DodgeJumpContinuousHard-v1").kwargs["rules_version"] == 1
    assert "rules_version" not in gym.spec("bevy_gym/DodgeContinuousHard-v0").kwargs
    # v1's first ids (before they had a name of their own) still resolve in bevy_gym.
    assert bevy_gym.resolve("bevy_gym/DodgeContinuous-v1") == "bevy_gym/DodgeJumpContinuous-v1"
    assert bevy_gym.resolve("bevy_gym/Dodge-v1") == "bevy_gym/DodgeJump-v1"
    assert bevy_gym.resolve("dodge_v1", action="continuous") == "bevy_gym/DodgeJumpContinuous-v1"
    env = bevy_gym.make("bevy_gym/DodgeContinuous-v1")
    assert env.action_space.shape == (4,)
    assert np.all(env.action_space.low == -1)
    env.close()
