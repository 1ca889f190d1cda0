"""Tag, version 0: pursuers chase evaders in a walled square; two roles, two kinds of action.

| Import             | `from bevy_gym.envs import tag_v0`                                     |
|--------------------|------------------------------------------------------------------------|
| PettingZoo id      | `bevy_gym/tag-v0` (parallel and AEC)                                   |
| Gymnasium ids      | `bevy_gym/TagEvader-v0` (continuous; one evader vs a scripted pursuer), |
|                    | `bevy_gym/TagPursuer-v0` (discrete; one pursuer vs a scripted evader), |
|                    | and their `…Pixels-v0` variants                                        |
| Agents             | `agent_0 … agent_{P-1}` pursuers, then evaders; P = `pursuers`         |
| Actions            | pursuer Discrete(5) (IDLE, UP, DOWN, LEFT, RIGHT); evader Box(-1, 1, (2,)) |
| Observations       | pursuer Box(-1, 1, (12,)); evader Box(-1, 1, (8,)); or the top-down image |
| Parallel API       | Yes                                                                    |

The game runs in the `bevy-tag` server (built by `make install`), a second game on the unchanged
`bevy_gym_server` plugin, and the worked example of
[docs/make_your_game_trainable.md](https://github.com/bevy-gym/bevy_gym/blob/main/docs/make_your_game_trainable.md).
Its rules, observation tables, rewards and options are documented once, in
[docs/tag.md](https://github.com/bevy-gym/bevy_gym/blob/main/docs/tag.md). This module has no
class of its own: every environment is built from the server's spec by `bevy_gym.make*`.

In short: a caught evader gets −10 and is done; the arena's pursuer agents share +10 per catch;
per tick pursuers pay 0.01 and live evaders earn 0.01; pursuers are done when no evader is left.
Agents therefore finish at different times. `bot_pursuers` and `bot_evaders` add scripted
players to every arena, which is what makes the one-agent Gymnasium views possible.

### Arguments
``` python
tag_v0.parallel_env(num_agents=3, arena_mode="shared", obs_type="vector", max_cycles=300,
                    render_mode=None, server_url=None, binary=None, **options)
```
- `num_agents`, `arena_mode`: agents, and `"shared"` (one arena) or `"separate"` (one each).
- `options`: the game's options by name (`pursuers`, `bot_pursuers`, `bot_evaders`,
  `pursuer_speed`, `evader_speed`, `catch_radius`, `image_size`; `action_repeat`), checked by the
  game itself; `bevy-tag --help` lists them with ranges and defaults.
- `server_url`: a running `bevy-tag` instead of launching one; `binary`: its path.

### Version history
- v0: initial release.
"""

from __future__ import annotations

from typing import Any

from pettingzoo import AECEnv
from pettingzoo.utils import parallel_to_aec

from bevy_gym.make import make_parallel
from bevy_gym.parallel_env import aec_env
from bevy_gym.registration import Game, GymVariant, register_game

__all__ = ["GAME", "env", "parallel_env", "raw_env"]

BINARY = "bevy-tag"
MAX_CYCLES = 300


def parallel_env(
    num_agents: int = 3,
    arena_mode: str = "shared",
    obs_type: str = "vector",
    max_cycles: int = MAX_CYCLES,
    render_mode: str | None = None,
    server_url: str | None = None,
    binary: str | None = None,
    **options: Any,
) -> Any:
    """The tag ParallelEnv: `num_agents` agents, the first `pursuers` (default 1) pursuing."""
    if arena_mode == "separate":  # each arena needs an opponent: scripted ones by default
        options = {"bot_pursuers": 1, "bot_evaders": 1, **options}
    par = make_parallel(
        binary=None if server_url else (binary or BINARY),
        url=server_url,
        num_agents=num_agents,
        arena_mode=arena_mode,
        obs_type=obs_type,
        render_mode=render_mode,
        max_cycles=max_cycles,
        **options,
    )
    par.metadata = {**par.metadata, "name": "tag_v0"}
    return par


def raw_env(**kwargs: Any) -> AECEnv:
    """The tag AEC env, converted from the ParallelEnv."""
    return parallel_to_aec(parallel_env(**kwargs))


def env(**kwargs: Any) -> AECEnv:
    """The tag AEC env, with the action-bounds guard its spaces call for (`aec_env`: none when
    pursuers and evaders both play, Discrete against Box)."""
    return aec_env(parallel_env(**kwargs))


def _variants() -> tuple[GymVariant, ...]:
    roles = (
        ("Evader", "continuous", {"pursuers": 0, "bot_pursuers": 1}, "tag-evader"),
        # Every agent a pursuer (the game caps `pursuers` at the number of agents), so that the
        # N arenas of a vector env each hold one pursuer against a scripted evader.
        ("Pursuer", "discrete", {"pursuers": 4096, "bot_evaders": 1}, "tag-pursuer"),
    )
    variants = []
    for pixels in (False, True):
        for role, action, kwargs, alias in roles:
            suffix = "Pixels" if pixels else ""
            variants.append(
                GymVariant(
                    f"bevy_gym/Tag{role}{suffix}-v0",
                    {**kwargs, **({"obs_type": "pixels"} if pixels else {})},
                    action,
                    aliases=() if pixels else (alias,),
                )
            )
    return tuple(variants)


GAME = Game(
    name="tag",
    binary=BINARY,
    pettingzoo_id="bevy_gym/tag-v0",
    parallel_entry_point="bevy_gym.envs.tag_v0:parallel_env",
    aec_entry_point="bevy_gym.envs.tag_v0:env",
    variants=_variants(),
    max_episode_steps=MAX_CYCLES,
    install="`make install` (or `pip install ./game/tag`)",
    viewer="bevy-tag-view",
    viewer_install="`make viewer` (its system packages: `make viewer-deps`)",
    native_install="`make install` (or `pip install ./game/tag/native`)",
)
register_game(GAME)
