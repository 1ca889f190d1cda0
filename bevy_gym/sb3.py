"""Stable-Baselines3 on the native vector env: N arenas of ONE game server as an SB3 `VecEnv`,
with the `train` extra (which brings SB3):

    from stable_baselines3 import PPO
    from bevy_gym.sb3 import sb3_vec_env

    vec = sb3_vec_env("bevy_gym/Dodge-v0", num_envs=8)   # one bevy-dodge, 8 arenas
    PPO("MlpPolicy", vec).learn(100_000)

SB3 takes only its own `VecEnv` class, so without this a Gymnasium vector env
(`gym.make_vec(...)`) is refused and SB3 users start one server per env (`make_vec_env`).
`SB3VecEnv` speaks SB3's API over any Gymnasium vector env whose autoreset mode is SAME_STEP:
an arena that finishes is reset in the same `step_wait` (one extra reset request for all the
arenas that finished on that step), its last observation in `infos[i]["terminal_observation"]`
and `infos[i]["TimeLimit.truncated"]` set as SB3 expects. This module imports SB3; the rest
of bevy_gym never does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode
from stable_baselines3.common.vec_env import VecEnv, VecMonitor
from stable_baselines3.common.vec_env.base_vec_env import VecEnvIndices, VecEnvStepReturn

from bevy_gym.make import make_vec

__all__ = ["SB3VecEnv", "sb3_vec_env"]


class SB3VecEnv(VecEnv):
    """An SB3 `VecEnv` over a Gymnasium vector env `venv` in SAME_STEP autoreset mode (e.g.
    `bevy_gym.make_vec(..., autoreset_mode="SameStep")`): one request a step to its server.

    Sub-environment i is arena i. `seed(s)` seeds arena i from stream (s, i) at the next reset
    (SB3 gives env i the seed s + i; the server's streams serve the same purpose in one request).
    Attributes and methods (`get_attr`, `env_method`) are the vector env's, one per arena."""

    def __init__(self, venv: gym.vector.VectorEnv) -> None:
        mode = venv.metadata.get("autoreset_mode")
        if mode != AutoresetMode.SAME_STEP:
            raise ValueError(
                f"SB3VecEnv needs a vector env with autoreset_mode=SAME_STEP (SB3 resets a "
                f"finished env within the step), got {mode}: build it with "
                "make_vec(..., autoreset_mode='SameStep'), or use sb3_vec_env(...)"
            )
        self.vector_env = venv  # not `venv`: SB3 reads that name as a VecEnvWrapper's inner env
        super().__init__(venv.num_envs, venv.single_observation_space, venv.single_action_space)
        self._actions: np.ndarray | None = None

    def reset(self) -> np.ndarray:
        """Reset every arena, with the seeds and options given since the last reset."""
        seeds, options = self._seeds, self._options
        seed: int | list[int | None] | None = None
        if any(s is not None for s in seeds):
            first = seeds[0]
            consecutive = first is not None and seeds == [first + i for i in range(self.num_envs)]
            seed = first if consecutive else list(seeds)
        if any(o != options[0] for o in options):
            raise ValueError("SB3VecEnv resets every arena with the same options; got several")
        obs, _ = self.vector_env.reset(seed=seed, options=options[0] or None)
        self._reset_seeds()
        self._reset_options()
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        """Keep the actions for `step_wait` (the step is one request, sent there)."""
        self._actions = actions

    def step_wait(self) -> VecEnvStepReturn:
        """Step every arena; finished ones come back reset, their last observation in infos."""
        assert self._actions is not None, "step_wait() without step_async()"
        obs, rewards, terminated, truncated, infos = self.vector_env.step(self._actions)
        self._actions = None
        dones = terminated | truncated
        per_env = [
            {"TimeLimit.truncated": bool(truncated[i] and not terminated[i])}
            for i in range(self.num_envs)
        ]
        for key, value in infos.items():
            mask = infos.get(f"_{key}")
            if key.startswith("_") or key == "final_info" or mask is None:
                continue
            name = "terminal_observation" if key == "final_obs" else key
            for i in np.flatnonzero(mask):
                per_env[i][name] = value[i]
        return obs, rewards.astype(np.float32), dones, per_env

    def close(self) -> None:
        """Close the vector env (and stop its server)."""
        self.vector_env.close()

    def get_images(self) -> Sequence[np.ndarray | None]:
        """Each arena's RGB frame (render_mode="rgb_array")."""
        frames = self.vector_env.render()
        return list(frames) if frames is not None else [None] * self.num_envs

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        """The vector env's attribute, once per arena in `indices`."""
        value = getattr(self.vector_env, attr_name)
        return [value for _ in self._get_indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        """Set the vector env's attribute (its arenas share it)."""
        setattr(self.vector_env, attr_name, value)

    def env_method(
        self, method_name: str, *method_args: Any, indices: VecEnvIndices = None, **kwargs: Any
    ) -> list[Any]:
        """Call the vector env's method once; its result stands for every arena in `indices`."""
        result = getattr(self.vector_env, method_name)(*method_args, **kwargs)
        return [result for _ in self._get_indices(indices)]

    def env_is_wrapped(
        self, wrapper_class: type[gym.Wrapper], indices: VecEnvIndices = None
    ) -> list[bool]:
        """Arenas are not Gymnasium envs: none is wrapped."""
        return [False for _ in self._get_indices(indices)]


def sb3_vec_env(env_id: str | None = None, *, num_envs: int = 8, **kwargs: Any) -> VecMonitor:
    """`num_envs` arenas of one server as an SB3 VecEnv, inside SB3's `VecMonitor` (episode
    returns and lengths in SB3's logs, as its `make_vec_env` gives): `env_id` and `kwargs` as
    for `bevy_gym.make_vec` (a registered id, or `binary=`/`url=` and the game's options)."""
    venv = make_vec(env_id, num_envs=num_envs, autoreset_mode=AutoresetMode.SAME_STEP, **kwargs)
    return VecMonitor(SB3VecEnv(venv))
