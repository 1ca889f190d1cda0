"""The Rust crates' modules depend one way: no module of a crate reaches, through `crate::`
paths (imports or doc links), a module that reaches it back. Cycles are how the server crate's
settings, routes and protocol once tangled (issue 9); this keeps them out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO

# The shipped crates (the test kit, `publish = false`, is a two-file helper for tests).
CRATES = sorted(
    p.parent
    for p in (REPO / "game").glob("*/src/lib.rs")
    if "publish = false" not in (p.parent.parent / "Cargo.toml").read_text()
)


def module_graph(src: Path) -> dict[str, set[str]]:
    """Module -> the sibling modules it names through `crate::` (test modules excluded)."""
    modules = {p.stem for p in src.glob("*.rs")} - {"lib", "main"}
    graph = {}
    for module in modules:
        text = (src / f"{module}.rs").read_text().split("#[cfg(test)]")[0]
        named = set(re.findall(r"crate::(\w+)", text))
        for group in re.findall(r"use crate::\{([^}]*)\}", text):
            named |= set(re.findall(r"\b(\w+)\b", group))
        graph[module] = (named & modules) - {module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A module path that comes back to its start, or None."""
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str] | None:
        for dep in sorted(graph[module]):
            if dep in path:
                return [*path[path.index(dep) :], dep]
            if dep not in done:
                found = visit(dep, [*path, dep])
                if found:
                    return found
        done.add(module)
        return None

    for module in sorted(graph):
        found = visit(module, [module])
        if found:
            return found
    return None


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


@pytest.mark.parametrize("src", CRATES, ids=lambda p: p.parent.name)
def test_crate_modules_depend_one_way(src: Path):
    graph = module_graph(src)
    assert len(graph) > 3, f"{src}: no modules found"
    assert find_cycle(graph) is None, f"{src}: import cycle {' -> '.join(find_cycle(graph))}"
