"""How often a dodge_v1 SAC dodger asks to jump (the 4th action above 0), over deterministic
episodes in the game it was trained on, one per arena of 8 separate arenas (docs/results.md
quotes this, beside the jump-versus-no-jump comparison).

    python docs/results/jump_rate.py runs/dodge_v1-l2__sac_jump__1__<time>/policy.safetensors
"""

import argparse
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import gymnasium as gym
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "algos"))
from policy_export import act_float64, read_policy
from sac_continuous import Actor, policy_net

from bevy_gym import GameSettings
from bevy_gym.envs.dodge.config import BINARY

ARENAS = 8


def load_actor(path: str) -> tuple[Actor, dict]:
    """The policy file's mean action as a SAC actor, and the game options it was trained on."""
    tensors, meta = read_policy(path)
    shapes = SimpleNamespace(
        single_observation_space=gym.spaces.Box(-1, 1, (tensors["fc1.weight"].shape[1],)),
        single_action_space=gym.spaces.Box(-1, 1, (tensors["fc_mean.weight"].shape[0],)),
    )
    actor = Actor(shapes)  # type: ignore[arg-type]
    state = {k: torch.as_tensor(v) for k, v in tensors.items() if not k.startswith("test.")}
    actor.load_state_dict(state, strict=False)
    return actor, json.loads(meta["options"])


def jump_rate(path: str, episodes: int, seed: int) -> tuple[float, float]:
    """Mean episode length and the fraction of live steps whose action asks for a jump."""
    actor, options = load_actor(path)
    act = act_float64(policy_net(actor))
    remote = GameSettings(
        binary=BINARY, num_agents=ARENAS, arena_mode="separate", options=options
    ).remote()
    try:
        res = remote.reset(seed=seed)
        lengths, done, jumps, steps = np.zeros(ARENAS, np.int64), [], 0, 0
        reset: list[int] = []
        while len(done) < episodes:
            actions = act(torch.as_tensor(np.stack(res.observations))).numpy()
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
