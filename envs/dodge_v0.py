"""Dodge, version 0: players in a walled arena evade ballistic projectiles.

| Import             | `from bevy_gym.envs import dodge_v0`                                  |
|--------------------|-----------------------------------------------------------------------|
| PettingZoo id      | `bevy_gym/dodge-v0` (parallel and AEC)                                |
| Gymnasium ids      | `bevy_gym/Dodge-v0` (one agent; `make_vec` for N arenas), and one id   |
|                    | per variant: `Dodge[Continuous][Pixels][Hard]-v0` (see below)         |
| Actions            | Discrete(5) or Box(-1, 1, (3,), float32)                              |
| Parallel API       | Yes                                                                   |
| Manual control     | No                                                                    |
| Agents             | `["agent_0", ..., "agent_{N-1}"]`, N = `num_agents` (default 4)      |
| Action shape       | () discrete, (3,) continuous                                          |
| Observation shape  | (72,) vector; (S, S, 3) pixels, (S, S, 1) grayscale; S = `image_size` |
| Observation values | [-1, 1] float32 (vector), [0, 255] uint8 (pixels)                     |
| State shape        | (72·N,) float32 in [-1, 1]                                             |

The game runs in the `bevy-dodge` server (a headless Bevy app, built by `make install`); each
environment starts its own server on a free port unless `server_url` names a running one. Every
step applies the actions and advances exactly `action_repeat` fixed ticks of 1/60 s; nothing
depends on wall-clock time, and the same seed and actions give bit-identical episodes.

### Arenas
`arena_mode="shared"` (PettingZoo's default) puts every agent in one arena, where they see each
other; `"separate"` gives each agent its own copy of the game, stepped together (this is how
`gymnasium.make_vec("bevy_gym/Dodge-v0", num_envs=N)` runs N games on one server).

### Observation space
`obs_type="vector"`: 72 floats, agent-relative, scaled to about [-1, 1] and clipped there: own
position and velocity, the 10 nearest projectiles (offset and velocity) and the 4 nearest other
players. The index-by-index table is in
[docs/dodge.md](https://github.com/bevy-gym/bevy_gym/blob/main/docs/dodge.md#observation-vector-72-float32-in-1-1),
the one place it is kept.

`obs_type="pixels"`: the agent's top-down image, `image_size`² RGB (or one grayscale channel
with `grayscale=True`), uint8.

### Action space
`action_space="discrete"`: Discrete(5) = IDLE, UP, DOWN, LEFT, RIGHT (walk one way at walking
speed, 5 units/s). `action_space="continuous"`: Box(-1, 1, (3,)) = [vx, vy, sprint]: (vx, vy)
times the speed, where sprint in [-1, 1] scales the speed from walking up to
(1 + sprint_multiplier) times walking.

### Rewards
Summed over the step's `action_repeat` ticks. Per tick: +1 for surviving, plus a near-miss bonus
of up to +1 ((2 − distance) × 0.5 while the nearest projectile is within 2 units); being hit gives
−100 instead and ends the agent's episode.

### Starting state
Players start at the centre (one agent) or on a grid over the play zone. Projectiles are thrown
at the players every 2 s (level 1; flight time 2 s, at most 10 in flight per player) or every
0.5 s from random points of the spawn arc (level 2; flight time 0.8 s, at most 25).

### Episode end
- Termination: the agent is hit by a projectile (it leaves `agents`; its arena freezes once
  all its agents are done).
- Truncation: `max_cycles` (PettingZoo) / `max_episode_steps` (Gymnasium) steps have passed
  (default 1000; 0 disables truncation).

### Arguments
``` python
dodge_v0.parallel_env(num_agents=4, arena_mode="shared", action_space="discrete",
                      obs_type="vector", level=1, max_cycles=1000, render_mode=None,
                      image_size=84, grayscale=False, action_repeat=4, server_url=None,
                      binary=None)
gymnasium.make("bevy_gym/Dodge-v0", action_space="discrete", obs_type="vector", level=1,
               max_episode_steps=1000, render_mode=None, image_size=84, grayscale=False,
               action_repeat=4, server_url=None, binary=None)
gymnasium.make_vec("bevy_gym/Dodge-v0", num_envs=8, ...)  # same keywords, one server
```
- `num_agents`: players (PettingZoo only; the vector env's `num_envs`).
- `arena_mode`: `"shared"` or `"separate"` (PettingZoo only).
- `action_space`: `"discrete"` or `"continuous"`.
- `obs_type`: `"vector"` or `"pixels"`.
- `level`: 1 or 2 (2 is faster and denser).
- `max_cycles` / `max_episode_steps`: steps before truncation.
- `render_mode`: `"rgb_array"`: `render()` returns the top-down RGB frame(s); `"human"`: launches
  the windowed server `bevy-dodge-view` instead (`make viewer`; needs a display), which draws
  every step in 3D ([docs/viewer.md](https://github.com/bevy-gym/bevy_gym/blob/main/docs/viewer.md)).
- `image_size`, `grayscale`: the pixel observation's side in pixels (32–512) and colour.
- `image_source`: `"raster"` (the top-down image, drawn in microseconds) or `"camera"` (the 3D
  scene of the view, rendered by Bevy's cameras with no window; a `bevy-dodge` built by
  `make camera`: [docs/camera.md](https://github.com/bevy-gym/bevy_gym/blob/main/docs/camera.md)).
- `action_repeat`: simulation ticks per step (1–1000).
- `server_url`: connect to a running `bevy-dodge` (`http://127.0.0.1:PORT`) instead of launching
  one; the configuration is then applied through its reset options.
- `binary`: the path of `bevy-dodge` (default: the active environment's scripts dir, then PATH).

Seeds go through `reset(seed=...)`. `render()` returns each agent's frame side by side (H × W·N ×
3); `state()` returns every agent's vector observation concatenated (`state_space`).

### Gymnasium ids
Scripts that take only an env id reach every variant: `bevy_gym/Dodge-v0` (discrete, vector,
level 1), with `Continuous` for `action_space="continuous"`, `Pixels` for `obs_type="pixels"` and
`Hard` for `level=2`, in that order: e.g. `bevy_gym/DodgeContinuousHard-v0` is what
`python algos/sac_continuous.py --env dodge` trains, and CleanRL's
`--env-id bevy_gym:bevy_gym/DodgeContinuous-v0` works unmodified.

### Version history
- v0: initial release.
"""

from bevy_gym.envs.dodge.parallel import env, parallel_env, raw_env
from bevy_gym.envs.dodge.registry import dodge_game
from bevy_gym.registration import register_game

__all__ = ["GAME", "env", "parallel_env", "raw_env"]

GAME = dodge_game(0)
register_game(GAME)
