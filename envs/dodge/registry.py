"""Dodge's registration, one `Game` per rules version: its Gymnasium ids
(`Dodge[Continuous][Pixels][Hard]-v{k}`), PettingZoo id and entry points, the server and viewer
binaries and how to install them. `dodge_v0` and `dodge_v1` each register theirs."""

from __future__ import annotations

from itertools import product

from bevy_gym.envs.dodge.config import BINARY, INSTALL, VIEWER, VIEWER_INSTALL
from bevy_gym.registration import Game, GymVariant

__all__ = ["dodge_game"]


def _variants(version: int) -> tuple[GymVariant, ...]:
    rules = {"rules_version": version} if version else {}  # v0's ids stay as they were
    variants = []
    for continuous, pixels, hard in product((False, True), repeat=3):
        name = "Dodge" + "Continuous" * continuous + "Pixels" * pixels + "Hard" * hard
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
    )
