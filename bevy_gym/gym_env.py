"""A Gymnasium Env for a one-agent bevy_rl-compatible server: one binary round trip per step,
seeds forwarded to the server (and to `np_random`), Python float/bool results, fresh arrays.
Its edges, as Gymnasium's wrappers would have them: step() before reset() raises ResetNeeded,
any use after close() ClosedEnvironmentError (nothing is relaunched), and a step after the
episode ended warns once (the game answers reward 0 and the same flags until reset())."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from bevy_gym.game_server import GameServer, check_options, check_remote, check_started
from bevy_gym.parallel_env import check_render_mode

__all__ = ["BevyEnv"]


class BevyEnv(gym.Env):
    """Gymnasium Env over a server with exactly one agent: `remote` is the server
    (`bevy_gym.make_remote(...)`), `render_mode` "rgb_array" or None."""

    metadata: dict[str, Any] = {"render_modes": ["rgb_array", "human"], "render_fps": 15}

    def __init__(self, remote: GameServer, *, render_mode: str | None = None) -> None:
        self.render_mode = check_render_mode(render_mode, self.metadata)
        self._remote = check_remote(remote)
        if remote.num_agents != 1:
            raise ValueError(
                f"BevyEnv needs a one-agent server, this one has {remote.num_agents}; "
                "use BevyParallelEnv or BevyVectorEnv"
            )
        self.observation_space = remote.observation_space(0)
        self.action_space = remote.action_space(0)
        self._started = False  # reset() has been called
        self._ended = False  # the episode has terminated or truncated since the last reset()
        self._warned_ended = False

    @property
    def remote(self) -> GameServer:
        """The server behind this environment."""
        return self._remote

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset the game; `seed` reseeds the server, `options` are runtime options."""
        options = check_options(options)
        super().reset(seed=seed)  # seeds np_random, as Gymnasium requires
        res = self._remote.reset(seed=seed, options=options or None)
        assert res.observations is not None
        self._started, self._ended = True, False
        return res.observations[0], {}

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """One step: one round trip carrying the action and returning the observation."""
        if not self._started or self._ended:
            self._check_step()
        # A one-agent batch, checked once by the remote before any cast could hide a bad value.
        res = self._remote.step([action])
        assert res.observations is not None
        # .item() gives the Python float and bools Gymnasium's checkers (and SB3) expect.
        terminated, truncated = res.terminated.item(0), res.truncated.item(0)
        self._ended = terminated or truncated
        return (
            res.observations[0],
            res.rewards.item(0),
            terminated,
            truncated,
            self._remote.restart_info(),
        )

    def _check_step(self) -> None:
        check_started(self, self._remote, self._started)
        if self._ended and not self._warned_ended:
            self._warned_ended = True
            gym.logger.warn(
                "step() after the episode ended (terminated or truncated): call reset(); "
                "until then the game answers reward 0 and the same flags (warned once)"
            )

    def render(self) -> np.ndarray | None:
        """The agent's top-down RGB frame, (H, W, 3) uint8."""
        if self.render_mode != "rgb_array":
            if self.render_mode is None:
                gym.logger.warn("render() called without render_mode; pass render_mode='rgb_array'")
            return None  # "human": the game's own window shows every step
        return self._remote.frames()[0]

    def close(self) -> None:
        """Stop the server if this environment launched it (safe to call twice)."""
        self._remote.close()
        super().close()
