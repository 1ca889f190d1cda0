"""The training stacks people use, against the real server: SuperSuit's vec-env conversion and
concat_vec_envs (which cloudpickles the built env: each copy must claim its own server), SB3's
DQN and SAC on the single-agent env (steps, episode ends and time-outs as SB3 records them,
gradient steps), SB3 on the SuperSuit vector env, and SB3's PPO on the native vector env
through `bevy_gym.sb3` (one server, 8 arenas)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import bevy_gym
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


def _parameters(module: Any) -> list[np.ndarray]:
    return [p.detach().cpu().numpy().copy() for p in module.parameters()]


def _changed(before: list[np.ndarray], after: list[np.ndarray]) -> bool:
    return any(not np.array_equal(x, y) for x, y in zip(before, after, strict=True))


@pytest.mark.slow
def test_supersuit_stable_baselines3_base_class():
    import supersuit as ss
    from stable_baselines3 import PPO

    before = set(children_named("bevy-dodge"))
    env = ss.black_death_v3(dodge_v0.parallel_env(num_agents=2, max_cycles=64))
    vec = ss.pettingzoo_env_to_vec_env_v1(env)
    vec = ss.concat_vec_envs_v1(vec, 2, num_cpus=0, base_class="stable_baselines3")
    assert vec.num_envs == 4 and vec.observation_space.shape == (72,)
    model = PPO("MlpPolicy", vec, n_steps=32, batch_size=64, n_epochs=1, verbose=0)
    weights = _parameters(model.policy)
    model.learn(total_timesteps=256)
    assert model.num_timesteps >= 256
    assert _changed(weights, _parameters(model.policy)), "PPO made no update"
    started = set(children_named("bevy-dodge")) - before
    assert len(started) >= 2  # each copy its own server
    vec.close()
    env.close()
    assert wait_dead(list(started), timeout=5) == []


def _episodes(buffer: Any, steps: int) -> list[tuple[int, bool]]:
    """(length, timed out) of each episode that ended in the first `steps` transitions of an SB3
    replay buffer of one env."""
    episodes, length = [], 0
    for i in range(steps):
        length += 1
        if buffer.dones[i, 0]:
            episodes.append((length, bool(buffer.timeouts[i, 0])))
            length = 0
    return episodes


def test_sb3_dqn_trains_on_the_single_agent_env():
    """SB3's DQN runs its loop on DodgeEnv: every step reaches the replay buffer, episodes end
    where the game ends them (a hit: terminated; the 50-step limit: truncated, which SB3 must see
    as a time-out to bootstrap), and its gradient steps change the Q-network."""
    from stable_baselines3 import DQN

    env = DodgeEnv(max_episode_steps=50)
    model = DQN("MlpPolicy", env, learning_starts=32, buffer_size=500, verbose=0)
    weights = _parameters(model.q_net)
    model.learn(total_timesteps=200)
    assert model.num_timesteps == 200 and model.replay_buffer.pos == 200
    episodes = _episodes(model.replay_buffer, 200)
    assert len(episodes) >= 4  # at most 50 steps each
    for length, timed_out in episodes:
        assert length <= 50
        assert timed_out == (length == 50), f"an episode of {length} steps, time-out {timed_out}"
    observations = model.replay_buffer.observations[:200, 0]
    assert env.observation_space.contains(observations.max(axis=0).astype(np.float32))
    assert _changed(weights, _parameters(model.q_net)), "DQN made no gradient step"
    action, _ = model.predict(env.reset(seed=0)[0], deterministic=True)
    assert env.action_space.contains(int(action))
    env.close()


def test_sb3_sac_trains_on_the_continuous_env():
    """SB3's SAC on the continuous env: its actions, in the Box, reach the game; episodes end
    as the game ends them; the actor learns from them."""
    from stable_baselines3 import SAC

    env = DodgeEnv(action_space="continuous", max_episode_steps=50)
    model = SAC("MlpPolicy", env, learning_starts=32, buffer_size=500, verbose=0)
    weights = _parameters(model.actor)
    model.learn(total_timesteps=100)
    assert model.num_timesteps == 100
    actions = model.replay_buffer.actions[:100, 0]
    assert actions.shape == (100, 3) and np.abs(actions).max() <= 1.0
    assert np.unique(actions, axis=0).shape[0] > 50  # the policy's own, varied actions
    episodes = _episodes(model.replay_buffer, 100)
    assert episodes and all(timed_out == (n == 50) for n, timed_out in episodes)
    rewards = model.replay_buffer.rewards[:100, 0]
    # Per step: +1 a tick survived (4 ticks) plus near-miss bonuses, or -100 for a hit.
    assert np.all((rewards >= 4.0) | (rewards <= -90.0)), rewards
    assert _changed(weights, _parameters(model.actor)), "SAC made no gradient step"
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


def test_sb3_vec_env_speaks_sb3s_vecenv_api_over_one_server():
    """`bevy_gym.sb3`: SB3's VecEnv contract (reset, step_async/step_wait, auto-reset with the
    last observation in infos, time-outs, seeds), under SB3's own VecCheckNan check."""
    from stable_baselines3.common.vec_env import VecCheckNan

    from bevy_gym.sb3 import SB3VecEnv

    before = set(children_named("bevy-dodge"))
    limit = 40
    inner = bevy_gym.make_vec(
        "bevy_gym/Dodge-v0", num_envs=4, autoreset_mode="SameStep", max_episode_steps=limit
    )
    vec = VecCheckNan(SB3VecEnv(inner), raise_exception=True)
    assert vec.num_envs == 4 and vec.observation_space.shape == (72,)
    assert vec.get_attr("render_mode") == [None] * 4

    def episode(seed: int) -> tuple[np.ndarray, list[tuple[int, bool]]]:
        vec.seed(seed)
        trajectory, ends = [vec.reset()], []
        lengths = np.zeros(4, int)
        for _ in range(90):
            obs, rewards, dones, infos = vec.step(np.zeros(4, dtype=np.int64))
            assert obs.shape == (4, 72) and rewards.dtype == np.float32 and dones.dtype == bool
            assert len(infos) == 4
            lengths += 1
            for i in np.flatnonzero(dones):
                assert infos[i]["terminal_observation"].shape == (72,)
                assert not np.array_equal(infos[i]["terminal_observation"], obs[i])  # reset
                ends.append((int(lengths[i]), infos[i]["TimeLimit.truncated"]))
                lengths[i] = 0
            trajectory.append(obs)
        return np.stack(trajectory), ends

    first, ends = episode(3)
    assert first[0].dtype == np.float32
    assert len(ends) >= 4, "every arena ends an episode within 90 steps"
    assert all(timed_out == (n == limit) for n, timed_out in ends), ends
    again, _ = episode(3)
    assert np.array_equal(first, again), "seed() did not reach the next reset"
    pid = inner.remote.process.pid
    assert set(children_named("bevy-dodge")) - before == {pid}
    with pytest.raises(ValueError, match="SameStep"):
        SB3VecEnv(bevy_gym.make_vec("bevy_gym/Dodge-v0", num_envs=2))
    vec.close()
    assert wait_dead([pid]) == []


def test_sb3_ppo_learns_on_one_server_with_8_arenas():
    """The acceptance of issue 23: SB3's PPO trains 2,000 steps on the SB3 VecEnv over one
    bevy-dodge with 8 arenas, and exactly one bevy-dodge runs all along."""
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback

    from bevy_gym.sb3 import sb3_vec_env

    before = set(children_named("bevy-dodge"))
    vec = sb3_vec_env("bevy_gym/Dodge-v0", num_envs=8, max_episode_steps=100)
    servers: list[set[int]] = []

    class Census(BaseCallback):
        def _on_rollout_end(self) -> None:
            servers.append(set(children_named("bevy-dodge")) - before)

        def _on_step(self) -> bool:
            return True

    model = PPO("MlpPolicy", vec, n_steps=64, batch_size=128, n_epochs=2, seed=0, verbose=0)
    weights = _parameters(model.policy)
    model.learn(total_timesteps=2000, callback=Census())
    assert model.num_timesteps >= 2000
    assert len(servers) >= 3 and all(len(s) == 1 for s in servers), servers
    assert len(set.union(*servers)) == 1, "the server was replaced during training"
    assert _changed(weights, _parameters(model.policy)), "PPO made no update"
    assert len(model.ep_info_buffer) >= 8  # VecMonitor saw the arenas' episodes end
    vec.close()
    assert wait_dead(list(set.union(*servers))) == []
