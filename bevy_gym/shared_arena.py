"""Parameter sharing: the agents of one PettingZoo parallel env (one shared arena) as the slots of
a Gymnasium vector env, so a single-agent algorithm trains one policy for every player."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

__all__ = ["SharedArenaVectorEnv"]


class SharedArenaVectorEnv(gym.vector.VectorEnv):
    """Slot *i* is agent *i* of `par` (all agents must share their spaces).

    A done agent waits: its slot repeats its last observation with reward 0 and is not
    `infos["live"]` (so a learner adds no transitions for it) until every agent is done; then the
    arena resets and all restart in the same step (same-step autoreset: the last observation of
    each agent that finished is in `infos["final_obs"]`, its return and length in
    `infos["episode"]`, masked by `infos["_final_obs"]` / `infos["_episode"]`)."""

    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP}

    def __init__(self, par: Any) -> None:
        self.par = par
        self.agents = list(par.possible_agents)
        self.num_envs = len(self.agents)
        self.single_observation_space = par.observation_space(self.agents[0])
        self.single_action_space = par.action_space(self.agents[0])
        if any(
            par.observation_space(a) != self.single_observation_space
            or par.action_space(a) != self.single_action_space
            for a in self.agents
        ):
            raise ValueError("parameter sharing needs every agent to have the same spaces")
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        # No slot is live before reset(): a step then reaches `par` with no action, which
        # raises ResetNeeded (or ClosedEnvironmentError) as it should.
        self._live = np.zeros(self.num_envs, bool)

    def reset(
        self, *, seed: int | None = None, options: dict | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset the arena; every slot is live again."""
        obs, _ = self.par.reset(seed=seed, options=options)
        self._obs = np.stack([obs[a] for a in self.agents])
        self._live = np.ones(self.num_envs, bool)
        self._returns = np.zeros(self.num_envs)
        self._lengths = np.zeros(self.num_envs, int)
        return self._obs.copy(), {}

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        """Step the live agents; done slots wait until the whole arena restarts."""
        live = self._live.copy()
        obs, rew, term, trunc, _ = self.par.step(
            {a: actions[i] for i, a in enumerate(self.agents) if live[i]}
        )
        rewards = np.zeros(self.num_envs)
        terminated = np.zeros(self.num_envs, bool)
        truncated = np.zeros(self.num_envs, bool)
        for i, a in enumerate(self.agents):
            if a in obs:
                self._obs[i] = obs[a]
                rewards[i], terminated[i], truncated[i] = rew[a], term[a], trunc[a]
        done = terminated | truncated
        self._returns += rewards
        self._lengths += live
        infos: dict[str, Any] = {"live": live}
        if done.any():
            infos["final_obs"] = np.full(self.num_envs, None, object)
            for i in np.flatnonzero(done):
                infos["final_obs"][i] = self._obs[i].copy()  # the reset below overwrites _obs
            infos["_final_obs"] = infos["_episode"] = done
            infos["episode"] = {
                "r": np.where(done, self._returns, 0.0),
                "l": self._lengths * done,
            }
            self._live &= ~done
        if not self._live.any():
            self.reset()
        return self._obs.copy(), rewards, terminated, truncated, infos

    def close_extras(self, **kwargs: Any) -> None:
        """Close the parallel env (and stop its server)."""
        self.par.close()
