"""Modules depend one way, in the Rust crates and in the Python packages: no module reaches,
through what it names, a module that reaches it back. Cycles are how the server crate's settings,
routes and protocol once tangled (issue 9), and how the launcher and the registry imported each
other behind function-level imports (issue 23); this keeps them out.

- Rust: every module of a crate's `src/` (nested ones too: `live/sim.rs` is `live::sim`), with
  the modules it names through `crate::`, `super::` and `self::` paths (imports, expressions and
  doc links; test modules excluded). A module and its own submodules are one unit (a parent
  declares and re-exports its children, a child uses its parent's items), so edges between them
  do not count; every other edge does, at each depth (`live` -> `view` counts as a cycle of the
  two folders even where no single pair of files closes it).
- Python: every module of `bevy_gym` and `bevy_gym.envs` (the `envs/` folder), with the modules
  it imports, at module level or inside functions. Importing a submodule runs its package's
  `__init__` first, which Python resolves; only the modules named count."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import REPO

# The shipped crates (the test kit, `publish = false`, is a helper for tests).
CRATES = sorted(
    p.parent
    for p in (REPO / "game").glob("*/src/lib.rs")
    if "publish = false" not in (p.parent.parent / "Cargo.toml").read_text()
)
# The Python packages: import name -> folder.
PACKAGES = {"bevy_gym": REPO / "bevy_gym", "bevy_gym.envs": REPO / "envs"}

Graph = dict[str, set[str]]


# -- the cycle finder ---------------------------------------------------------------------------


def find_cycle(graph: Graph) -> list[str] | None:
    """A module path that comes back to its start, or None."""
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str] | None:
        for dep in sorted(graph.get(module, ())):
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


# -- Rust ---------------------------------------------------------------------------------------


def rust_modules(src: Path) -> dict[tuple[str, ...], Path]:
    """Every module of a crate's src/ by its path (`("live", "sim")`), lib.rs, main.rs and the
    binaries of src/bin/ excluded."""
    modules = {}
    for file in src.rglob("*.rs"):
        parts = file.relative_to(src).with_suffix("").parts
        if parts[0] == "bin" or parts in (("lib",), ("main",)):
            continue
        if parts[-1] == "mod":
            parts = parts[:-1]
        modules[parts] = file
    return modules


def _use_paths(tree: str) -> list[str]:
    """The paths of one `use` tree: `a::{b, c::{d, e}}` -> a::b, a::c::d, a::c::e."""
    tree = re.sub(r"\s+", "", tree)
    if "{" not in tree:
        return [tree.split(" as ")[0]]
    head, body = tree.split("{", 1)
    body = body[: body.rindex("}")]
    items, depth, start = [], 0, 0
    for i, ch in enumerate(body):
        depth += ch == "{"
        depth -= ch == "}"
        if ch == "," and depth == 0:
            items.append(body[start:i])
            start = i + 1
    items.append(body[start:])
    return [path for item in items if item for path in _use_paths(head + item)]


def rust_references(text: str) -> list[str]:
    """Every `crate::`/`super::`/`self::` path a module's text names (use trees expanded)."""
    text = text.split("#[cfg(test)]")[0]
    paths = []
    for tree in re.findall(r"\buse\s+((?:crate|super|self)::[^;]*);", text):
        paths += _use_paths(tree)
    without_uses = re.sub(r"\buse\s+(?:crate|super|self)::[^;]*;", "", text)
    paths += re.findall(r"\b(?:crate|super|self)(?:::\w+)+", without_uses)
    return paths


def _resolve(
    module: tuple[str, ...], path: str, modules: set[tuple[str, ...]]
) -> tuple[str, ...] | None:
    """The module a path names from `module`: its longest prefix that is a module."""
    parts = path.split("::")
    if parts[0] == "crate":
        base: tuple[str, ...] = ()
        parts = parts[1:]
    else:
        # A `foo/mod.rs` or `foo.rs` is module `foo`; `self` is it, `super` its parent.
        base = module
        while parts and parts[0] in ("self", "super"):
            if parts.pop(0) == "super":
                base = base[:-1]
    full = base + tuple(parts)
    for n in range(len(full), 0, -1):
        if full[:n] in modules:
            return full[:n]
    return None


def rust_graph(src: Path) -> dict[tuple[str, ...], set[tuple[str, ...]]]:
    """Module path -> the module paths it names (itself excluded)."""
    modules = rust_modules(src)
    graph = {}
    for module, file in modules.items():
        named = set()
        for path in rust_references(file.read_text()):
            target = _resolve(module, path, set(modules))
            if target is not None and target != module:
                named.add(target)
        graph[module] = named
    return graph


def layered(graph: dict[tuple[str, ...], set[tuple[str, ...]]], depth: int) -> Graph:
    """The graph with modules cut to their first `depth` path segments, edges between a module
    and its own ancestors or descendants dropped (one unit, see the docstring)."""
    cut: Graph = {}
    for module, named in graph.items():
        source = module[:depth]
        cut.setdefault("::".join(source), set())
        for target in named:
            target = target[:depth]
            n = min(len(source), len(target))
            if source[:n] == target[:n]:
                continue  # the same module, or one inside the other
            cut["::".join(source)].add("::".join(target))
    return cut


def rust_cycle(src: Path) -> list[str] | None:
    """A cycle among a crate's modules at any depth, or None."""
    graph = rust_graph(src)
    deepest = max((len(m) for m in graph), default=1)
    for depth in range(1, deepest + 1):
        found = find_cycle(layered(graph, depth))
        if found:
            return found
    return None


# -- Python -------------------------------------------------------------------------------------


def python_modules(packages: dict[str, Path]) -> dict[str, Path]:
    """Every module of the packages by its import name (a package by its own name)."""
    modules = {}
    for package, folder in packages.items():
        for file in folder.rglob("*.py"):
            parts = file.relative_to(folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join((package, *parts))] = file
    return modules


def python_imports(file: Path, module: str, modules: set[str]) -> set[str]:
    """The modules among `modules` that the import statements of `file` (module `module`) name,
    anywhere in it, functions too: `import a.b` names a.b; `from a import b` names a.b if that
    is a module, else a."""
    names = set()
    package = module if file.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(file.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                names.add(sub if sub in modules else base)
    return (names & modules) - {module}


def python_graph(packages: dict[str, Path]) -> Graph:
    """Module -> the modules of the packages it imports."""
    modules = python_modules(packages)
    return {module: python_imports(file, module, set(modules)) for module, file in modules.items()}


# -- the tests ----------------------------------------------------------------------------------


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_a_cycle_between_nested_rust_modules_is_found(tmp_path: Path):
    src = _write(
        tmp_path / "src",
        {
            "lib.rs": "pub mod live;\npub mod view;\n",
            "live/mod.rs": "pub mod sim;\npub use sim::Sim;\n",
            "live/sim.rs": "use super::super::view::hud::{self, Hud};\npub struct Sim;\n",
            "view/mod.rs": "pub mod hud;\nuse crate::live::{sim::Sim};\n",
            "view/hud.rs": "use super::*;\npub struct Hud;\n#[cfg(test)]\nuse crate::x;\n",
        },
    )
    graph = rust_graph(src)
    assert graph[("live", "sim")] == {("view", "hud")}
    assert graph[("view",)] == {("live", "sim")}
    assert graph[("view", "hud")] == {("view",)}  # its parent: one unit, not a cycle
    assert rust_cycle(src) == ["live", "view", "live"]
    # Without the child's reach into view, the crate is layered again.
    (src / "live/sim.rs").write_text("pub struct Sim;\n")
    assert rust_cycle(src) is None


def test_a_cycle_through_a_function_level_python_import_is_found(tmp_path: Path):
    root = _write(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.launcher import find\n",
            "pkg/launcher.py": "def find():\n    from pkg.registry import hint\n    return hint\n",
            "pkg/registry.py": "from . import launcher\n\ndef hint():\n    return launcher\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/game.py": "from ..registry import hint\nfrom pkg import sub\n",
        },
    )
    graph = python_graph({"pkg": root / "pkg"})
    assert graph["pkg.launcher"] == {"pkg.registry"}
    assert graph["pkg.registry"] == {"pkg.launcher"}
    assert graph["pkg.sub.game"] == {"pkg.registry", "pkg.sub"}
    assert find_cycle(graph) == ["pkg.launcher", "pkg.registry", "pkg.launcher"]


@pytest.mark.parametrize("src", CRATES, ids=lambda p: p.parent.name)
def test_crate_modules_depend_one_way(src: Path):
    graph = rust_graph(src)
    assert len(graph) > 3, f"{src}: no modules found"
    cycle = rust_cycle(src)
    assert cycle is None, f"{src}: module cycle {' -> '.join(cycle or [])}"


def test_nested_rust_modules_are_in_the_graph():
    graph = rust_graph(REPO / "game/view/src")
    assert ("window", "input") in graph and ("window",) in graph
    assert ("sim",) in graph[("window", "input")]  # `use crate::sim::Request`
    assert ("window",) in graph[("window", "hud")]  # `use super::{Scene, Shown, ViewConfig}`


def test_python_packages_import_one_way():
    graph = python_graph(PACKAGES)
    assert {"bevy_gym.launcher", "bevy_gym.envs.dodge.config"} <= set(graph)
    assert "bevy_gym.registration" in graph["bevy_gym.make"]  # a function-level import counts
    cycle = find_cycle(graph)
    assert cycle is None, f"import cycle {' -> '.join(cycle or [])}"
