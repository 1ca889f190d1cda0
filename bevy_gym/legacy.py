"""What a game built on the original bevy_rl crate cannot tell us (it has no /spec): its agents,
spaces, how to write an action as bevy_rl's action string, and how to read per-agent
observations out of its own /state JSON. See docs/any_bevy_rl_game.md."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from gymnasium import spaces

from bevy_gym.protocol import Spec, action_to_string

__all__ = ["LEGACY_PORT", "LegacyGame"]

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
