"""Dodge three ways, each starting its own bevy-dodge server: Gymnasium (one agent), a Gymnasium
vector env (N arenas on one server) and PettingZoo (N agents in one shared arena).
Usage: python examples/dodge_quickstart.py [--steps 100]"""

from __future__ import annotations

import argparse

import gymnasium as gym
import numpy as np

import bevy_gym  # registers bevy_gym/Dodge-v0 and bevy_gym/dodge-v0
from bevy_gym.envs import dodge_v0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()

    # Gymnasium, one agent.
    env = gym.make(bevy_gym.resolve("dodge"), render_mode="rgb_array")
    obs, info = env.reset(seed=0)
    episode_return = 0.0
    for _ in range(args.steps):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        episode_return += reward
        if terminated or truncated:
            obs, info = env.reset()
    print(f"gymnasium: return {episode_return:.1f}, frame {env.render().shape}")
    env.close()

    # Gymnasium vector env: 8 arenas, one server, one request per step, next-step autoreset.
    envs = gym.make_vec("bevy_gym/Dodge-v0", num_envs=8)
    obs, infos = envs.reset(seed=0)
    total = np.zeros(8)
    for _ in range(args.steps):
        obs, rewards, terminations, truncations, infos = envs.step(envs.action_space.sample())
        total += rewards
    print(f"make_vec: mean return {total.mean():.1f} over {envs.num_envs} arenas")
    envs.close()

    # PettingZoo: 4 agents in one arena; agents leave `agents` when hit.
    par = dodge_v0.parallel_env(num_agents=4, max_cycles=args.steps)
    observations, infos = par.reset(seed=0)
    while par.agents:
        actions = {agent: par.action_space(agent).sample() for agent in par.agents}
        observations, rewards, terminations, truncations, infos = par.step(actions)
    print(f"pettingzoo: state {par.state().shape}")
    par.close()


if __name__ == "__main__":
    main()
