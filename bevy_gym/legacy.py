"""Games built on the original bevy_rl crate (no /spec): what they cannot tell us (`LegacyGame`:
agents, spaces, action strings, reading observations out of their own /state JSON) and such a
server as a `GameServer` (`LegacyServer`: JSON routes only). See docs/any_bevy_rl_game.md."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces

from bevy_gym.client import Client
from bevy_gym.game_server import GameServer
from bevy_gym.link import ServerLink
from bevy_gym.protocol import Spec, StepResult, action_to_string

__all__ = ["LEGACY_PORT", "LegacyGame", "LegacyServer"]

LEGACY_PORT = 7878  # bevy_rl binds 127.0.0.1:7878 in every release


@dataclass(frozen=True)
class LegacyGame:
    """Describes a bevy_rl game for the generic environments.

    - `observe(state)` maps the `/state` JSON to one observation per agent, in agent order;
    - `encode_action(action, agent_index)` maps an action to the game's action string (or None for
      no command); the default writes Discrete actions as their index and Box actions as a JSON
      array in a string. Games that expect names pass e.g. `lambda a, i: NAMES[int(a)]`.
    - bevy_rl ≤ 0.9 reset with POST: set `reset_method="POST"`.
    - bevy_rl's /step reply describes the *previous* step (see the docs); it is passed through.
    """

    num_agents: int
    observation_space: spaces.Space
    action_space: spaces.Space
    observe: Callable[[Any], Sequence[Any]]
    encode_action: Callable[[Any, int], str | None] | None = None
    reset_method: str = "GET"
    name: str = "bevy_rl"

    def action_string(self, action: Any, agent_index: int) -> str | None:
        """The action string sent for `action` of agent `agent_index`."""
        if action is None:
            return None
        if self.encode_action is not None:
            return self.encode_action(action, agent_index)
        return action_to_string(action, self.action_space)

    def to_spec(self) -> Spec:
        """A Spec equivalent to what a bevy_gym server would publish for this game."""
        n = self.num_agents
        return Spec(
            num_agents=n,
            agent_ids=tuple(f"agent_{i}" for i in range(n)),
            arenas=(0,) * n,
            action_spaces=(self.action_space,) * n,
            observation_spaces=(self.observation_space,) * n,
            action_names=(None,) * n,
            game=self.name,
            arena_mode="shared",
            num_arenas=1,
            protocol_version=0,
        )


class LegacyServer(GameServer):
    """A running bevy_rl game at `link`'s URL, described by `game`.

    A step is `/step` (bevy_rl's lagged rewards and terminations, passed through) then `/state`
    (observations). bevy_rl has no seeds, partial resets, runtime options or truncation: `seed`
    is ignored, single-arena resets raise, and options are ignored with a warning."""

    def __init__(self, link: ServerLink, game: LegacyGame) -> None:
        if link.launched:
            raise ValueError("bevy_gym does not launch bevy_rl games: start it, give server_url")
        super().__init__(link, game.to_spec(), "vector")
        self.game = game

    def _on_open(self, client: Client) -> None:
        pass  # nothing to check: bevy_rl publishes no spec

    def noop_actions(self) -> np.ndarray:
        """None for every agent: bevy_rl's "no command this step"."""
        return np.full(self.num_agents, None, dtype=object)

    def step(self, actions: Any, reset_arenas: Sequence[int] | None = None) -> StepResult:
        """`/step` with one action string (or null) per agent, then `/state`."""
        if reset_arenas:
            raise ValueError("legacy bevy_rl servers cannot reset single arenas")
        client = self.connect()
        strings = [self.game.action_string(a, i) for i, a in enumerate(actions)]
        res = client.step(strings, num_agents=self.num_agents)
        return StepResult(res.rewards, res.terminated, res.truncated, self.observe())

    def reset(
        self,
        *,
        seed: int | None = None,
        arenas: Sequence[int] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> StepResult:
        """`/reset` (GET, or POST for bevy_rl ≤ 0.9), then `/state`."""
        if arenas is not None:
            raise ValueError("legacy bevy_rl servers cannot reset single arenas")
        self._runtime_options(options)  # warns: nothing is a runtime option here
        client = self.connect()
        res = client.reset(method=self.game.reset_method, num_agents=self.num_agents)
        return StepResult(res.rewards, res.terminated, res.truncated, self.observe())

    def observe(self, kind: str = "vector") -> np.ndarray:
        """Every agent's observation, read out of `/state` by the game's `observe`."""
        if kind != "vector":
            raise ValueError("legacy bevy_rl servers observe through /state only (kind='vector')")
        space = self.game.observation_space
        observations = self.game.observe(self.connect().state())
        dtype = space.dtype if space.dtype is not None else np.float32
        return np.asarray(observations, dtype=dtype).reshape(self.num_agents, *space.shape)

    def frames(self) -> np.ndarray:
        """Every agent's tile of `/visual_observations`."""
        return self._png_frames()
