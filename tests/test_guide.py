"""docs/make_your_game_trainable.md cannot rot: its Python blocks run here against the real tag
server (for `path/to/my-game`), and its `python algos/...` lines are the commands
tests/test_algos.py runs (its Rust snippets are checked by game/tag/tests/guide.rs)."""

from __future__ import annotations

import re

import pytest

from bevy_gym.launcher import find_binary
from tests.conftest import REPO

pytestmark = pytest.mark.server

GUIDE = (REPO / "docs" / "make_your_game_trainable.md").read_text()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE, flags=re.S)


@pytest.mark.parametrize("number", range(len(blocks("python"))))
def test_python_blocks_run(number: int) -> None:
    code = blocks("python")[number].replace("path/to/my-game", find_binary("bevy-tag"))
    namespace: dict = {}
    exec(compile(code, f"guide block {number}", "exec"), namespace)
    envs = [v for v in namespace.values() if hasattr(v, "close") and hasattr(v, "reset")]
    assert envs, "a block of section 10 builds no environment"
    for env in envs:
        env.reset(seed=0)
        env.close()


def test_training_lines_are_the_ones_tested() -> None:
    lines = [line.split("#")[0].split() for b in blocks("bash") for line in b.splitlines()]
    commands = [line for line in lines if line[:2] and line[1].startswith("algos/")]
    assert commands, "the guide shows no training command"
    from tests.test_algos import SECOND_GAME

    tested = {(f"algos/{script}.py", env) for script, _, env in SECOND_GAME}
    for command in commands:
        script, env = command[1], command[command.index("--env") + 1]
        assert (script, env) in tested, f"{' '.join(command)} is not run by tests/test_algos.py"
