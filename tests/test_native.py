"""The in-process backend (backend="native", bevy_gym.native) against the HTTP one, for EVERY
registered game: byte-identical observation, reward and done streams from the same seeds and
actions (vector and pixel observations, partial resets), the official checkers on native envs,
and what a real process needs (no thread started, a panic poisons instead of killing, close
frees, pickling rebuilds, several envs at once, clear errors)."""

from __future__ import annotations

import importlib
import os
import pickle
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import parallel_api_test

import bevy_gym
from bevy_gym.native import NativeBackendMissingError, module_name
from bevy_gym.registration import Game
from bevy_gym.settings import GameSettings
from bevy_gym.transport import ProtocolError, ServerDiedError
from tests.test_games import module_of, random_action, same

pytestmark = pytest.mark.server

GAMES = bevy_gym.games()


def native_or_skip(game: Game) -> None:
    """Skip a third party's game whose extension is not installed; a game that says how to build
    one (every game of this repository) must have it."""
    try:
        importlib.import_module(module_name(game.binary))
    except ModuleNotFoundError:
        if game.native_install is not None:
            raise
        pytest.skip(f"{game.name} has no native backend installed")


def trace(remote: Any, seed: int, steps: int) -> list[bytes]:
    """Every byte a GameServer returned over `steps` seeded random steps, finished arenas reset in
    the same call (as the vector env's autoreset does)."""
    rng = np.random.default_rng(seed)
    out = []
    res = remote.reset(seed=seed)
    for step in range(steps + 1):
        obs = res.observations
        rows = obs if isinstance(obs, list) else [obs]
        out += [r.tobytes() for r in rows]
        out += [res.rewards.tobytes(), res.terminated.tobytes(), res.truncated.tobytes()]
        if step == steps:
            return out
        arenas = np.asarray(remote.spec.arenas)
        done = res.terminated | res.truncated
        finished = sorted({int(a) for a in arenas} - {int(a) for a in arenas[~done]})
        actions = [random_action(space, rng) for space in remote.spec.action_spaces]
        res = remote.step(actions, reset_arenas=finished or None)
    return out


def settings_for(game: Game, backend: str, **kw: Any) -> GameSettings:
    options = {"max_episode_steps": 40, **kw.pop("options", {})}
    return GameSettings(binary=game.binary, options=options, backend=backend, **kw)


@pytest.mark.parametrize("game", GAMES, ids=lambda g: g.name)
@pytest.mark.parametrize(
    "layout",
    [{"num_agents": 4, "arena_mode": "separate"}, {"num_agents": 3}],
    ids=["separate", "shared"],
)
def test_both_backends_give_byte_identical_streams(game: Game, layout: dict):
    native_or_skip(game)
    variant = game.variants[0].kwargs if game.variants else {}
    options = {k: v for k, v in variant.items() if k not in ("obs_type", "backend")}
    if layout.get("arena_mode") == "separate" and game.roles is not None:
        layout = {"num_agents": 4, "arena_mode": "separate", "agents_per_arena": 2}
        options = {**options, **game.roles.options}
    streams = []
    for backend in ("http", "native"):
        remote = settings_for(game, backend, options=options, **layout).remote()
        try:
            streams.append(trace(remote, seed=11, steps=150))
        finally:
            remote.close()
    http, native = streams
    assert len(http) == len(native)
    first = next((i for i, (a, b) in enumerate(zip(http, native, strict=True)) if a != b), None)
    assert first is None, f"{game.name}: the streams differ first at item {first}"


@pytest.mark.parametrize("game", GAMES, ids=lambda g: g.name)
def test_pixel_observations_are_the_same_bytes_in_process(game: Game):
    native_or_skip(game)
    streams = []
    for backend in ("http", "native"):
        settings = settings_for(
            game, backend, num_agents=2, obs_type="pixels", options={"image_size": 32}
        )
        remote = settings.remote()
        try:
            streams.append(trace(remote, seed=5, steps=20))
        finally:
            remote.close()
    assert streams[0] == streams[1]


@pytest.mark.parametrize("game", GAMES, ids=lambda g: g.name)
def test_parallel_api_test_on_the_native_backend(game: Game):
    native_or_skip(game)
    env = module_of(game).parallel_env(backend="native")
    parallel_api_test(env, num_cycles=1000)
    env.close()


@pytest.mark.parametrize("game", GAMES, ids=lambda g: g.name)
def test_checkers_pass_on_the_native_backend(game: Game):
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    native_or_skip(game)
    for variant in game.variants:
        env = gym.make(variant.id, backend="native", render_mode="rgb_array")
        check_env(env.unwrapped, skip_render_check=False)
        sb3_check_env(env.unwrapped, warn=True)
        env.close()


def test_the_documented_native_dodge_passes_both_checkers():
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    env = gym.make("bevy_gym/Dodge-v0", backend="native")
    assert env.unwrapped.remote.link.backend == "native"
    assert env.unwrapped.remote.process is None  # no server process
    check_env(env.unwrapped)
    sb3_check_env(env.unwrapped, warn=True)
    env.close()


def test_make_vec_on_either_backend_gives_the_same_episodes():
    runs = []
    for backend in ("http", "native"):
        envs = bevy_gym.make_vec("bevy_gym/Dodge-v0", num_envs=8, backend=backend)
        envs.action_space.seed(3)
        out = [envs.reset(seed=3)[0]]
        for _ in range(300):
            out.append(envs.step(envs.action_space.sample())[:4])
        envs.close()
        runs.append(out)
    assert same(runs[0], runs[1])


def test_copy_false_reuses_one_set_of_arrays_and_copy_true_never_does():
    for copy in (True, False):
        envs = bevy_gym.make_vec("bevy_gym/Dodge-v0", num_envs=4, backend="native", copy=copy)
        envs.reset(seed=0)
        first = envs.step(envs.action_space.sample())[0]
        kept = first.copy()
        second = envs.step(envs.action_space.sample())[0]
        assert (first is second) == (not copy)
        if copy:
            assert np.array_equal(first, kept), "copy=True: a returned array changed later"
        envs.close()


def threads() -> int:
    return len(os.listdir("/proc/self/task"))


def test_no_thread_is_started_by_import_construction_or_steps():
    before = threads()
    module = importlib.import_module("bevy_dodge_native")
    env = bevy_gym.make_vec("bevy_gym/Dodge-v0", num_envs=16, backend="native")
    env.reset(seed=1)
    for _ in range(50):
        env.step(env.action_space.sample())
    assert threads() == before, "the native backend started a thread (fork safety)"
    assert module.make.__doc__
    env.close()


def test_a_panic_raises_runtime_error_and_poisons_the_env_instead_of_the_interpreter():
    env = bevy_gym.make("bevy_gym/Dodge-v0", backend="native")
    env.reset(seed=0)
    native = env.unwrapped.remote.connect().env
    with pytest.raises(RuntimeError, match=r"panicked.*poisoned"):
        native._inject_panic()
    assert native.poisoned
    with pytest.raises(ServerDiedError, match="poisoned"):  # a RuntimeError, as a crash is
        env.step(env.action_space.sample())
    env.close()  # frees the poisoned app without another panic
    assert native.closed


def test_restart_on_crash_replaces_a_panicked_game_in_process():
    env = bevy_gym.make("bevy_gym/Dodge-v0", backend="native", restart_on_crash=True)
    env.reset(seed=0)
    with pytest.raises(RuntimeError):
        env.unwrapped.remote.connect().env._inject_panic()
    _, _, terminated, truncated, info = env.step(env.action_space.sample())
    assert truncated and not terminated and "server_restarted" in info
    env.step(env.action_space.sample())  # the fresh game plays on
    env.close()


def test_close_frees_the_app_and_later_calls_say_closed():
    env = bevy_gym.make("bevy_gym/Dodge-v0", backend="native")
    env.reset(seed=0)
    native = env.unwrapped.remote.connect().env
    env.close()
    assert native.closed
    with pytest.raises(gym.error.ClosedEnvironmentError):
        env.unwrapped.reset()
    with pytest.raises(RuntimeError, match="after close"):
        native.step(np.zeros(1, np.int32).tobytes())


def test_pickling_rebuilds_the_game_from_its_settings():
    env = bevy_gym.make("bevy_gym/Dodge-v0", backend="native")
    env.reset(seed=9)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(env.unwrapped.remote.connect().env)
    copy = pickle.loads(pickle.dumps(env.unwrapped))
    try:
        actions = [env.action_space.sample() for _ in range(50)]
        runs = []
        for e in (env.unwrapped, copy):
            out = [e.reset(seed=9)[0]]
            out += [e.step(a)[:4] for a in actions]
            runs.append(out)
        assert same(runs[0], runs[1])
        assert copy.remote.connect() is not env.unwrapped.remote.connect()
    finally:
        env.close()
        copy.close()


def test_several_games_in_one_process_play_as_each_alone():
    def run(env: Any, n: int = 100) -> list:
        env.action_space.seed(1)
        out = [env.reset(seed=4)[0]]
        out += [env.step(env.action_space.sample())[:4] for _ in range(n)]
        return out

    alone = [run(bevy_gym.make(i, backend="native")) for i in ("bevy_gym/Dodge-v0",)]
    envs = [
        bevy_gym.make("bevy_gym/Dodge-v0", backend="native"),
        bevy_gym.make("bevy_gym/Dodge-v0", backend="native"),
        bevy_gym.make("bevy_gym/TagEvader-v0", backend="native"),
    ]
    for e in envs:
        e.action_space.seed(1)
    outs: list[list] = [[e.reset(seed=4)[0]] for e in envs]
    for _ in range(100):  # interleaved, step by step
        for e, out in zip(envs, outs, strict=True):
            out.append(e.step(e.action_space.sample())[:4])
    assert same(outs[0], alone[0]) and same(outs[1], alone[0])
    for e in envs:
        e.close()


def test_bad_input_gets_one_line_errors_and_the_game_plays_on():
    env = bevy_gym.make("bevy_gym/Dodge-v0", backend="native")
    env.reset(seed=0)
    client = env.unwrapped.remote.connect()
    with pytest.raises(ProtocolError, match=r"invalid_body.*expected 4"):
        client.step_binary(b"\x01")
    with pytest.raises(ProtocolError, match=r"invalid_query.*arena 7 does not exist"):
        client.reset_binary(arenas=[7])
    with pytest.raises(ProtocolError, match="invalid_options"):
        env.reset(options={"level": 99})
    with pytest.raises(ValueError, match="level"):
        bevy_gym.make("bevy_gym/Dodge-v0", backend="native", level=99)
    with pytest.raises(ValueError, match="backend must be one of"):
        bevy_gym.make("bevy_gym/Dodge-v0", backend="grpc")
    with pytest.raises(ValueError, match="not server_url"):
        GameSettings(server_url="http://127.0.0.1:9", backend="native")
    env.step(env.action_space.sample())  # still fine
    env.close()


def test_a_missing_extension_says_how_to_build_it(monkeypatch: pytest.MonkeyPatch):
    import sys

    monkeypatch.setitem(sys.modules, "bevy_dodge_native", None)  # as if not installed
    with pytest.raises(NativeBackendMissingError, match=r"bevy_dodge_native.*make install"):
        bevy_gym.make("bevy_gym/Dodge-v0", backend="native")
    with pytest.raises(NativeBackendMissingError, match=r"my_toy_native.*backend='http'"):
        bevy_gym.make(binary="my-toy", backend="native")
