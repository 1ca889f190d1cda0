"""The uniformly random policy's score on a registered game, measured like the algos'
evaluations: one episode per arena of one server, every episode run to its end (docs/results.md
quotes this).

    python docs/results/random_policy.py --env dodge --action continuous --level 2 --episodes 1000
    python docs/results/random_policy.py --env tag-pursuer --episodes 1000
"""

import argparse

import gymnasium as gym
import numpy as np

import bevy_gym


def random_episodes(env: str, action: str, options: dict, episodes: int, seed: int) -> np.ndarray:
    """Returns and lengths, shape (2, episodes), of uniformly random actions."""
    envs = gym.make_vec(
        bevy_gym.resolve(env, action=action),
        num_envs=episodes,
        vectorization_mode="vector_entry_point",
        **options,
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
    parser.add_argument("--env", default="dodge", help="a short name, alias or Gymnasium id")
    parser.add_argument("--action", default=None, help="discrete or continuous (short names)")
    parser.add_argument("--level", type=int, default=None, help="dodge's level")
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=10_001)  # the algos' evaluation seed
    args = parser.parse_args()
    options = {} if args.level is None else {"level": args.level}
    returns, lengths = random_episodes(args.env, args.action, options, args.episodes, args.seed)
    sem = returns.std() / np.sqrt(len(returns))  # standard error of the mean return
    print(
        f"random policy, {bevy_gym.resolve(args.env, action=args.action)} {options}, "
        f"{args.episodes} episodes: return {returns.mean():.2f} ± {returns.std():.2f} "
        f"(standard error {sem:.2f}), length {lengths.mean():.1f} ± {lengths.std():.1f}"
    )
