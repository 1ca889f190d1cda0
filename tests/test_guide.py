"""docs/make_your_game_trainable.md cannot rot: each snippet it includes (`<!-- include: PATH#NAME
-->`) is the region of PATH between `ANCHOR: NAME` and `ANCHOR_END: NAME`, checked here for every
file (the template's too, which lives outside the Cargo workspace; game/tag/tests/guide.rs checks
the same from Rust), and the snippets of examples/my_game are the whole template, so pasting
them rebuilds it (`make template` builds it). Its own Python blocks run against the template's
installed server, and its `python algos/...` lines are commands that tests/test_algos.py or
`make template` run."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import bevy_gym
from bevy_gym.launcher import BinaryNotFoundError, find_binary
from tests.conftest import REPO

GUIDE_PATH = REPO / "docs" / "make_your_game_trainable.md"
GUIDE = GUIDE_PATH.read_text()
TEMPLATE = "examples/my_game"
INCLUDE = re.compile(
    r"^<!-- include: (\S+)#(\w+) -->\n```\w*\n(.*?)```\n<!-- /include -->$", re.S | re.M
)
MARKER = re.compile(r"^\s*(?://|#)\s*(ANCHOR|ANCHOR_END): (\w+)\s*$")


def includes(guide: str = GUIDE) -> list[tuple[str, str, str]]:
    """(path, anchor, snippet) of every include block, in order."""
    return [(m[1], m[2], m[3].rstrip("\n")) for m in INCLUDE.finditer(guide)]


def dedent(lines: list[str]) -> str:
    """The lines less their common indentation and trailing spaces (as testkit's `dedent`)."""
    indent = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
    return "\n".join(x[indent:].rstrip() for x in lines)


def region(source: str, name: str) -> str | None:
    """The lines between `ANCHOR: name` and `ANCHOR_END: name`, other markers dropped."""
    body: list[str] | None = None
    for line in source.splitlines():
        marker = MARKER.match(line)
        if body is None:
            if marker and marker.groups() == ("ANCHOR", name):
                body = []
        elif marker and marker.groups() == ("ANCHOR_END", name):
            return dedent(body)
        elif not marker:
            body.append(line)
    return None


def anchors(source: str) -> list[str]:
    return [m[2] for m in map(MARKER.match, source.splitlines()) if m and m[1] == "ANCHOR"]


def template_files() -> list[Path]:
    """The template's sources: what a user copies and edits."""
    root = REPO / TEMPLATE
    return sorted(
        p
        for p in root.rglob("*")
        if p.suffix in {".rs", ".toml", ".py"} and "target" not in p.relative_to(root).parts
    )


def blocks(language: str) -> list[str]:
    """The guide's own code blocks in `language` (not the included snippets)."""
    own = INCLUDE.sub("", GUIDE)
    return re.findall(rf"```{language}\n(.*?)```", own, flags=re.S)


def test_every_snippet_is_the_code_it_names() -> None:
    found = includes()
    assert len(found) >= 20, "the guide includes its code"
    assert len(found) == GUIDE.count("<!-- include: "), "an include block is malformed"
    for path, name, snippet in found:
        source = (REPO / path).read_text()
        code = region(source, name)
        assert code is not None, f"{path} has no anchor {name}"
        assert dedent(snippet.splitlines()) == code, (
            f"{path}#{name} differs from its source: paste the region between the anchors"
        )


def test_the_template_snippets_are_the_whole_template() -> None:
    """Every template file is one anchored region (besides its opening comment) shown in the
    guide, so a reader who pastes the snippets into the files they name has the template."""
    shown = {(path, name) for path, name, _ in includes()}
    files = template_files()
    assert len(files) >= 8, files
    for file in files:
        path = file.relative_to(REPO).as_posix()
        source = file.read_text()
        names = anchors(source)
        assert len(names) == 1, f"{path}: expected one anchored region, found {names}"
        assert (path, names[0]) in shown, f"{path}#{names[0]} is not in the guide"
        if file.suffix == ".py" and source.startswith('"""'):
            source = source.split('"""', 2)[2]  # the module's docstring
        lines = source.splitlines()
        start = next(i for i, x in enumerate(lines) if MARKER.match(x))
        end = max(i for i, x in enumerate(lines) if MARKER.match(x))
        outside = [x for x in lines[:start] + lines[end + 1 :] if x.strip()]
        code = [x for x in outside if not x.lstrip().startswith(("//", "#"))]
        assert not code, f"{path}: code outside its anchored region: {code}"


def test_the_check_catches_drift() -> None:
    source = (
        "fn a() {}\n    // ANCHOR: x\n    let y = 1;\n    # ANCHOR: inner\n    y\n"
        "    # ANCHOR_END: inner\n    // ANCHOR_END: x\n"
    )
    assert region(source, "x") == "let y = 1;\ny" and region(source, "inner") == "y"
    assert region(source, "nope") is None and anchors(source) == ["x", "inner"]
    guide = "text\n<!-- include: f.rs#x -->\n```rust\nlet y = 2;\ny\n```\n<!-- /include -->\n"
    ((path, name, snippet),) = includes(guide)
    assert (path, name) == ("f.rs", "x") and snippet != region(source, name)


def my_game_binary() -> str:
    """The installed template's server, or skip (fail under BEVY_GYM_REQUIRE_TEMPLATE=1)."""
    try:
        binary = find_binary("my-game")
        if "my_game" not in {game.name for game in bevy_gym.games()}:
            raise BinaryNotFoundError("my-game is installed but the my_game module is not")
        return binary
    except BinaryNotFoundError as exc:
        if os.environ.get("BEVY_GYM_REQUIRE_TEMPLATE") == "1":
            pytest.fail(str(exc))
        pytest.skip(f"the template is not installed (make template installs it): {exc}")


@pytest.mark.server
@pytest.mark.parametrize("number", range(len(blocks("python"))))
def test_python_blocks_run(number: int) -> None:
    code = blocks("python")[number].replace("path/to/my-game", my_game_binary())
    namespace: dict = {}
    exec(compile(code, f"guide block {number}", "exec"), namespace)
    envs = [v for v in namespace.values() if hasattr(v, "close") and hasattr(v, "reset")]
    assert envs, "a Python block of the guide builds no environment"
    for env in envs:
        env.reset(seed=0)
        env.close()


def test_training_lines_are_the_ones_tested() -> None:
    lines = [line.split("#")[0].split() for b in blocks("bash") for line in b.splitlines()]
    commands = [line for line in lines if line[:2] and line[1].startswith("algos/")]
    assert len(commands) >= 5, "the guide shows the training commands"
    from tests.test_algos import SECOND_GAME

    tested = {(f"algos/{script}.py", env) for script, _, env in SECOND_GAME}
    make_template = (REPO / "Makefile").read_text().split("\ntemplate:")[1].split("\n\n")[0]
    tested |= set(re.findall(r"(algos/\w+\.py) --env (\w+)", make_template))
    for command in commands:
        script, env = command[1], command[command.index("--env") + 1]
        assert (script, env) in tested, f"{' '.join(command)} is run by no test"
