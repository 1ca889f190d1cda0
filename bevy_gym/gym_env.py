"""A Gymnasium Env for a one-agent bevy_rl-compatible server: one binary round trip per step,
seeds forwarded to the server (and to `np_random`), Python float/bool results, fresh arrays."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np

from bevy_gym.legacy import LegacyGame
from bevy_gym.parallel_env import check_render_mode
from bevy_gym.protocol import Spec
from bevy_gym.remote import Launch, RemoteGame
from bevy_gym.transport import DEFAULT_TIMEOUT

__all__ = ["BevyEnv"]


class BevyEnv(gym.Env):
    """Gymnasium Env over a server with exactly one agent (see BevyParallelEnv for the arguments).

    A first `reset()` without a seed draws one from `np_random`, so unseeded copies differ;
    later unseeded resets continue the server's random stream."""

    metadata: dict[str, Any] = {"render_modes": ["rgb_array"], "render_fps": 15}

    def __init__(
        self,
        server_url: str | None = None,
        *,
        launch: Launch | None = None,
        spec: Spec | None = None,
        legacy: LegacyGame | None = None,
        obs_type: str = "vector",
        render_mode: str | None = None,
        options: Mapping[str, Any] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        restart_on_crash: bool = False,
        token: str | None = None,
    ) -> None:
        self.render_mode = check_render_mode(render_mode, self.metadata)
        self._remote = RemoteGame(
            server_url=server_url,
            launch=launch,
            spec=spec,
            legacy=legacy,
            obs_type=obs_type,
            options=options,
            timeout=timeout,
            restart_on_crash=restart_on_crash,
            token=token,
        )
        if self._remote.num_agents != 1:
            raise ValueError(
                f"BevyEnv needs a one-agent server, this one has {self._remote.num_agents}; "
                "use BevyParallelEnv or BevyVectorEnv"
            )
        self.observation_space = self._remote.observation_space(0)
        self.action_space = self._remote.action_space(0)
        self._reset_once = False

    @property
    def remote(self) -> RemoteGame:
        """The server behind this environment."""
        return self._remote

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset the game; `seed` reseeds the server, `options` are runtime options."""
        super().reset(seed=seed)
        server_seed = seed
        if seed is None and not self._reset_once and self._remote.legacy is None:
            server_seed = int(self.np_random.integers(0, 2**63))
        self._reset_once = True
        res = self._remote.reset(seed=server_seed, options=options or None)
        assert res.observations is not None
        return res.observations[0], {}

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """One step: one round trip carrying the action and returning the observation."""
        # A one-agent batch, checked once in RemoteGame.step before any cast could hide a bad value.
        res = self._remote.step([action])
        assert res.observations is not None
        # .item() gives the Python float and bools Gymnasium's checkers (and SB3) expect.
        return (
            res.observations[0],
            res.rewards.item(0),
            res.terminated.item(0),
            res.truncated.item(0),
            self._remote.restart_info(),
        )

    def render(self) -> np.ndarray | None:
        """The agent's top-down RGB frame, (H, W, 3) uint8."""
        if self.render_mode is None:
            gym.logger.warn("render() called without render_mode; pass render_mode='rgb_array'")
            return None
        return self._remote.frames()[0]

    def close(self) -> None:
        """Stop the server if this environment launched it (safe to call twice)."""
        self._remote.close()
        super().close()
