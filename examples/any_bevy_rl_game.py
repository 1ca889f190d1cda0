"""Drive a game built with the original bevy_rl crate (no /spec) through bevy_gym's PettingZoo env.

The game here is tests/standin_bevy_rl.py's walker (start it with `python tests/standin_bevy_rl.py`,
it listens on bevy_rl's port 7878); for your own game, change the spaces, the action names and
`observe`. Usage: python examples/any_bevy_rl_game.py [--url http://127.0.0.1:7878] [--steps 20]"""

from __future__ import annotations

import argparse

import numpy as np
from gymnasium import spaces

from bevy_gym import LEGACY_PORT, BevyParallelEnv, LegacyGame, make_remote

ACTIONS = ("IDLE", "UP", "DOWN", "LEFT", "RIGHT")  # the game's own action strings


def observe(state: dict) -> list[np.ndarray]:
    """The game's /state JSON -> one observation per agent: its (x, y) location, scaled."""
    return [np.asarray(agent["location"], np.float32) / 10.0 for agent in state["agents"]]


def make_env(url: str, num_agents: int = 2) -> BevyParallelEnv:
    """The walker game as a PettingZoo ParallelEnv."""
    game = LegacyGame(
        num_agents=num_agents,
        observation_space=spaces.Box(-np.inf, np.inf, (2,), np.float32),
        action_space=spaces.Discrete(len(ACTIONS)),
        observe=observe,
        encode_action=lambda action, agent_index: ACTIONS[int(action)],
    )
    # bevy_rl has no truncation: max_cycles is counted on the Python side.
    return BevyParallelEnv(make_remote(url, legacy=game), max_cycles=50)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=f"http://127.0.0.1:{LEGACY_PORT}")
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()

    env = make_env(args.url)
    observations, infos = env.reset()
    total = dict.fromkeys(env.possible_agents, 0.0)
    for _ in range(args.steps):
        if not env.agents:
            break
        actions = {agent: env.action_space(agent).sample() for agent in env.agents}
        observations, rewards, terminations, truncations, infos = env.step(actions)
        for agent, reward in rewards.items():
            total[agent] += reward
    print("returns:", {agent: round(value, 3) for agent, value in total.items()})
    env.close()


if __name__ == "__main__":
    main()
