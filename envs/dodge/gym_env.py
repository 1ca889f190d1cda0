"""Dodge as Gymnasium environments: one agent (`DodgeEnv`, `bevy_gym/Dodge-v0`) and the vector
env of N separate arenas on one server (`DodgeVectorEnv`, used by `gymnasium.make_vec`). Their
keyword arguments are DodgeConfig's (`dodge_arguments`)."""

from __future__ import annotations

import inspect
from typing import Any

from gymnasium.vector import AutoresetMode

from bevy_gym.envs.dodge.config import MULTI_AGENT, DodgeConfig, bind_arguments, dodge_arguments
from bevy_gym.gym_env import BevyEnv
from bevy_gym.make import registered_entry_point
from bevy_gym.vector_env import BevyVectorEnv

__all__ = ["DodgeEnv", "DodgeVectorEnv", "make_env"]


@dodge_arguments(exclude=MULTI_AGENT)
class DodgeEnv(BevyEnv):
    """One dodge player; documented in `bevy_gym.envs.dodge_v0`.

    `max_episode_steps` is enforced by the server (truncation). Through `gymnasium.make` the
    registered TimeLimit does that job instead (see `make_env`)."""

    metadata: dict[str, Any] = {"render_modes": ["human", "rgb_array"], "render_fps": 15}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.config = DodgeConfig(num_agents=1, **bind_arguments(DodgeEnv, args, kwargs))
        super().__init__(self.config.remote(), render_mode=self.config.render_mode)


make_env = registered_entry_point(DodgeEnv)  # gymnasium.make's entry point for dodge's ids

_KW = inspect.Parameter.POSITIONAL_OR_KEYWORD


@dodge_arguments(
    exclude=MULTI_AGENT,
    first=[inspect.Parameter("num_envs", _KW, default=1, annotation=int)],
    last=[
        inspect.Parameter(
            "autoreset_mode",
            _KW,
            default=AutoresetMode.NEXT_STEP,
            annotation=AutoresetMode | str,
        ),
        inspect.Parameter("copy", _KW, default=True, annotation=bool),
    ],
)
class DodgeVectorEnv(BevyVectorEnv):
    """`num_envs` dodge players, each alone in its arena of one server, stepped in one request."""

    metadata: dict[str, Any] = {**BevyVectorEnv.metadata, "render_modes": ["human", "rgb_array"]}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        given = bind_arguments(DodgeVectorEnv, args, kwargs)
        num_envs, autoreset_mode = given.pop("num_envs"), given.pop("autoreset_mode")
        copy = given.pop("copy")
        self.config = DodgeConfig(num_agents=num_envs, arena_mode="separate", **given)
        super().__init__(
            self.config.remote(),
            render_mode=self.config.render_mode,
            autoreset_mode=autoreset_mode,
            copy=copy,
        )
