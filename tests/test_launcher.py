"""The launcher against the real bevy-dodge: free ports without races, readiness, clean shutdown
on close(), on garbage collection and when the owning Python process is SIGKILLed, and errors
that say what to do (missing binary, early exit)."""

from __future__ import annotations

import gc
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import entry_points

import gymnasium
import pytest

import bevy_gym
from bevy_gym import BinaryNotFoundError, ServerDiedError, ServerProcess, ServerStartError
from bevy_gym.client import Client
from bevy_gym.envs import dodge_v0
from bevy_gym.launcher import find_binary, option_flags, print_spec
from bevy_gym.protocol import Spec
from tests.conftest import REPO, alive, children_named, run_example, wait_dead


def test_sixteen_environments_at_once_get_sixteen_servers(dodge_binary):
    with ThreadPoolExecutor(16) as pool:
        servers = list(pool.map(lambda _: ServerProcess(dodge_binary), range(16)))
    try:
        assert len({s.url for s in servers}) == 16
        assert len({s.pid for s in servers}) == 16
        for server in servers:  # each answers as its own server
            assert Client(server.url).spec().game == "dodge"
    finally:
        for server in servers:
            server.close()
    assert wait_dead([s.pid for s in servers]) == []


def test_sixteen_envs_created_in_a_row_then_closed(dodge_binary):
    envs = [dodge_v0.parallel_env(num_agents=1) for _ in range(16)]
    for env in envs:
        env.reset(seed=1)
    pids = [env.remote.process.pid for env in envs]
    assert len(set(pids)) == 16
    for env in envs:
        env.close()
        env.close()  # twice is safe
    assert wait_dead(pids) == []


def test_garbage_collection_stops_the_server(dodge_binary):
    env = dodge_v0.parallel_env(num_agents=1)
    env.reset()
    pid = env.remote.process.pid
    del env
    gc.collect()
    assert wait_dead([pid]) == []


@pytest.mark.parametrize("how", ["sigkill", "exit"])
def test_no_server_outlives_its_python_process(dodge_binary, how):
    script = textwrap.dedent(
        f"""
        import os, sys, time
        import gymnasium as gym
        import bevy_gym
        env = gym.make("bevy_gym/Dodge-v0", binary={dodge_binary!r})
        env.reset(seed=0)
        print(env.unwrapped.remote.process.pid, flush=True)
        sys.stdin.readline()  # the test has seen the server alive
        if {how!r} == "exit":
            sys.exit(0)  # no close(): the atexit finalizer must stop the server
        time.sleep(120)
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=REPO
    )
    try:
        server_pid = int(child.stdout.readline())
        # Checked before the child goes on: exiting right after printing raced this check.
        assert alive(server_pid)
        child.stdin.write(b"\n")
        child.stdin.flush()
        if how == "sigkill":
            os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert wait_dead([server_pid], timeout=2.0) == [], "bevy-dodge outlived its parent by 2 s"


def test_close_leaves_no_child_behind(dodge_binary):
    before = set(children_named("bevy-dodge"))
    env = dodge_v0.parallel_env(num_agents=2)
    env.reset(seed=0)
    pid = env.remote.process.pid
    assert set(children_named("bevy-dodge")) - before == {pid}
    env.close()
    assert wait_dead([pid]) == []
    assert wait_dead(list(set(children_named("bevy-dodge")) - before)) == []


def test_missing_binary_says_where_it_looked_and_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("sysconfig.get_path", lambda name: str(tmp_path))
    with pytest.raises(BinaryNotFoundError, match=r"make install.*pip install \./game") as info:
        find_binary("bevy-dodge")
    assert info.value.binary == "bevy-dodge"
    assert info.value.searched == (str(tmp_path / "bevy-dodge"), "$PATH")
    assert str(tmp_path / "bevy-dodge") in str(info.value) and "$PATH" in str(info.value)
    # Every way to a registered game quotes its install command.
    with pytest.raises(BinaryNotFoundError, match="make install"):
        dodge_v0.parallel_env()
    with pytest.raises(BinaryNotFoundError, match="make install"):
        gymnasium.make("bevy_gym/Dodge-v0")
    with pytest.raises(BinaryNotFoundError, match=r"pip install \./game/tag"):
        gymnasium.make("bevy_gym/TagEvader-v0")
    with pytest.raises(BinaryNotFoundError, match="Install the package that provides it") as info:
        bevy_gym.make(binary="no-such-game")  # a game no one registered: no command to quote
    assert info.value.install is None
    with pytest.raises(BinaryNotFoundError, match="does not exist") as info:
        find_binary("bevy-dodge", tmp_path / "nope")
    assert info.value.searched == ()


def test_human_mode_without_the_viewer_quotes_its_install_command(
    monkeypatch, tmp_path, dodge_binary
):
    (tmp_path / "bevy-dodge").symlink_to(dodge_binary)  # the server, but no bevy-dodge-view
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr("sysconfig.get_path", lambda name: str(tmp_path))
    with pytest.warns(UserWarning, match=r"'bevy-dodge-view' not found.*`make viewer`"):
        dodge_v0.parallel_env(render_mode="human").close()


def test_binary_is_found_in_the_interpreter_scripts_dir_first(monkeypatch, tmp_path, dodge_binary):
    scripts, on_path = tmp_path / "scripts", tmp_path / "on_path"
    for folder in (scripts, on_path):  # a bevy-dodge in both places: the order decides
        folder.mkdir()
        (folder / "bevy-dodge").symlink_to(dodge_binary)
    monkeypatch.setenv("PATH", str(on_path))
    monkeypatch.setattr("sysconfig.get_path", lambda name: str(scripts))
    assert find_binary("bevy-dodge") == str(scripts / "bevy-dodge")


def test_server_that_exits_early_is_quoted(dodge_binary):
    with pytest.raises(ServerStartError) as info:
        ServerProcess(dodge_binary, ["--level", "99"])
    message = str(info.value)
    assert "exited with status" in message and "--level 99" in message
    assert "stderr ends with" in message  # clap's complaint is quoted


def test_a_server_that_dies_is_reported_with_its_status(dodge_binary):
    env = dodge_v0.parallel_env(num_agents=1)
    env.reset(seed=0)
    process = env.remote.process
    os.kill(process.pid, signal.SIGKILL)
    with pytest.raises(ServerDiedError, match="exited with status -9") as info:
        env.step({"agent_0": 0})
    assert info.value.returncode == -9 and process.url in str(info.value)
    env.close()


def test_import_registers_every_game():
    """`import bevy_gym` alone (a fresh interpreter) registers every game module of `envs/`:
    its short name, each Gymnasium id and its PettingZoo id, all resolvable."""
    # Every top-level module of envs/ is a game (its classes live in subpackages).
    modules = sorted(p.stem for p in (REPO / "envs").glob("*.py") if p.stem != "__init__")
    assert {"dodge_v0", "dodge_v1", "tag_v0", "tag_v1"} <= set(modules)
    expected = {}
    for name in modules:
        game = importlib.import_module(f"bevy_gym.envs.{name}").GAME
        expected[game.name] = {
            "gym": sorted(v.id for v in game.variants),
            "pettingzoo": game.pettingzoo_id,
            "first": game.variants[0].id if game.variants else None,
        }
    # Games installed by other packages (the template, when `make template` installed it) come
    # through the `bevy_gym.envs` entry points; their modules name their Game too.
    for entry in entry_points(group="bevy_gym.envs"):
        game = entry.load().GAME
        expected[game.name] = {
            "gym": sorted(v.id for v in game.variants),
            "pettingzoo": game.pettingzoo_id,
            "first": game.variants[0].id if game.variants else None,
        }
    script = textwrap.dedent(
        """
        import json, gymnasium, bevy_gym
        from pettingzoo.env_registry import registration as pz
        print(json.dumps({
            game.name: {
                "gym": sorted(v.id for v in game.variants if v.id in gymnasium.registry),
                "pettingzoo": game.pettingzoo_id
                if game.pettingzoo_id in pz.parallel_registry
                and game.pettingzoo_id in pz.aec_registry else None,
                "first": bevy_gym.resolve(game.name) if game.variants else None,
                "resolved": bevy_gym.resolve(game.name, "pettingzoo"),
            }
            for game in bevy_gym.games()
        }))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True
    )
    registered = json.loads(out.stdout)
    assert set(registered) == set(expected), "a game module is not registered by import"
    for name, want in expected.items():
        got = registered[name]
        assert got["gym"] == want["gym"], f"{name}: Gymnasium ids missing"
        assert got["pettingzoo"] == got["resolved"] == want["pettingzoo"], name
        assert got["first"] == want["first"], name
    assert bevy_gym.resolve("bevy_gym/Dodge-v0", "pettingzoo") == "bevy_gym/dodge-v0"
    known = ", ".join(sorted(expected))
    with pytest.raises(ValueError, match=f"known short names: {known}"):
        bevy_gym.resolve("pong")


def test_quickstart_example_runs(dodge_binary):
    out = run_example("dodge_quickstart.py", "--steps", "30")
    assert "pettingzoo: state (288,)" in out.stdout


def test_start_timeout_bounds_the_whole_start(tmp_path):
    """A server that prints its URL late and then never accepts must fail within one
    start_timeout, not one for the URL plus another for the first connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    port = listener.getsockname()[1]
    timeout = 2.0
    fake = tmp_path / "late-server"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import time\n"
        f"time.sleep({0.6 * timeout})\n"
        f"print('http://127.0.0.1:{port}', flush=True)\n"
        "time.sleep(60)\n"
    )
    fake.chmod(0o755)
    started = time.monotonic()
    try:
        with pytest.raises(ServerStartError, match="accepted no connection within 2 s"):
            ServerProcess(str(fake), start_timeout=timeout)
    finally:
        listener.close()
    assert time.monotonic() - started < timeout + 0.5


def test_transport_latency_example_runs(dodge_binary):
    out = run_example("transport_latency.py", "--calls", "20", "--rounds", "1")
    assert "bevy_gym Transport" in out.stdout and "http.client.HTTPConnection" in out.stdout


def test_option_flags_follow_the_plugins_naming():
    flags = option_flags({"image_size": 64, "grayscale": True, "action_space": "continuous"})
    assert flags == ("--image-size=64", "--grayscale=true", "--action-space=continuous")
    with pytest.raises(TypeError, match="'bad'"):
        option_flags({"bad": [1, 2]})


def test_print_spec_is_the_spec_the_server_publishes(dodge_binary):
    args = ("--agents=3", "--level=2", "--action-space=continuous", "--image-size=48")
    printed = print_spec(dodge_binary, args)
    with ServerProcess(dodge_binary, args) as server:
        served = json.loads(urllib.request.urlopen(f"{server.url}/spec", timeout=10).read())
    assert printed == served
    schema = Spec.from_json(printed).option_schema
    # Ranges come from the game's one declaration, not from a copy in Python.
    assert schema["image_size"]["minimum"] == 32 and schema["image_size"]["maximum"] == 512
    assert schema["level"]["default"] == 1
    assert schema["action_repeat"]["type"] == "integer"


def test_bad_settings_fail_at_construction_with_the_games_reason(dodge_binary):
    started = children_named("bevy-dodge")
    with pytest.raises(ValueError, match=r"--level.*not an integer in 1\.\.=2"):
        dodge_v0.parallel_env(level=3)
    with pytest.raises(ValueError, match="at most 512 MiB"):
        dodge_v0.parallel_env(num_agents=4096, image_size=512)
    assert children_named("bevy-dodge") == started  # nothing was left running
