"""Dodge's registration, one `Game` per rules version: its Gymnasium ids, PettingZoo id and entry
points, the server and viewer binaries and how to install them. `dodge_v0` and `dodge_v1` each
register theirs.

Gymnasium ids: `Dodge[Continuous][Pixels][Hard]-v0` (rules 0) and
`DodgeJump[Continuous][Pixels][Hard]-v1` (rules 1). The two rules are two games (v1 has other
spaces: 78 floats, a jump), so their ids have names of their own: Gymnasium reads `Name-v0` next
to `Name-v1` as an out-of-date version and tells every user of v0 to "upgrade", which would
change the game under them. v1 keeps the version suffix, so `-v1` always means rules 1. The
short names `dodge` and `dodge_v1` and the PettingZoo ids `bevy_gym/dodge-v0`/`-v1` are as
they were; v1's first ids (`bevy_gym/Dodge-v1`, ...) still resolve in `bevy_gym.resolve` and
`bevy_gym.make`, as aliases."""

from __future__ import annotations

from itertools import product

from bevy_gym.envs.dodge.config import BINARY, INSTALL, NATIVE_INSTALL, VIEWER, VIEWER_INSTALL
from bevy_gym.registration import Game, GymVariant, Roles

__all__ = ["dodge_game"]


# The Gymnasium name of each rules version's ids (see above).
FAMILY = {0: "Dodge", 1: "DodgeJump"}


def _variants(version: int) -> tuple[GymVariant, ...]:
    rules = {"rules_version": version} if version else {}  # v0's ids stay as they were
    variants = []
    for continuous, pixels, hard in product((False, True), repeat=3):
        suffix = "Continuous" * continuous + "Pixels" * pixels + "Hard" * hard
        name = FAMILY[version] + suffix
        # v1's ids were once `Dodge...-v1`: still resolved by bevy_gym (lower case, as looked up).
        old = (f"bevy_gym/dodge{suffix}-v{version}".lower(),) if name != f"Dodge{suffix}" else ()
        kwargs = {
            **rules,
            **({"action_space": "continuous"} if continuous else {}),
            **({"obs_type": "pixels"} if pixels else {}),
            **({"level": 2} if hard else {}),
        }
        variants.append(
            GymVariant(
                f"bevy_gym/{name}-v{version}",
                kwargs,
                "continuous" if continuous else "discrete",
                aliases=old,
                # Dodge's own classes, so help() on an env lists its keyword arguments.
                entry_point="bevy_gym.envs.dodge:make_env",
                vector_entry_point="bevy_gym.envs.dodge:DodgeVectorEnv",
            )
        )
    return tuple(variants)


def dodge_game(version: int) -> Game:
    """The registered game of dodge's rules `version` (0: named "dodge", the scripts' default)."""
    module = f"bevy_gym.envs.dodge_v{version}"
    return Game(
        name="dodge" if version == 0 else f"dodge_v{version}",
        binary=BINARY,
        pettingzoo_id=f"bevy_gym/dodge-v{version}",
        parallel_entry_point=f"{module}:parallel_env",
        aec_entry_point=f"{module}:env",
        variants=_variants(version),
        max_episode_steps=1000,
        install=INSTALL,
        viewer=VIEWER,
        viewer_install=VIEWER_INSTALL,
        roles=_roles(version),
        native_install=NATIVE_INSTALL,
    )


def _roles(version: int) -> Roles:
    """Arenas of a dodger and a learnable thrower at level 2 with continuous actions (the game of
    docs/results.md's SAC dodger and self-play, under version 0's rules), and the dodger against
    the scripted thrower."""
    game = {"rules_version": version, "level": 2, "action_space": "continuous"}
    return Roles(
        agents_per_arena=2,
        options={**game, "throwers": 1},
        versus_bots={"dodger": {**game, "throwers": 0}},
    )
