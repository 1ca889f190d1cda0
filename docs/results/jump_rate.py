"""How often a dodge_v1 SAC dodger asks to jump (the 4th action above 0), over deterministic
episodes in the game it was trained on, one per arena of 8 separate arenas (docs/results.md
quotes this, beside the jump-versus-no-jump comparison).

    python docs/results/jump_rate.py runs/dodge_v1-l2__sac_jump__1__<time>/policy.safetensors
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "algos"))
from policy_export import load_policy, read_policy

from bevy_gym import GameSettings
from bevy_gym.envs.dodge.config import BINARY

ARENAS = 8


def jump_rate(path: str, episodes: int, seed: int) -> tuple[float, float]:
    """Mean episode length and the fraction of live steps whose action asks for a jump."""
    act = load_policy(path)
    options = json.loads(read_policy(path)[1]["options"])
    remote = GameSettings(
        binary=BINARY, num_agents=ARENAS, arena_mode="separate", options=options
    ).remote()
    try:
        res = remote.reset(seed=seed)
        lengths, done, jumps, steps = np.zeros(ARENAS, np.int64), [], 0, 0
        reset: list[int] = []
        while len(done) < episodes:
            actions = act(np.stack(res.observations))
            live = np.array([a not in reset for a in range(ARENAS)])
            jumps += int(((actions[:, 3] > 0) & live).sum())
            steps += int(live.sum())
            res = remote.step(list(actions), reset_arenas=reset or None)
            lengths += live
            reset = [int(a) for a in np.flatnonzero((res.terminated | res.truncated) & live)]
            for a in reset:
                done.append(int(lengths[a]))
                lengths[a] = 0
    finally:
        remote.close()
    return float(np.mean(done[:episodes])), jumps / steps


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("policy", help="a dodge_v1 SAC policy file ([vx, vy, sprint, jump])")
    parser.add_argument("--episodes", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20001)
    args = parser.parse_args()
    length, rate = jump_rate(args.policy, args.episodes, args.seed)
    print(
        f"{args.policy}: {args.episodes} episodes, length {length:.1f}, "
        f"jump asked on {100 * rate:.1f}% of steps"
    )
