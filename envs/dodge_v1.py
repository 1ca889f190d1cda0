"""Dodge, version 1: dodge_v0 plus the rest of the seed game's dodger — the thrower's warning,
jumping over balls, and the seed's continuous action variants.

| Import             | `from bevy_gym.envs import dodge_v1`                                  |
|--------------------|-----------------------------------------------------------------------|
| PettingZoo id      | `bevy_gym/dodge-v1` (parallel and AEC)                                |
| Gymnasium ids      | `bevy_gym/Dodge-v1` and `Dodge[Continuous][Pixels][Hard]-v1`           |
| Actions            | Discrete(6) or Box(-1, 1, (4,), float32) (and the seed's variants)    |
| Parallel API       | Yes                                                                   |
| Agents             | `["agent_0", ..., "agent_{N-1}"]`, N = `num_agents` (default 4)      |
| Observation shape  | (78,) vector; (S, S, 3) pixels, (S, S, 1) grayscale                   |
| Observation values | [-1, 1] float32 (vector), [0, 255] uint8 (pixels)                     |

Everything of `dodge_v0` holds (arguments, arenas, rewards, episode end), with these changes
(the server's `--rules-version 1`; docs/dodge.md has every detail):

- **Jump**: `JUMP` (index 5) in the discrete space jumps on the spot; the continuous space is
  `[vx, vy, sprint, jump]` (jump when `jump > 0`). A jump from the ground rises at 7 units/s
  under a gravity of 20 (peak 1.2 units, 0.7 s): a ball aimed at the player's centre passes
  beneath one who jumps about 0.35 s before it arrives. Hits are judged in 3D, as before.
- **Action variants** (`action_space=`): the seed game's `basic_3d` ([vx, vy, sprint]),
  `basic_4d_jump` (= `continuous`), `tilt_5d` ([vx, vy, pitch, roll, sprint]) and `full_6d`
  ([vx, vy, jump, pitch, roll, sprint]); pitch and roll only lean the body (the 3D view shows
  nothing else of them).
- **The thrower's warning**: every throw's start point is drawn one throw ahead and shown
  `thrower_delay_seconds` (0.5) before the throw, in the observation and as an orange disc in the
  image (on its edge towards the point: throws start 20 units away); every ball of one throw
  leaves from that point.
- **Observation**: 78 floats: dodge_v0's 72, then own height above standing / 2, own vertical
  speed / 7, and while the warning shows the announced point relative to the player (x / 25,
  y / 25, z / 10) and the time left before the throw as a fraction of the warning (1 → 0), else
  zeros.

``` python
dodge_v1.parallel_env(num_agents=4, arena_mode="shared", action_space="discrete", ...)
gymnasium.make("bevy_gym/DodgeContinuous-v1")   # [vx, vy, sprint, jump]
```

### Version history
- v1: the thrower's warning, jumping, the seed's action variants.
- v0: initial release (unchanged: same seed and actions give the same episode).
"""

from __future__ import annotations

from itertools import product
from typing import Any

from pettingzoo import AECEnv
from pettingzoo.utils import parallel_to_aec, wrappers

from bevy_gym.envs.dodge.parallel import DodgeParallelEnv
from bevy_gym.registration import Game, GymVariant, register_game

__all__ = ["GAME", "DodgeV1ParallelEnv", "env", "parallel_env", "raw_env"]

RULES = {"rules_version": 1}


class DodgeV1ParallelEnv(DodgeParallelEnv):
    """Dodge version 1 with `num_agents` players; documented in `bevy_gym.envs.dodge_v1`."""

    metadata: dict[str, Any] = {**DodgeParallelEnv.metadata, "name": "dodge_v1"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**{**kwargs, **RULES})


def parallel_env(**kwargs: Any) -> DodgeV1ParallelEnv:
    """The dodge v1 ParallelEnv (keyword arguments: see `bevy_gym.envs.dodge_v0`)."""
    return DodgeV1ParallelEnv(**kwargs)


def raw_env(**kwargs: Any) -> AECEnv:
    """The dodge v1 AEC env, converted from the ParallelEnv."""
    return parallel_to_aec(DodgeV1ParallelEnv(**kwargs))


def env(**kwargs: Any) -> AECEnv:
    """The dodge v1 AEC env with PettingZoo's out-of-bounds action check (discrete) or clip."""
    aec = raw_env(**kwargs)
    if kwargs.get("action_space", "discrete") == "discrete":
        return wrappers.AssertOutOfBoundsWrapper(aec)
    return wrappers.ClipOutOfBoundsWrapper(aec)


def _variants() -> tuple[GymVariant, ...]:
    variants = []
    for continuous, pixels, hard in product((False, True), repeat=3):
        name = "Dodge" + "Continuous" * continuous + "Pixels" * pixels + "Hard" * hard
        kwargs = {
            **RULES,
            **({"action_space": "continuous"} if continuous else {}),
            **({"obs_type": "pixels"} if pixels else {}),
            **({"level": 2} if hard else {}),
        }
        variants.append(
            GymVariant(
                f"bevy_gym/{name}-v1",
                kwargs,
                "continuous" if continuous else "discrete",
                entry_point="bevy_gym.envs.dodge:make_env",
                vector_entry_point="bevy_gym.envs.dodge:DodgeVectorEnv",
            )
        )
    return tuple(variants)


GAME = Game(
    name="dodge_v1",
    binary="bevy-dodge",
    pettingzoo_id="bevy_gym/dodge-v1",
    parallel_entry_point="bevy_gym.envs.dodge_v1:parallel_env",
    aec_entry_point="bevy_gym.envs.dodge_v1:env",
    variants=_variants(),
    max_episode_steps=1000,
    install="`make install` (or `pip install ./game`)",
    viewer="bevy-dodge-view",
    viewer_install="`make viewer` (its system packages: `make viewer-deps`)",
)
register_game(GAME)
