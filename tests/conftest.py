"""Shared fixtures: the stand-in bevy_rl server, helpers to start the real `bevy-dodge`, a
process census used to prove that no server outlives its environment, and the suite's tiers.

Tiers: a test that starts a real game server is marked `server` (`make test-fast` deselects
those); tests using the `dodge_binary` or `dodge_server` fixtures are marked automatically, and
a test NOT marked `server` that launches a game server fails, so a new server test cannot slip
into the fast tier unnoticed. `slow` (soak, learning) runs only with `-m slow`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bevy_gym.launcher import ServerProcess, find_binary
from bevy_gym.registration import games
from tests.standin_bevy_rl import StandInServer

REPO = Path(__file__).resolve().parent.parent
SERVER_FIXTURES = {"dodge_binary", "dodge_server"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `server` every test that asks for a real server through a fixture."""
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.server)


@pytest.fixture(autouse=True)
def _only_server_tests_launch_game_servers(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fail a test that launches a game server (bevy-dodge, ...) without the `server` mark."""
    if request.node.get_closest_marker("server"):
        return
    popen = subprocess.Popen

    def guarded(args: Any, *rest: Any, **kwargs: Any) -> subprocess.Popen:
        program = args[0] if isinstance(args, (list, tuple)) else str(args).split()[0]
        if Path(str(program)).name in {game.binary for game in games()}:
            pytest.fail(f"{request.node.nodeid} starts {program} but is not marked `server`")
        return popen(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", guarded)


@pytest.fixture(autouse=True, scope="session")
def _sb3_logs_stay_in_pytests_temp_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """SB3 makes a folder under /tmp for every model it configures (`SB3-<date>`): put them in
    pytest's temporary folder, which pytest prunes, instead of leaving four a run."""
    os.environ.setdefault("SB3_LOGDIR", str(tmp_path_factory.mktemp("sb3")))


@pytest.fixture
def standin() -> Iterator[StandInServer]:
    """A running stand-in bevy_rl server with two agents on a free port."""
    server = StandInServer(num_agents=2).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dodge_binary() -> str:
    """The real bevy-dodge binary (tests that need it fail with the build hint if it is missing)."""
    return find_binary("bevy-dodge")


@pytest.fixture
def dodge_server(dodge_binary: str) -> Iterator[ServerProcess]:
    """A bevy-dodge server with 4 agents in separate arenas, vector observations."""
    server = ServerProcess(dodge_binary, ["--agents", "4", "--arena-mode", "separate"])
    yield server
    server.close()


def run_example(script: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run examples/`script` as a user would; fails the test (quoting stderr) if it fails."""
    out = subprocess.run(
        [sys.executable, f"examples/{script}", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert out.returncode == 0, out.stderr
    return out


def alive(pid: int) -> bool:
    """Whether `pid` is a live (non-zombie) process."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def wait_dead(pids: list[int], timeout: float = 2.0) -> list[int]:
    """Wait up to `timeout` s; return the pids still alive."""
    deadline = time.monotonic() + timeout
    left = [p for p in pids if alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [p for p in left if alive(p)]
    return left


def children_named(name: str, parent: int | None = None) -> list[int]:
    """Pids of processes called `name` whose parent is `parent` (default: this process)."""
    parent = os.getpid() if parent is None else parent
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if comm == name[:15] and ppid == parent and alive(int(entry.name)):
            found.append(int(entry.name))
    return found
