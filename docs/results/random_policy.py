"""The uniformly random policy's score on dodge, measured like the algos' evaluations: one
episode per arena of one server, every episode run to its end (docs/results.md quotes this).

    python docs/results/random_policy.py --level 2 --action-space continuous --episodes 1000
"""

import argparse

import gymnasium as gym
import numpy as np

import bevy_gym


def random_episodes(level: int, action_space: str, episodes: int, seed: int) -> np.ndarray:
    """Returns and lengths, shape (2, episodes), of uniformly random actions."""
    envs = gym.make_vec(
        bevy_gym.resolve("dodge"),
        num_envs=episodes,
        vectorization_mode="vector_entry_point",
        level=level,
        action_space=action_space,
    )
    envs.reset(seed=seed)
    envs.action_space.seed(seed)
    returns, lengths, finished = np.zeros(episodes), np.zeros(episodes), np.zeros(episodes, bool)
    while not finished.all():
        _, rewards, terminations, truncations, _ = envs.step(envs.action_space.sample())
        returns += np.where(finished, 0.0, rewards)
        lengths += ~finished
        finished |= terminations | truncations
    envs.close()
    return np.stack([returns, lengths])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", type=int, default=2)
    parser.add_argument("--action-space", default="continuous")
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=10_001)  # the algos' evaluation seed
    args = parser.parse_args()
    returns, lengths = random_episodes(args.level, args.action_space, args.episodes, args.seed)
    sem = returns.std() / np.sqrt(len(returns))  # standard error of the mean return
    print(
        f"random policy, level {args.level} {args.action_space}, {args.episodes} episodes: "
        f"return {returns.mean():.1f} ± {returns.std():.1f} (standard error {sem:.1f}), "
        f"length {lengths.mean():.1f} ± {lengths.std():.1f}"
    )
