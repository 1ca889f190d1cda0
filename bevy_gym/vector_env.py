"""A Gymnasium VectorEnv backed by ONE server in separate-arena mode: sub-environment i is arena i,
all stepped in one binary request. Autoreset follows Gymnasium 1.x: next-step by default, done
in the same round trip through the binary step's `reset=` list; same-step and disabled also work.
step() before reset() raises ResetNeeded, any use after close() ClosedEnvironmentError."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium import logger
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from bevy_gym.game_server import GameServer, check_options, check_remote, check_started
from bevy_gym.parallel_env import check_render_mode

__all__ = ["BevyVectorEnv"]


class BevyVectorEnv(VectorEnv):
    """`num_envs` independent copies of a one-agent game, as the arenas of one server (`remote`).

    The server must run in `separate` arena mode with one agent per arena (agent i = arena i).
    `autoreset_mode`: NEXT_STEP (default; no extra round trip), SAME_STEP (one extra reset
    request on steps where an arena finished; `final_obs`/`final_info` in infos) or DISABLED
    (reset arenas yourself with `reset(options={"reset_mask": mask})`; until then a finished
    arena answers reward 0 and the same flags). `copy=False` lets observations be arrays that the
    next step overwrites (the native backend then allocates nothing per step)."""

    metadata: dict[str, Any] = {
        "render_modes": ["rgb_array", "human"],
        "render_fps": 15,
        "autoreset_mode": AutoresetMode.NEXT_STEP,
    }

    def __init__(
        self,
        remote: GameServer,
        *,
        render_mode: str | None = None,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        copy: bool = True,
    ) -> None:
        self.render_mode = check_render_mode(render_mode, self.metadata)
        self.autoreset_mode = AutoresetMode(autoreset_mode)
        self.metadata = {**type(self).metadata, "autoreset_mode": self.autoreset_mode}
        self._remote = check_remote(remote)
        self.copy = copy
        remote.copy = copy
        if remote.spec.arena_mode != "separate" or remote.spec.num_arenas != remote.num_agents:
            raise ValueError("BevyVectorEnv needs a server in separate arena mode (one agent each)")
        self.num_envs = remote.num_agents
        self.single_observation_space = remote.observation_space(0)
        self.single_action_space = remote.action_space(0)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._autoreset = np.zeros(self.num_envs, dtype=bool)
        self._started = False  # reset() has been called

    @property
    def remote(self) -> GameServer:
        """The server behind this environment."""
        return self._remote

    def reset(
        self,
        *,
        seed: int | Sequence[int | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset all arenas (or those in `options["reset_mask"]`), seeding the server.

        An int seed reseeds every arena (arena i draws from stream (seed, i)); a list gives each
        arena its own seed (one request per seeded arena)."""
        options = check_options(options)
        mask = options.pop("reset_mask", None)
        if isinstance(seed, int) or seed is None:
            self._np_random, self._np_random_seed = seeding.np_random(seed)
        if mask is not None:
            arenas = np.flatnonzero(np.asarray(mask, dtype=bool)).tolist()
            seeds = _per_arena(seed, self.num_envs)
            res = None
            for i in arenas:
                res = self._remote.reset(seed=seeds[i], arenas=[i])
            if res is None:
                res_obs = self._remote.observe(self._remote.obs_type)
            else:
                res_obs = res.observations
            self._autoreset[arenas] = False
            self._started = self._started or res is not None
            assert res_obs is not None
            return res_obs, {}
        if seed is None or isinstance(seed, int):
            res = self._remote.reset(seed=seed, options=options or None)
        else:
            seeds = _per_arena(seed, self.num_envs)
            res = self._remote.reset(options=options or None)
            for i, s in enumerate(seeds):
                if s is not None:
                    res = self._remote.reset(seed=s, arenas=[i])
        self._autoreset[:] = False
        self._started = True
        assert res.observations is not None
        return res.observations, {}

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every arena in one request; arenas that finished last step are reset instead."""
        if not self._started:
            check_started(self, self._remote, self._started)
        reset = None
        if self.autoreset_mode == AutoresetMode.NEXT_STEP and self._autoreset.any():
            reset = np.flatnonzero(self._autoreset).tolist()
        res = self._remote.step(actions, reset_arenas=reset)
        observations = res.observations
        assert observations is not None
        terminated = res.terminated.copy()
        truncated = res.truncated.copy()
        done = terminated | truncated
        infos: dict[str, Any] = {}
        if self.autoreset_mode == AutoresetMode.NEXT_STEP:
            self._autoreset = done
        elif self.autoreset_mode == AutoresetMode.SAME_STEP and done.any():
            finished = np.flatnonzero(done).tolist()
            fresh = self._remote.reset(arenas=finished).observations
            assert fresh is not None
            final_obs = np.full(self.num_envs, None, dtype=object)
            for i in finished:
                final_obs[i] = observations[i]
            infos = {
                "final_obs": final_obs,
                "_final_obs": done.copy(),
                "final_info": {},
                "_final_info": done.copy(),
            }
            observations = np.where(
                done.reshape(-1, *([1] * (observations.ndim - 1))), fresh, observations
            )
        if self._remote.last_restart:
            # Gymnasium's vector info layout: a value per env plus its `_key` mask.
            infos["server_restarted"] = np.full(self.num_envs, self._remote.last_restart, object)
            infos["_server_restarted"] = np.ones(self.num_envs, bool)
        return observations, res.rewards.astype(np.float64), terminated, truncated, infos

    def render(self) -> tuple[np.ndarray, ...] | None:
        """Each arena's top-down RGB frame, (H, W, 3) uint8."""
        if self.render_mode != "rgb_array":
            if self.render_mode is None:
                logger.warn("render() called without render_mode; pass render_mode='rgb_array'")
            return None  # "human": the game's own window shows every step
        return tuple(self._remote.frames())

    def close_extras(self, **kwargs: Any) -> None:
        """Stop the server if this environment launched it."""
        # Absent when the constructor failed (a refused setting): Gymnasium's __del__ still
        # closes, and must not bury the refusal under an AttributeError.
        remote = getattr(self, "_remote", None)
        if remote is not None:
            remote.close()


def _per_arena(seed: Any, n: int) -> list[int | None]:
    if seed is None:
        return [None] * n
    if isinstance(seed, int):
        # The server already gives arena i its own stream (seed, i): no need to offset seeds.
        return [seed] * n
    seeds = list(seed)
    if len(seeds) != n:
        raise ValueError(f"expected {n} seeds, got {len(seeds)}")
    return seeds
