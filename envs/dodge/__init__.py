"""The dodge game's environments (PettingZoo and Gymnasium); the versioned entry point and its
documentation is `bevy_gym.envs.dodge_v0`."""

from bevy_gym.envs.dodge.config import ACTION_NAMES, DodgeConfig
from bevy_gym.envs.dodge.gym_env import DodgeEnv, DodgeVectorEnv, make_env
from bevy_gym.envs.dodge.parallel import DodgeParallelEnv, env, parallel_env, raw_env

__all__ = [
    "ACTION_NAMES",
    "DodgeConfig",
    "DodgeEnv",
    "DodgeParallelEnv",
    "DodgeVectorEnv",
    "env",
    "make_env",
    "parallel_env",
    "raw_env",
]
