"""Tag's pursuer anchors (docs/results.md, docs/tag.md): a uniformly random pursuer and a greedy
scripted one on the agent's own four-way actions (a step along the larger axis towards the
nearest evader), each 100 episodes against the scripted evader (`bevy_gym/TagPursuer-v0`,
seeds 1000-1099), and random against random in one shared 1-v-1 arena (seeds 0-99).

    python docs/results/tag_anchor.py
"""

import gymnasium as gym
import numpy as np

import bevy_gym  # noqa: F401  (registers the ids)
from bevy_gym.envs import tag_v0

EPISODES = 100


def greedy(obs: np.ndarray) -> int:
    """UP, DOWN, LEFT or RIGHT along the larger axis of the nearest evader (obs 4, 5: dx, dy)."""
    dx, dy = obs[4], obs[5]
    if abs(dx) >= abs(dy):
        return 4 if dx > 0 else 3
    return 1 if dy > 0 else 2


def versus_scripted_evader(policy: str) -> None:
    env = gym.make("bevy_gym/TagPursuer-v0")
    rng = np.random.default_rng(0)
    lengths, caught = [], 0
    for episode in range(EPISODES):
        obs, _ = env.reset(seed=1000 + episode)
        steps, done = 0, False
        while not done:
            action = int(rng.integers(5)) if policy == "random" else greedy(obs)
            obs, _, terminated, truncated, _ = env.step(action)
            steps, done = steps + 1, terminated or truncated
        lengths.append(steps)
        caught += terminated
    env.close()
    mean = np.mean(lengths)
    print(f"{policy} pursuer vs the scripted evader: {caught} of {EPISODES} caught, ", end="")
    print(f"mean length {mean:.1f}")


def random_versus_random() -> None:
    env = tag_v0.parallel_env(num_agents=2)
    caught = 0
    for episode in range(EPISODES):
        env.reset(seed=episode)
        while env.agents:
            actions = {a: env.action_space(a).sample() for a in env.agents}
            _, _, terminated, _, _ = env.step(actions)
            caught += bool(terminated.get("agent_1"))
    env.close()
    print(f"random pursuer vs random evader: {caught} of {EPISODES} caught")


if __name__ == "__main__":
    versus_scripted_evader("random")
    versus_scripted_evader("greedy")
    random_versus_random()
