"""The registry of games, as data: each env module (`bevy_gym.envs.<game>_v<k>`, or a third
party's module named by a `bevy_gym.envs` entry point) describes its game with a `Game` and
calls `register_game`, which registers it with Gymnasium (one id per variant) and PettingZoo.
Nothing here names a game or runs one; `resolve` maps short names (`--env dodge`) to ids."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

import gymnasium

from bevy_gym.launcher import register_install_hint
from bevy_gym.native import register_native_hint

__all__ = [
    "Game",
    "GymVariant",
    "Roles",
    "game_of",
    "games",
    "register_envs",
    "register_game",
    "resolve",
]

ENV_MODULE = re.compile(r"^[a-z][a-z0-9_]*_v\d+$")  # PettingZoo's module naming: <game>_v0
ENTRY_POINT_GROUP = "bevy_gym.envs"  # third-party games: a module that calls register_game


@dataclass(frozen=True)
class GymVariant:
    """One Gymnasium id of a game: the keyword arguments it fixes (so scripts that take only an
    id reach every variant), its action kind and any short names (`tag-evader`)."""

    id: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    action: str = "discrete"  # "discrete" or "continuous": what `resolve(..., action=)` picks
    aliases: tuple[str, ...] = ()
    entry_point: str = "bevy_gym.make:gym_entry_point"
    vector_entry_point: str = "bevy_gym.make:vector_entry_point"


@dataclass(frozen=True)
class Roles:
    """How a game with roles serves them, for scripts that train roles together
    (algos/ppo_roles.py): `options` (the game's options by name) give every separate arena of
    `agents_per_arena` agents each role, and `versus_bots[role]` the options of one-agent arenas
    in which that role plays the game's scripted opponents (the evaluation's anchor). A role is
    the prefix of its agents' ids (`pursuer_0` -> `pursuer`)."""

    agents_per_arena: int
    options: Mapping[str, Any] = field(default_factory=dict)
    versus_bots: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Game:
    """A registered game: its short name, server binary, PettingZoo id and entry points, and
    its Gymnasium variants (the first of each action kind is what `--env <name>` selects)."""

    name: str
    binary: str
    pettingzoo_id: str
    parallel_entry_point: str
    aec_entry_point: str
    variants: tuple[GymVariant, ...]
    max_episode_steps: int
    install: str = "the game's install command"  # quoted when the binary cannot be found
    # The game's windowed server (same flags, plus a window), launched for render_mode="human".
    viewer: str | None = None
    viewer_install: str = "the game's viewer install command"
    # Arenas that hold every role, for training roles together (None: one role only).
    roles: Roles | None = None
    # How its extension module (backend="native") is built, quoted when it is missing.
    native_install: str | None = None

    def variant(self, action: str | None = None) -> GymVariant:
        """The first variant, or the first whose actions are `action`."""
        if not self.variants:
            raise ValueError(
                f"{self.name} has no Gymnasium variant (it is multi-agent only); expected its "
                f"PettingZoo id {self.pettingzoo_id}, or a game with one-agent views"
            )
        for variant in self.variants:
            if action is None or variant.action == action:
                return variant
        kinds = sorted({v.action for v in self.variants})
        raise ValueError(f"{self.name} has no {action} variant; its variants act {kinds}")


_GAMES: dict[str, Game] = {}


def register_game(game: Game) -> None:
    """Register `game` with Gymnasium and (pettingzoo >= 1.27) PettingZoo, and say how its
    binaries install (quoted when one is missing); idempotent."""
    _GAMES[game.name] = game
    register_install_hint(game.binary, game.install)
    if game.viewer is not None:
        register_install_hint(game.viewer, game.viewer_install)
    if game.native_install is not None:
        register_native_hint(game.binary, game.native_install)
    for variant in game.variants:
        if variant.id not in gymnasium.registry:
            gymnasium.register(
                id=variant.id,
                entry_point=variant.entry_point,
                vector_entry_point=variant.vector_entry_point,
                max_episode_steps=game.max_episode_steps,
                kwargs={"binary": game.binary, **variant.kwargs},
            )
    try:  # PettingZoo's registry is new in 1.27; older releases use the module API only.
        from pettingzoo.env_registry import registration as pz_registry
    except ImportError:
        return
    for kind, registry, entry in (
        ("parallel", pz_registry.parallel_registry, game.parallel_entry_point),
        ("aec", pz_registry.aec_registry, game.aec_entry_point),
    ):
        if game.pettingzoo_id not in registry:
            pz_registry.register(
                kind, game.pettingzoo_id, entry_point=entry, max_cycles=game.max_episode_steps
            )


def register_envs() -> None:
    """Import every env module, which registers its game: `bevy_gym.envs.<game>_v<k>` and the
    modules of `bevy_gym.envs` entry points (games installed by other packages)."""
    import bevy_gym.envs as envs

    for module in pkgutil.iter_modules(envs.__path__):
        if ENV_MODULE.match(module.name):
            importlib.import_module(f"{envs.__name__}.{module.name}")
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        entry.load()


def games() -> list[Game]:
    """Every registered game, by name."""
    return [_GAMES[name] for name in sorted(_GAMES)]


def game_of(name: str) -> Game:
    """The game a short name, alias or id belongs to."""
    key = name.strip().lower()
    for game in _GAMES.values():
        ids = {game.name, game.pettingzoo_id.lower()}
        for variant in game.variants:
            ids |= {variant.id.lower(), *variant.aliases}
        if key in ids:
            return game
    known = ", ".join(sorted(_GAMES))
    raise ValueError(f"unknown game {name!r}; known short names: {known}")


def resolve(name: str, api: str = "gymnasium", action: str | None = None) -> str:
    """The id for `api` ("gymnasium" or "pettingzoo") of a short name, alias or id:
    `resolve("dodge")` is "bevy_gym/Dodge-v0", `resolve("dodge", action="continuous")`
    "bevy_gym/DodgeContinuous-v0". An id or alias naming one variant is returned as it is."""
    if api not in ("gymnasium", "pettingzoo"):
        raise ValueError(f"api must be 'gymnasium' or 'pettingzoo', got {api!r}")
    game = game_of(name)
    if api == "pettingzoo":
        return game.pettingzoo_id
    key = name.strip().lower()
    for variant in game.variants:
        if key in (variant.id.lower(), *variant.aliases):
            return variant.id
    return game.variant(action).id
