"""The fast paths give exactly what the compatible path gives: each environment API (Env,
ParallelEnv, the vector env with its same-request autoreset) and the raw pixel frames are driven
side by side with a twin server read through the JSON routes (`/step?observations=1`,
`/reset`, `/visual_observations`): same observations, rewards, flags and final state, bit for bit.
(tests/test_json_vs_binary.py compares the two routes themselves.)"""

from __future__ import annotations

import numpy as np
import pytest

from bevy_gym import Client, ServerProcess
from bevy_gym.envs import dodge_v0
from bevy_gym.envs.dodge import DodgeEnv, DodgeVectorEnv

pytestmark = pytest.mark.server

STEPS = 250  # long enough for hits (about 100 steps with random actions) and truncations


def twin(binary: str, env) -> tuple[ServerProcess, Client]:
    """A second server started with the environment's own flags, read through JSON."""
    proc = ServerProcess(binary, list(env.config.settings().cli_args()))
    return proc, Client(proc.url)


def test_env_step_matches_the_json_route(dodge_binary):
    env = DodgeEnv(max_episode_steps=60)
    proc, client = twin(dodge_binary, env)
    try:
        obs, _ = env.reset(seed=5)
        ref = client.reset(seed=5, observations=True)
        np.testing.assert_array_equal(obs, ref.observations[0])
        rng = np.random.default_rng(0)
        ends = 0
        for _ in range(STEPS):
            action = int(rng.integers(5))
            obs, reward, terminated, truncated, _ = env.step(action)
            ref = client.step([str(action)], observations=True, num_agents=1)
            np.testing.assert_array_equal(obs, ref.observations[0])
            assert obs.dtype == np.float32
            assert type(reward) is float and reward == float(ref.rewards[0])
            assert (terminated, truncated) == (bool(ref.terminated[0]), bool(ref.truncated[0]))
            assert type(terminated) is bool and type(truncated) is bool
            if terminated or truncated:
                ends += 1
                obs, _ = env.reset()
                ref = client.reset(observations=True)
                np.testing.assert_array_equal(obs, ref.observations[0])
        assert ends >= 3
        assert env.remote.connect().state() == client.state()
    finally:
        env.close()
        proc.close()


def test_parallel_env_matches_the_json_route_as_agents_die(dodge_binary):
    env = dodge_v0.parallel_env(num_agents=4, arena_mode="shared", max_cycles=80)
    proc, client = twin(dodge_binary, env)
    names = ("IDLE", "UP", "DOWN", "LEFT", "RIGHT")
    try:
        obs, _ = env.reset(seed=11)
        ref = client.reset(seed=11, observations=True)
        for i, agent in enumerate(env.possible_agents):
            np.testing.assert_array_equal(obs[agent], ref.observations[i])
        rng = np.random.default_rng(1)
        partial = 0  # steps taken while some agents were already out
        for _ in range(STEPS):
            live = list(env.agents)
            partial += len(live) < 4
            actions = {a: int(rng.integers(5)) for a in live}
            obs, rewards, terms, truncs, _ = env.step(actions)
            # The JSON client names its actions and sends null for agents that are out.
            strings = [names[actions[a]] if a in actions else None for a in env.possible_agents]
            ref = client.step(strings, observations=True, num_agents=4)
            assert list(obs) == live == list(rewards) == list(terms) == list(truncs)
            for agent in live:
                i = env.possible_agents.index(agent)
                np.testing.assert_array_equal(obs[agent], ref.observations[i])
                assert type(rewards[agent]) is float and rewards[agent] == float(ref.rewards[i])
                assert terms[agent] is bool(ref.terminated[i])
                assert truncs[agent] is bool(ref.truncated[i])
            assert env.agents == [
                a for i, a in enumerate(env.possible_agents) if a in live and not ref.done[i]
            ]
            if not env.agents:
                obs, _ = env.reset()
                ref = client.reset(observations=True)
                for i, agent in enumerate(env.possible_agents):
                    np.testing.assert_array_equal(obs[agent], ref.observations[i])
        assert partial > 0
        assert env.remote.connect().state() == client.state()
    finally:
        env.close()
        proc.close()


def test_vector_env_autoreset_in_the_step_request_matches_json_reset(dodge_binary):
    """NEXT_STEP autoreset resets finished arenas inside the next `/v1/step`; through JSON the
    same is a step (finished arenas stand still) followed by `/reset?arenas=...`."""
    n = 8
    envs = DodgeVectorEnv(num_envs=n, max_episode_steps=40)
    proc, client = twin(dodge_binary, envs)
    try:
        obs, _ = envs.reset(seed=3)
        ref = client.reset(seed=3, observations=True)
        np.testing.assert_array_equal(obs, ref.observations)
        rng = np.random.default_rng(2)
        finished = np.zeros(n, dtype=bool)
        resets = 0
        for _ in range(STEPS):
            actions = rng.integers(0, 5, n)
            obs, rewards, terms, truncs, _ = envs.step(actions)
            strings = [None if finished[i] else str(a) for i, a in enumerate(actions)]
            ref = client.step(strings, observations=True, num_agents=n)
            ref_obs, ref_rewards = ref.observations, ref.rewards.astype(np.float64)
            ref_terms, ref_truncs = ref.terminated.copy(), ref.truncated.copy()
            if finished.any():
                resets += 1
                again = client.reset(arenas=np.flatnonzero(finished).tolist(), observations=True)
                ref_obs = again.observations
                ref_rewards[finished] = 0.0
                ref_terms[finished] = ref_truncs[finished] = False
            np.testing.assert_array_equal(obs, ref_obs)
            np.testing.assert_array_equal(rewards, ref_rewards)
            np.testing.assert_array_equal(terms, ref_terms)
            np.testing.assert_array_equal(truncs, ref_truncs)
            finished = terms | truncs
        assert resets >= 5
        assert envs.remote.connect().state() == client.state()
    finally:
        envs.close()
        proc.close()


@pytest.mark.parametrize("grayscale", [False, True])
def test_raw_pixel_frames_match_the_png_route(grayscale):
    """The binary frame's pixels equal `/visual_observations`' PNG tile for tile (the PNG is
    always RGBA; a grayscale observation is its luma, repeated in R, G and B)."""
    env = dodge_v0.parallel_env(
        num_agents=3, arena_mode="shared", obs_type="pixels", grayscale=grayscale
    )
    try:
        obs, _ = env.reset(seed=4)
        client = env.remote.connect()
        rng = np.random.default_rng(3)
        for step in range(40):
            if step:
                obs, *_ = env.step({a: int(rng.integers(5)) for a in env.agents})
                if not env.agents:
                    obs, _ = env.reset()
            png = client.visual_observations()
            assert png.shape == (84, 84 * 3, 4) and (png[..., 3] == 255).all()
            for i, agent in enumerate(env.possible_agents):
                if agent not in obs:
                    continue
                tile = png[:, 84 * i : 84 * (i + 1), :3]
                frame = obs[agent]
                assert frame.dtype == np.uint8 and frame.shape == (84, 84, 1 if grayscale else 3)
                if grayscale:
                    for c in range(3):
                        np.testing.assert_array_equal(frame[..., 0], tile[..., c])
                else:
                    np.testing.assert_array_equal(frame, tile)
    finally:
        env.close()
