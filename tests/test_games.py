"""The official suites over EVERY registered game, against its real server: PettingZoo's
parallel/AEC API, seed and max-cycles tests, Gymnasium's and SB3's check_env on every Gymnasium
variant, and our own multi-step determinism test (PettingZoo 1.27's seed test compares one step
only). A new game is tested by registering it: nothing here names one."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import api_test, max_cycles_test, parallel_api_test, parallel_seed_test

import bevy_gym
from bevy_gym.registration import Game, GymVariant

pytestmark = pytest.mark.server

GAMES = bevy_gym.games()
VARIANTS = [(game, variant) for game in GAMES for variant in game.variants]


def module_of(game: Game) -> ModuleType:
    """The game's PettingZoo-style module (`bevy_gym.envs.<game>_v<k>`)."""
    return importlib.import_module(game.parallel_entry_point.split(":")[0])


def test_every_game_of_the_repository_is_registered():
    assert {"dodge", "tag"} <= {game.name for game in GAMES}


@pytest.mark.parametrize("game", GAMES, ids=lambda g: g.name)
def test_parallel_api_test(game: Game):
    env = module_of(game).parallel_env()
    parallel_api_test(env, num_cycles=1000)
    env.close()


@pytest.mark.parametrize("game", GAMES, ids=lambda g: g.name)
def test_aec_api_test(game: Game):
    env = module_of(game).env()
    api_test(env, num_cycles=300)
    env.close()


@pytest.mark.parametrize("game", GAMES, ids=lambda g: g.name)
def test_parallel_seed_test(game: Game):
    parallel_seed_test(module_of(game).parallel_env, num_cycles=200)


@pytest.mark.parametrize("game", GAMES, ids=lambda g: g.name)
def test_max_cycles_test(game: Game):
    max_cycles_test(module_of(game))


def random_action(space: spaces.Space, rng: np.random.Generator) -> Any:
    """A seeded action from any Discrete or Box space (per agent: roles may differ)."""
    if isinstance(space, spaces.Discrete):
        return int(space.start + rng.integers(space.n))
    assert isinstance(space, spaces.Box)
    return rng.uniform(space.low, space.high).astype(space.dtype)


def rollout(env: Any, seed: int, steps: int, action_seed: int = 7) -> list:
    """Reset observations, then `steps` steps of seeded random actions: all the env returned."""
    rng = np.random.default_rng(action_seed)
    obs, _ = env.reset(seed=seed)
    trace: list = [obs]
    for _ in range(steps):
        if not env.agents:
            obs, _ = env.reset()
            trace.append(obs)
            continue
        actions = {a: random_action(env.action_space(a), rng) for a in env.agents}
        trace.append(env.step(actions)[:4])
    return trace


def same(a: Any, b: Any) -> bool:
    """Bit-identical, recursively (arrays by dtype and bytes; floats and bools by type too)."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    return a == b and type(a) is type(b)


@pytest.mark.parametrize("game", GAMES, ids=lambda g: g.name)
def test_same_seed_same_episodes_different_seed_differs(game: Game):
    make = module_of(game).parallel_env
    env_a, env_b = make(), make()
    try:
        first = rollout(env_a, seed=123, steps=200)
        assert same(first, rollout(env_b, seed=123, steps=200))
        # Reseeding the same env reproduces it too (the server's streams restart).
        assert same(first, rollout(env_a, seed=123, steps=200))
        assert not same(first, rollout(env_b, seed=124, steps=200)), "seeds must matter"
    finally:
        env_a.close()
        env_b.close()


@pytest.mark.parametrize(("game", "variant"), VARIANTS, ids=lambda x: getattr(x, "id", None))
def test_gymnasium_check_env(game: Game, variant: GymVariant):
    env = gym.make(variant.id, render_mode="rgb_array")
    assert env.spec is not None and env.spec.max_episode_steps == game.max_episode_steps
    kind = spaces.Discrete if variant.action == "discrete" else spaces.Box
    assert isinstance(env.action_space, kind), (variant.id, env.action_space)
    check_env(env.unwrapped, skip_render_check=False)
    env.close()


@pytest.mark.parametrize(("game", "variant"), VARIANTS, ids=lambda x: getattr(x, "id", None))
def test_sb3_check_env(game: Game, variant: GymVariant):
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    env = gym.make(variant.id)
    sb3_check_env(env.unwrapped, warn=True)
    env.close()


@pytest.mark.parametrize(("game", "variant"), VARIANTS, ids=lambda x: getattr(x, "id", None))
def test_every_variant_has_a_vector_env_of_one_server(game: Game, variant: GymVariant):
    envs = gym.make_vec(variant.id, num_envs=3, vectorization_mode="vector_entry_point")
    obs, _ = envs.reset(seed=0)
    assert envs.observation_space.contains(obs)
    envs.step(envs.action_space.sample())
    assert envs.unwrapped.remote.spec.num_arenas == 3
    envs.close()
