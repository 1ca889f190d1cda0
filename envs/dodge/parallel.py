"""Dodge as a PettingZoo environment: the ParallelEnv (`parallel_env`), and the AEC versions
(`raw_env` via parallel_to_aec, `env` with PettingZoo's action-bounds wrapper). Its keyword
arguments are DodgeConfig's (`dodge_arguments`), `max_episode_steps` named `max_cycles`."""

from __future__ import annotations

import inspect
from typing import Any

from pettingzoo import AECEnv
from pettingzoo.utils import parallel_to_aec

from bevy_gym.envs.dodge.config import DodgeConfig, bind_arguments, dodge_arguments
from bevy_gym.parallel_env import BevyParallelEnv, aec_env

__all__ = ["DodgeParallelEnv", "env", "parallel_env", "raw_env"]


@dodge_arguments(
    rename={"max_episode_steps": "max_cycles"},
    defaults={"num_agents": 4},
    last=[
        inspect.Parameter(
            "num_dodgers",
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=None,
            annotation=int | None,
        )
    ],
)
class DodgeParallelEnv(BevyParallelEnv):
    """Dodge with `num_agents` (or `num_dodgers`) players and `num_throwers` learnable throwers;
    documented in `bevy_gym.envs.dodge_v0` and `dodge_v1`."""

    metadata: dict[str, Any] = {
        "render_modes": ["human", "rgb_array"],
        "name": "dodge_v0",
        "is_parallelizable": True,
        "render_fps": 15,  # one step = action_repeat (4) ticks of 1/60 s
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        given = bind_arguments(DodgeParallelEnv, args, kwargs)
        dodgers = given.pop("num_dodgers")
        if dodgers is not None:
            given["num_agents"] = dodgers
        self.config = DodgeConfig(**given)
        super().__init__(self.config.remote(), render_mode=self.config.render_mode)
        # PettingZoo's versioned name: the rules version is the env's version.
        self.metadata = {**type(self).metadata, "name": f"dodge_v{self.config.rules_version}"}


def parallel_env(*args: Any, **kwargs: Any) -> DodgeParallelEnv:
    """The dodge ParallelEnv (keyword arguments: see `bevy_gym.envs.dodge_v0`)."""
    return DodgeParallelEnv(*args, **kwargs)


def raw_env(*args: Any, **kwargs: Any) -> AECEnv:
    """The dodge AEC env, converted from the ParallelEnv."""
    return parallel_to_aec(DodgeParallelEnv(*args, **kwargs))


def env(*args: Any, **kwargs: Any) -> AECEnv:
    """The dodge AEC env with PettingZoo's out-of-bounds action check (discrete actions) or clip
    (continuous ones), as its action spaces call for (`bevy_gym.aec_env`)."""
    return aec_env(DodgeParallelEnv(*args, **kwargs))


for _function in (parallel_env, raw_env, env):  # help() lists the class's keyword arguments
    _function.__signature__ = DodgeParallelEnv.__signature__  # type: ignore[attr-defined]
