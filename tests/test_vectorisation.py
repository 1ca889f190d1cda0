"""Training-stack smoke tests against the real server: SuperSuit's vec-env conversion and
concat_vec_envs (which cloudpickles the built env: each copy must claim its own server) and SB3
learning a few steps on the single-agent env and on the SuperSuit vector env."""

from __future__ import annotations

import numpy as np
import pytest

from bevy_gym.envs import dodge_v0
from bevy_gym.envs.dodge import DodgeEnv
from tests.conftest import children_named, wait_dead

pytestmark = pytest.mark.server


def test_supersuit_concat_vec_envs_gives_each_copy_its_own_server():
    import supersuit as ss

    before = set(children_named("bevy-dodge"))
    env = dodge_v0.parallel_env(num_agents=2, max_cycles=50)
    env = ss.black_death_v3(env)  # agents that die keep producing zeros (SuperSuit needs it)
    vec = ss.pettingzoo_env_to_vec_env_v1(env)
    vec = ss.concat_vec_envs_v1(vec, 3, num_cpus=0, base_class="gymnasium")
    obs, infos = vec.reset(seed=0)
    assert obs.shape == (6, 72)
    for _ in range(60):
        obs, rewards, term, trunc, infos = vec.step(np.zeros(6, dtype=np.int64))
    assert obs.shape == (6, 72) and rewards.shape == (6,)
    # Three copies, three servers (plus, possibly, the original that was pickled).
    started = set(children_named("bevy-dodge")) - before
    assert len(started) >= 3
    vec.close()
    env.close()
    assert wait_dead(list(started), timeout=5) == []


@pytest.mark.slow
def test_supersuit_stable_baselines3_base_class():
    import supersuit as ss
    from stable_baselines3 import PPO

    env = ss.black_death_v3(dodge_v0.parallel_env(num_agents=2, max_cycles=64))
    vec = ss.pettingzoo_env_to_vec_env_v1(env)
    vec = ss.concat_vec_envs_v1(vec, 2, num_cpus=0, base_class="stable_baselines3")
    model = PPO("MlpPolicy", vec, n_steps=32, batch_size=64, n_epochs=1, verbose=0)
    model.learn(total_timesteps=256)
    vec.close()


def test_sb3_learns_a_few_steps_on_the_single_agent_env():
    from stable_baselines3 import DQN

    env = DodgeEnv(max_episode_steps=50)
    model = DQN("MlpPolicy", env, learning_starts=32, buffer_size=500, verbose=0)
    model.learn(total_timesteps=200)
    action, _ = model.predict(env.reset(seed=0)[0], deterministic=True)
    assert env.action_space.contains(int(action))
    env.close()


def test_sb3_continuous_sac_smoke():
    from stable_baselines3 import SAC

    env = DodgeEnv(action_space="continuous", max_episode_steps=50)
    model = SAC("MlpPolicy", env, learning_starts=32, buffer_size=500, verbose=0)
    model.learn(total_timesteps=100)
    env.close()


def test_sb3_cnn_policy_with_frame_stack_runs_on_the_pixel_env_unchanged():
    """The pixel env as SB3 expects an image env: (H, W, C) uint8 in [0, 255], which SB3's
    `VecTransposeImage` and `VecFrameStack` take without a wrapper of ours."""
    import gymnasium
    from stable_baselines3 import SAC
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import VecFrameStack

    def make() -> gymnasium.Env:
        return gymnasium.make(
            "bevy_gym/DodgeContinuousPixels-v0", image_size=64, grayscale=True, max_episode_steps=30
        )

    vec = VecFrameStack(make_vec_env(make, n_envs=2), n_stack=3)
    assert vec.observation_space.shape == (64, 64, 3)
    model = SAC("CnnPolicy", vec, learning_starts=32, buffer_size=300, batch_size=16, verbose=0)
    model.learn(total_timesteps=120)
    obs = vec.reset()
    action, _ = model.predict(obs, deterministic=True)
    assert action.shape == (2, 3) and vec.action_space.contains(action[0])
    vec.close()
