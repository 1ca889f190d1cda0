"""Tag, version 1: tag_v0's game with both roles in every arena and ids that name the role.

| Import             | `from bevy_gym.envs import tag_v1`                                      |
|--------------------|-------------------------------------------------------------------------|
| PettingZoo id      | `bevy_gym/tag-v1` (parallel and AEC)                                    |
| Gymnasium ids      | none of its own: the one-agent views (`bevy_gym/TagEvader-v0`, …) are   |
|                    | the same game in both versions, so v1 does not mark them out of date    |
| Agents             | `pursuer_0 …`, `evader_0 …`, numbered across arenas in agent order      |
| Actions            | pursuer Discrete(5) (IDLE, UP, DOWN, LEFT, RIGHT); evader Box(-1, 1, (2,)) |
| Observations       | pursuer Box(-1, 1, (12,)); evader Box(-1, 1, (8,)); or the top-down image |
| Parallel API       | Yes                                                                     |

What changes from `tag_v0` (the server's `--rules-version 1`; docs/tag.md has every detail):

- **Roles per arena**: the first `pursuers` agents *of every arena* pursue, so
  `parallel_env(num_agents=16, arena_mode="separate", agents_per_arena=2)` is 8 separate
  1-pursuer-vs-1-evader arenas (v0 counts `pursuers` over all agents, so separate arenas had to
  be filled with scripted opponents).
- **Role ids**: `pursuer_i` and `evader_j`. Multi-agent libraries group agents into teams by the
  id's prefix (TorchRL's `PettingZooWrapper`, MPE's `adversary_0`/`agent_0`); with v0's
  `agent_N` they put a discrete pursuer and a continuous evader in one group.
- **`pursuer_shaping`** (option, default 0: off): per tick each pursuer agent earns this times how
  much closer it came to the nearest evader in play. A random pursuer catches the scripted
  evader in 0 of 100 episodes (and a random evader in 10), so a learner with the catch bounty
  alone seldom sees a reward; the term is potential-based and can be annealed to zero.

Rules, rewards and episode ends are v0's: same seed and actions, same physics.

``` python
tag_v1.parallel_env(num_agents=2)                                   # one arena, 1 v 1
tag_v1.parallel_env(num_agents=16, arena_mode="separate", agents_per_arena=2)  # 8 arenas
tag_v1.parallel_env(num_agents=8, arena_mode="separate", agents_per_arena=4, pursuers=2)
```

### Arguments
As `tag_v0.parallel_env`, plus `agents_per_arena` (separate arenas; default 2 when the arenas
would otherwise lack a role, 1 with `pursuers=0` or every agent a pursuer) and the option
`pursuer_shaping`. Separate arenas get no scripted opponents unless asked for (`bot_pursuers`,
`bot_evaders`).

### Version history
- v1: roles per arena, role-named ids, the optional pursuit shaping.
- v0: initial release (unchanged).
"""

from __future__ import annotations

from typing import Any

from pettingzoo import AECEnv
from pettingzoo.utils import parallel_to_aec

from bevy_gym.make import make_parallel
from bevy_gym.parallel_env import aec_env
from bevy_gym.registration import Game, Roles, register_game

__all__ = ["GAME", "env", "parallel_env", "raw_env"]

BINARY = "bevy-tag"
MAX_CYCLES = 300
RULES = {"rules_version": 1}


def parallel_env(
    num_agents: int = 2,
    arena_mode: str = "shared",
    agents_per_arena: int | None = None,
    obs_type: str = "vector",
    max_cycles: int = MAX_CYCLES,
    render_mode: str | None = None,
    server_url: str | None = None,
    binary: str | None = None,
    **options: Any,
) -> Any:
    """The tag v1 ParallelEnv: `num_agents` agents; in every arena the first `pursuers`
    (default 1) pursue and the others evade."""
    if arena_mode == "separate" and agents_per_arena is None:
        pursuers = options.get("pursuers", 1)
        agents_per_arena = 1 if pursuers == 0 or pursuers >= num_agents else 2
    par = make_parallel(
        binary=None if server_url else (binary or BINARY),
        url=server_url,
        num_agents=num_agents,
        arena_mode=arena_mode,
        agents_per_arena=agents_per_arena,
        obs_type=obs_type,
        render_mode=render_mode,
        max_cycles=max_cycles,
        **options,
        **RULES,
    )
    par.metadata = {**par.metadata, "name": "tag_v1"}
    return par


def raw_env(**kwargs: Any) -> AECEnv:
    """The tag v1 AEC env, converted from the ParallelEnv."""
    return parallel_to_aec(parallel_env(**kwargs))


def env(**kwargs: Any) -> AECEnv:
    """The tag v1 AEC env, with the action-bounds guard its spaces call for (`aec_env`)."""
    return aec_env(parallel_env(**kwargs))


GAME = Game(
    name="tag_v1",
    binary=BINARY,
    pettingzoo_id="bevy_gym/tag-v1",
    parallel_entry_point="bevy_gym.envs.tag_v1:parallel_env",
    aec_entry_point="bevy_gym.envs.tag_v1:env",
    variants=(),
    max_episode_steps=MAX_CYCLES,
    install="`make install` (or `pip install ./game/tag`)",
    viewer="bevy-tag-view",
    viewer_install="`make viewer` (its system packages: `make viewer-deps`)",
    native_install="`make install` (or `pip install ./game/tag/native`)",
    roles=Roles(
        agents_per_arena=2,
        options={"pursuers": 1, **RULES},
        versus_bots={
            "pursuer": {"pursuers": 1, "bot_evaders": 1, **RULES},
            "evader": {"pursuers": 0, "bot_pursuers": 1, **RULES},
        },
    ),
)
register_game(GAME)
