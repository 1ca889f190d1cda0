"""Registration of bevy_gym's games with Gymnasium and PettingZoo, and the short names used by
training scripts (`--env dodge`)."""

from __future__ import annotations

from typing import Any

import gymnasium

__all__ = ["GAMES", "make_parallel", "register_envs", "resolve"]

# Short name -> (Gymnasium id, PettingZoo id). Entry points are strings so imports stay lazy.
GAMES: dict[str, tuple[str, str]] = {"dodge": ("bevy_gym/Dodge-v0", "bevy_gym/dodge-v0")}
DODGE_MAX_STEPS = 1000


def register_envs() -> None:
    """Register every game with Gymnasium and (pettingzoo >= 1.27) PettingZoo; idempotent."""
    gym_id, pz_id = GAMES["dodge"]
    if gym_id not in gymnasium.registry:
        gymnasium.register(
            id=gym_id,
            entry_point="bevy_gym.envs.dodge:make_env",
            vector_entry_point="bevy_gym.envs.dodge:DodgeVectorEnv",
            max_episode_steps=DODGE_MAX_STEPS,
        )
    try:  # PettingZoo's registry is new in 1.27; older releases use the module API only.
        from pettingzoo.env_registry import registration as pz_registry
    except ImportError:
        return
    if pz_id not in pz_registry.parallel_registry:
        pz_registry.register(
            "parallel",
            pz_id,
            entry_point="bevy_gym.envs.dodge_v0:parallel_env",
            max_cycles=DODGE_MAX_STEPS,
        )
    if pz_id not in pz_registry.aec_registry:
        pz_registry.register(
            "aec", pz_id, entry_point="bevy_gym.envs.dodge_v0:env", max_cycles=DODGE_MAX_STEPS
        )


def resolve(name: str, api: str = "gymnasium") -> str:
    """Map a short name (`dodge`) or a registered id to the id for `api` ("gymnasium" or
    "pettingzoo"): `resolve("dodge")` is "bevy_gym/Dodge-v0"."""
    if api not in ("gymnasium", "pettingzoo"):
        raise ValueError(f"api must be 'gymnasium' or 'pettingzoo', got {api!r}")
    column = 0 if api == "gymnasium" else 1
    key = name.strip()
    if key.lower() in GAMES:
        return GAMES[key.lower()][column]
    for ids in GAMES.values():
        if key in ids or key.lower() in (i.lower() for i in ids):
            return ids[column]
    known = ", ".join(sorted(GAMES))
    raise ValueError(f"unknown game {name!r}; known short names: {known}")


def make_parallel(name: str, **kwargs: Any) -> Any:
    """`pettingzoo.make("parallel", ...)` for a short name or id, e.g. `make_parallel("dodge")`."""
    from pettingzoo.env_registry.registration import make

    return make("parallel", resolve(name, "pettingzoo"), **kwargs)
