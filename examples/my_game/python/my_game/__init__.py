"""my_game for bevy_gym: registers the game (its Gymnasium ids and PettingZoo id) when bevy_gym
loads its `bevy_gym.envs` entry points, and builds its environments from the `my-game` server's
spec: no environment class of its own.

    import bevy_gym
    par = bevy_gym.make_parallel("my_game", num_agents=4)       # PettingZoo, one shared arena
    env = gymnasium.make("my_game/MyGameContinuous-v0")         # Gymnasium, one agent
"""

# ANCHOR: register
from __future__ import annotations

from typing import Any

from pettingzoo.utils import parallel_to_aec

import bevy_gym
from bevy_gym import Game, GymVariant

BINARY = "my-game"
MAX_CYCLES = 200  # the server's DEFAULT_MAX_EPISODE_STEPS


def parallel_env(num_agents: int = 2, max_cycles: int = MAX_CYCLES, **kwargs: Any) -> Any:
    """The PettingZoo ParallelEnv: `num_agents` agents in one shared arena (or
    `arena_mode="separate"`); the game's options (`action_space`, `target_radius`,
    `image_size`) and `obs_type`, `render_mode` by keyword."""
    return bevy_gym.make_parallel(
        binary=BINARY, num_agents=num_agents, max_cycles=max_cycles, **kwargs
    )


def env(**kwargs: Any) -> Any:
    """The PettingZoo AEC env, converted from the ParallelEnv."""
    return parallel_to_aec(parallel_env(**kwargs))


raw_env = env


def _variants() -> tuple[GymVariant, ...]:
    """One Gymnasium id per action space and observation type; `--env my_game` in algos/ picks
    the first whose actions the script handles."""
    variants = []
    for obs, suffix in (("vector", ""), ("pixels", "Pixels")):
        for action, name in (("discrete", ""), ("continuous", "Continuous")):
            kwargs = {"action_space": action, "obs_type": obs}
            variants.append(GymVariant(f"my_game/MyGame{name}{suffix}-v0", kwargs, action))
    return tuple(variants)


GAME = Game(
    name="my_game",
    binary=BINARY,
    pettingzoo_id="my_game/my_game-v0",
    parallel_entry_point="my_game:parallel_env",
    aec_entry_point="my_game:env",
    variants=_variants(),
    max_episode_steps=MAX_CYCLES,
    install="`pip install .` in the my_game folder",
    viewer="my-game-view",  # render_mode="human" launches it
    viewer_install="`cargo install --path . --features viewer --bin my-game-view` in my_game",
    native_install="`pip install ./native` in the my_game folder",  # backend="native"
)
bevy_gym.register_game(GAME)
# ANCHOR_END: register
