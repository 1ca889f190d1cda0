"""Dodge, version 1: dodge_v0 plus the rest of the seed game — the thrower's warning, jumping
over balls, the seed's continuous action variants, and learnable throwers.

| Import             | `from bevy_gym.envs import dodge_v1`                                  |
|--------------------|-----------------------------------------------------------------------|
| PettingZoo id      | `bevy_gym/dodge-v1` (parallel and AEC)                                |
| Gymnasium ids      | `bevy_gym/DodgeJump-v1`, `DodgeJump[Continuous][Pixels][Hard]-v1`      |
| Actions            | Discrete(6) or Box(-1, 1, (4,), float32) (and the seed's variants);   |
|                    | throwers: Box(-1, 1, (1,), float32)                                   |
| Parallel API       | Yes                                                                   |
| Agents             | `dodger_0 … dodger_{D-1}`, then `thrower_0 …`; D = `num_dodgers`      |
|                    | (or `num_agents`, default 4), `num_throwers` (default 0)              |
| Observation shape  | (78,) vector (throwers: (8,)); (S, S, 3) pixels, (S, S, 1) grayscale  |
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

- **Learnable throwers** (`num_throwers`): agents that aim the next ball on the spawn arc
  (Box(1) → ±`spawn_angle_degrees`), +100 a hit, −0.1 a step; their observation is their target
  dodger's position and velocity, the time to the throw and whether their aim is fixed. Shared
  arena: every dodger and thrower together; separate arenas: one dodger each, `num_throwers` a
  multiple of `num_dodgers`. Without throwers the scripted thrower throws, as in v0.
- **Agent ids** say the role: `dodger_i`, `thrower_j`.

``` python
dodge_v1.parallel_env(num_agents=4, arena_mode="shared", action_space="discrete", ...)
dodge_v1.parallel_env(num_dodgers=2, num_throwers=1)  # heterogeneous spaces
gymnasium.make("bevy_gym/DodgeJumpContinuous-v1")   # [vx, vy, sprint, jump]
```

Its Gymnasium ids have a name of their own, `DodgeJump`: beside `Dodge-v1`, Gymnasium told every
user of `Dodge-v0` to "upgrade" to a different game (docs/dodge.md, "Gymnasium ids"). The first
names (`bevy_gym/Dodge-v1`, ...) still resolve through `bevy_gym.make` and `bevy_gym.resolve`.

### Version history
- v1: Gymnasium ids renamed `DodgeJump…-v1` (were `Dodge…-v1`); rules unchanged.
- v1: the thrower's warning, jumping, the seed's action variants, learnable throwers, role ids.
- v0: initial release (unchanged: same seed and actions give the same episode).
"""

from __future__ import annotations

import inspect
from typing import Any

from pettingzoo import AECEnv

from bevy_gym.envs.dodge import parallel
from bevy_gym.envs.dodge.parallel import DodgeParallelEnv
from bevy_gym.envs.dodge.registry import dodge_game
from bevy_gym.registration import register_game

__all__ = ["GAME", "env", "parallel_env", "raw_env"]

RULES = {"rules_version": 1}


def parallel_env(*args: Any, **kwargs: Any) -> DodgeParallelEnv:
    """The dodge v1 ParallelEnv (keyword arguments: see `bevy_gym.envs.dodge_v0`)."""
    return parallel.parallel_env(*args, **kwargs, **RULES)


def raw_env(*args: Any, **kwargs: Any) -> AECEnv:
    """The dodge v1 AEC env, converted from the ParallelEnv."""
    return parallel.raw_env(*args, **kwargs, **RULES)


def env(*args: Any, **kwargs: Any) -> AECEnv:
    """The dodge v1 AEC env with PettingZoo's out-of-bounds action check (discrete) or clip."""
    return parallel.env(*args, **kwargs, **RULES)


_SIGNATURE: inspect.Signature = DodgeParallelEnv.__signature__  # type: ignore[attr-defined]
for _function in (parallel_env, raw_env, env):  # help(): dodge's arguments but the fixed rules
    _function.__signature__ = _SIGNATURE.replace(  # type: ignore[attr-defined]
        parameters=[p for name, p in _SIGNATURE.parameters.items() if name not in RULES]
    )

GAME = dodge_game(1)
register_game(GAME)
