"""Option defaults are declared once: every registered game (games installed from other
packages included), started without option flags, runs each default that its spec's
`option_schema` declares, as the spec's `options` report. So `/spec`, `--help` and the running
game cannot disagree. Nothing here names a game."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import bevy_gym
from bevy_gym.launcher import find_binary, print_spec
from bevy_gym.registration import Game

pytestmark = pytest.mark.server

GAMES = bevy_gym.games()

# Simulation settings only, never an option flag: a game whose bare settings cannot start (tag:
# one agent alone has no opponent) is started with two agents.
STARTS: tuple[tuple[str, ...], ...] = ((), ("--agents", "2"))


def spec_without_option_flags(binary: str) -> dict[str, Any]:
    """The spec of `binary` started with no option flags (the first settings it accepts)."""
    refusals = []
    for flags in STARTS:
        try:
            return print_spec(binary, flags)
        except ValueError as exc:
            refusals.append(str(exc))
    pytest.fail(f"{binary} starts with none of {STARTS}: {refusals}")


def same(declared: Any, running: Any) -> bool:
    """Equal, numbers as the 32-bit floats games store (a declared 0.6 runs as 0.6000000238…)."""
    numbers = (int, float)
    if isinstance(declared, bool) or isinstance(running, bool):
        return declared is running
    if isinstance(declared, numbers) and isinstance(running, numbers):
        return bool(np.float32(declared) == np.float32(running))
    return declared == running


def test_the_comparison_tells_values_apart() -> None:
    assert same(0.6, 0.6000000238418579) and same(84, 84.0) and same("a", "a")
    assert not same(0.6, 0.61) and not same(1, True) and not same("a", "b") and not same(2, None)


@pytest.mark.parametrize("game", GAMES, ids=lambda g: g.name)
def test_every_declared_default_is_what_the_game_runs(game: Game) -> None:
    spec = spec_without_option_flags(find_binary(game.binary))
    declared = {
        name: schema["default"]
        for name, schema in spec["option_schema"].items()
        if "default" in schema
    }
    running = spec["options"]
    wrong = {
        name: f"declared {value!r}, running {running.get(name)!r}"
        for name, value in declared.items()
        if not same(value, running.get(name))
    }
    assert not wrong, f"{game.name}: {wrong}"


def test_the_repositorys_games_are_among_them() -> None:
    assert {"dodge", "tag"} <= {game.name for game in GAMES}
