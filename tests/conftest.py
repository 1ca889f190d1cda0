"""Shared fixtures: the stand-in bevy_rl server, helpers to start the real `bevy-dodge`, and a
process census used to prove that no server outlives its environment."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bevy_gym.launcher import ServerProcess, find_binary
from tests.standin_bevy_rl import StandInServer

REPO = Path(__file__).resolve().parent.parent


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
