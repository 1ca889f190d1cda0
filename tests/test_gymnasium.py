"""Gymnasium specifics of dodge against the real server: the make_vec vector env's autoreset
semantics, time limits, and Sync/AsyncVectorEnv (check_env over every game's variants is in
tests/test_games.py)."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import bevy_gym
from bevy_gym.envs.dodge import DodgeEnv
from tests.conftest import REPO, children_named

pytestmark = pytest.mark.server

ID = "bevy_gym/Dodge-v0"
UP = 1


def test_acceptance_one_liner():
    code = (
        "import bevy_gym, gymnasium as g; e = g.make('bevy_gym/Dodge-v0'); e.reset(seed=0); "
        "print(e.step(e.action_space.sample()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "array(" in out.stdout


def _readme_ids() -> list[str]:
    ids = sorted(set(re.findall(r"bevy_gym/[A-Za-z]+-v\d+", (REPO / "README.md").read_text())))
    assert len(ids) >= 4
    return ids


def test_no_id_the_readme_shows_nor_the_scripts_default_is_out_of_date():
    """Gymnasium says "is out of date. You should consider upgrading to version vK" when an id's
    name is registered at a higher version: dodge's rules 1 have ids of their own (a different
    game) so that the ids people use, and the main job's (`--env dodge`), never say it."""
    from pettingzoo.env_registry import registration as pz

    main_job = [bevy_gym.resolve("dodge", action=kind) for kind in ("continuous", "discrete")]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for env_id in [*_readme_ids(), *main_job]:
            if env_id in pz.parallel_registry:  # a PettingZoo id the README shows
                bevy_gym.make_parallel(env_id).close()
                continue
            assert env_id in gym.registry, f"the README shows {env_id}, which is not registered"
            gym.make(env_id).close()
            gym.make_vec(env_id, num_envs=2).close()
    dated = [str(w.message) for w in caught if "out of date" in str(w.message)]
    assert not dated, dated[0] if dated else ""


def test_make_honours_time_limits_longer_and_shorter_than_the_default():
    env = gym.make(ID, max_episode_steps=3)
    env.reset(seed=0)
    truncs = [env.step(0)[3] for _ in range(3)]
    assert truncs == [False, False, True]
    env.close()
    # The server's own limit is off under gym.make, so TimeLimit alone decides.
    assert env.unwrapped.config.max_episode_steps == 0


def test_seeds_reproduce_and_differ():
    env = gym.make(ID, level=2)

    def episode(seed):
        trace = [env.reset(seed=seed)[0]]
        for _ in range(40):  # the reset frame has no projectiles yet: the seed shows later
            trace.append(env.step(0)[0])
        return np.stack(trace)

    a, b, c = episode(11), episode(11), episode(12)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    env.close()


def test_first_unseeded_reset_draws_a_seed_and_later_ones_continue_the_stream():
    def episode(env, seed=None):
        trace = [env.reset(seed=seed)[0]]
        for _ in range(40):  # the reset frame has no projectiles yet: the seed shows later
            trace.append(env.step(0)[0])
        return np.stack(trace)

    envs = [DodgeEnv(level=2) for _ in range(4)]
    try:
        # Two fresh servers reset without a seed: each draws its own, so they differ.
        assert not np.array_equal(episode(envs[0]), episode(envs[1]))
        # After a seeded episode, an unseeded reset continues that seed's stream: the same on
        # two servers, and not a replay of the seeded episode.
        firsts = [episode(env, seed=11) for env in envs[2:]]
        seconds = [episode(env) for env in envs[2:]]
        np.testing.assert_array_equal(firsts[0], firsts[1])
        np.testing.assert_array_equal(seconds[0], seconds[1])
        assert not np.array_equal(firsts[0], seconds[0])
    finally:
        for env in envs:
            env.close()


def test_render_is_the_agents_top_down_rgb_frame():
    for grayscale in (False, True):
        env = gym.make(ID, render_mode="rgb_array", image_size=64, grayscale=grayscale)
        env.reset(seed=0)
        frame = env.render()
        assert frame.shape == (64, 64, 3) and frame.dtype == np.uint8 and frame.std() > 0
        env.close()


def test_pixels_observation_matches_render():
    env = gym.make(ID, obs_type="pixels", render_mode="rgb_array")
    obs, _ = env.reset(seed=0)
    assert obs.shape == (84, 84, 3)
    np.testing.assert_array_equal(obs, env.render())
    env.close()


def run_until_done(env, actions, limit=2000):
    """Step until some sub-env finishes; returns the step results of that step and the next."""
    for _ in range(limit):
        out = env.step(actions)
        if (out[2] | out[3]).any():
            return out, env.step(actions)
    raise AssertionError("no episode ended")


def test_make_vec_is_one_server_with_next_step_autoreset():
    before = set(children_named("bevy-dodge"))
    envs = gym.make_vec(ID, num_envs=4, max_episode_steps=20)
    assert envs.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    assert envs.num_envs == 4 and envs.observation_space.shape == (4, 72)
    reset_obs, infos = envs.reset(seed=0)
    assert reset_obs.shape == (4, 72) and infos == {}
    assert envs.observation_space.contains(reset_obs)
    assert set(children_named("bevy-dodge")) - before == {envs.unwrapped.remote.process.pid}
    actions = np.full(4, UP)  # walking away from the start, so a reset observation stands out
    (obs1, rew1, term1, trunc1, _), (obs2, rew2, term2, trunc2, _) = run_until_done(envs, actions)
    done = term1 | trunc1
    assert rew1.dtype == np.float64 and term1.dtype == np.bool_
    # Next-step autoreset: the finished arenas come back reset, with reward 0 and no flags...
    assert (rew2[done] == 0).all() and not (term2[done] | trunc2[done]).any()
    # ...and their observation is a reset observation, the same as a fresh seeded reset gives
    # (a reset frame has no projectiles yet: only the start position shows).
    assert not np.array_equal(obs1[done], reset_obs[done])
    np.testing.assert_array_equal(obs2[done], reset_obs[done])
    envs.close()


def test_vector_autoreset_resets_only_the_finished_arena():
    envs = gym.make_vec(ID, num_envs=2, max_episode_steps=10)
    reset_obs, _ = envs.reset(seed=3)
    up = np.full(2, UP)
    for _ in range(5):
        envs.step(up)
    envs.reset(options={"reset_mask": np.array([False, True])})  # arena 1 starts over
    for _ in range(4):
        envs.step(up)
    obs, rew, term, trunc, _ = envs.step(up)  # arena 0's 10th step, arena 1's 5th
    assert trunc.tolist() == [True, False] and not term.any()
    moving = obs[1].copy()
    obs, rew, term, trunc, _ = envs.step(up)
    # Arena 0 comes back reset (reward 0, no flags, the reset observation)...
    assert rew[0] == 0.0 and not trunc[0] and not term[0]
    np.testing.assert_array_equal(obs[0], reset_obs[0])
    # ...while arena 1 kept walking: it was stepped, not reset.
    assert rew[1] > 0 and obs[1][1] > moving[1]
    envs.close()


def test_vector_env_same_step_mode_reports_final_obs():
    envs = gym.make_vec(ID, num_envs=3, max_episode_steps=5, autoreset_mode="SameStep")
    assert envs.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
    reset_obs, _ = envs.reset(seed=1)
    for _ in range(5):
        obs, rew, term, trunc, infos = envs.step(np.full(3, UP))
    assert trunc.all() and infos["_final_obs"].all()
    assert infos["final_obs"][0].shape == (72,)
    assert infos["final_obs"][0][1] > 0  # the last real observation, 5 steps up
    np.testing.assert_array_equal(obs, reset_obs)  # obs is already the reset one
    obs, rew, term, trunc, infos = envs.step(np.full(3, UP))
    assert not trunc.any() and rew.min() > 0  # stepped normally, no reset step in between
    envs.close()


def test_vector_env_is_deterministic_per_seed():
    def trace(seed):
        envs = gym.make_vec(ID, num_envs=3, max_episode_steps=40)
        rng = np.random.default_rng(0)
        out = [envs.reset(seed=seed)[0]]
        for _ in range(100):
            out.extend(envs.step(rng.integers(5, size=3))[:4])
        envs.close()
        return out

    a, b, c = trace(5), trace(5), trace(6)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c, strict=True))


@pytest.mark.parametrize("vector_cls", [gym.vector.SyncVectorEnv, gym.vector.AsyncVectorEnv])
def test_gymnasium_vector_wrappers(vector_cls):
    envs = vector_cls([lambda: gym.make(ID, max_episode_steps=30) for _ in range(3)])
    obs, _ = envs.reset(seed=4)
    assert obs.shape == (3, 72)
    for _ in range(40):
        obs, rew, term, trunc, _ = envs.step(envs.action_space.sample())
    assert envs.observation_space.contains(obs)
    envs.close()


def test_a_refused_vector_env_reports_the_refusal_alone():
    import gc

    unraisable: list = []
    hook, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        with pytest.raises(ValueError, match="refuses these settings"):
            gym.make_vec(
                "bevy_gym/Dodge-v0", num_envs=2, vectorization_mode="vector_entry_point", level=7
            )
        gc.collect()  # Gymnasium's __del__ closes the half-built env
    finally:
        sys.unraisablehook = hook
    assert not [u.exc_value for u in unraisable], [u.exc_value for u in unraisable]
