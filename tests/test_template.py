"""The game template, examples/my_game, as a user has it after `pip install .` in a copy outside
the repository (`make template` does exactly that, then runs this file): one wheel brings the
`my-game` server and the `my_game` module, `import bevy_gym` registers the game through the
`bevy_gym.envs` entry point, and PettingZoo's and Gymnasium's checkers pass on it. Without the
template installed these tests skip, except under BEVY_GYM_REQUIRE_TEMPLATE=1 (make template),
where they fail."""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, distribution, entry_points

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import parallel_api_test, parallel_seed_test

import bevy_gym
from bevy_gym.launcher import BinaryNotFoundError, find_binary
from bevy_gym.registration import Game

pytestmark = pytest.mark.server

IDS = [
    "my_game/MyGame-v0",
    "my_game/MyGameContinuous-v0",
    "my_game/MyGamePixels-v0",
    "my_game/MyGameContinuousPixels-v0",
]


@pytest.fixture(scope="module")
def game() -> Game:
    """The installed template's registered game, or skip (fail under the env var)."""
    registered = {game.name: game for game in bevy_gym.games()}
    why = None
    if "my_game" not in registered:
        why = "the template is not installed (make template installs it from a copy)"
    else:
        try:
            find_binary("my-game")
        except BinaryNotFoundError as exc:
            why = str(exc)
    if why is not None:
        if os.environ.get("BEVY_GYM_REQUIRE_TEMPLATE") == "1":
            pytest.fail(why)
        pytest.skip(why)
    return registered["my_game"]


def test_one_wheel_brings_the_server_and_the_module_that_registers_it(game: Game) -> None:
    try:
        files = {str(f) for f in distribution("my-game").files or ()}
    except PackageNotFoundError:
        pytest.fail("my_game is registered but no my-game distribution is installed")
    assert "my_game/__init__.py" in files, sorted(files)
    assert any(f.endswith("/bin/my-game") for f in files), sorted(files)
    (entry,) = [e for e in entry_points(group="bevy_gym.envs") if e.name == "my_game"]
    assert entry.value == "my_game"
    assert entry.load().GAME is game
    assert [v.id for v in game.variants] == IDS
    assert all(i in gymnasium.registry for i in IDS)
    # What algos/ --env my_game picks: the first variant whose actions the script handles.
    assert bevy_gym.resolve("my_game", action="discrete") == IDS[0]
    assert bevy_gym.resolve("my_game", action="continuous") == IDS[1]


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"arena_mode": "separate", "num_agents": 3, "action_space": "continuous"},
        {"obs_type": "pixels", "num_agents": 3},
    ],
    ids=["shared", "separate-continuous", "pixels"],
)
def test_parallel_api_test(game: Game, settings: dict) -> None:
    env = bevy_gym.make_parallel("my_game", **settings)
    parallel_api_test(env, num_cycles=1000)
    env.close()


def test_parallel_seed_test(game: Game) -> None:
    parallel_seed_test(lambda: bevy_gym.make_parallel("my_game", num_agents=3), num_cycles=200)


@pytest.mark.parametrize("env_id", IDS)
def test_gymnasium_check_env(game: Game, env_id: str) -> None:
    env = gymnasium.make(env_id, render_mode="rgb_array")
    check_env(env.unwrapped, skip_render_check=False)
    env.close()


def test_the_running_options_are_the_declared_defaults(game: Game) -> None:
    env = bevy_gym.make_parallel("my_game")
    try:
        spec = env.unwrapped.remote.spec
        declared = {k: s["default"] for k, s in spec.option_schema.items() if "default" in s}
        assert set(declared) >= {"action_space", "target_radius", "image_size"}
        assert {k: spec.options[k] for k in declared} == declared
    finally:
        env.close()


def test_steering_at_the_target_reaches_it_and_pays(game: Game) -> None:
    """The observation says where the target is, the continuous action moves there, and
    reaching it ends the episode with the reach reward."""
    env = gymnasium.make("my_game/MyGameContinuous-v0")
    obs, _ = env.reset(seed=5)
    for _ in range(200):
        offset = obs[2:4]
        obs, reward, terminated, truncated, _ = env.step(offset / max(np.linalg.norm(offset), 1e-6))
        if terminated or truncated:
            break
    env.close()
    assert terminated and reward >= 1.0, (terminated, truncated, reward)


def test_pixels_show_the_agent_and_its_target(game: Game) -> None:
    env = gymnasium.make("my_game/MyGamePixels-v0", render_mode="rgb_array", image_size=48)
    obs, _ = env.reset(seed=1)
    assert obs.shape == (48, 48, 3) and obs.dtype == np.uint8
    np.testing.assert_array_equal(env.render(), obs)
    colours = {tuple(px) for px in obs.reshape(-1, 3)}
    assert {(60, 210, 90), (80, 140, 255)} <= colours, "no target (green) or agent (blue) drawn"
    env.close()
