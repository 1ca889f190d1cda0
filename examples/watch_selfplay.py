"""Watch a dodger and a thrower trained by self-play (algos/selfplay_dodge.py's policy files) play
dodge in the 3D window: the dodger's file drives it inside the game, the thrower's aims come from
this script, at the game's real-time rate. Needs `make viewer` and the `train` extra (torch);
without a desktop, run it under `xvfb-run -a`; `--headless` plays without a window, as fast as
it can. Prints each episode's length (the dodger's survival, in steps).

    python examples/watch_selfplay.py docs/results/selfplay_round0_dodger.safetensors \\
        docs/results/selfplay_round0_thrower.safetensors --episodes 3
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from bevy_gym.envs import dodge_v0, dodge_v1

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "algos"))
from policy_export import load_policy, read_policy  # the policy file's reader, in algos/

STEPS_PER_SECOND = 15  # one step is 4 ticks of 1/60 s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dodger", help="the dodger's policy file (roundR_dodger.safetensors)")
    parser.add_argument("thrower", help="the thrower's policy file (roundR_thrower.safetensors)")
    parser.add_argument("--episodes", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--headless", action="store_true", help="no window, no pacing")
    args = parser.parse_args()

    # The dodger's recorded options are the game both were trained in.
    options = json.loads(read_policy(args.dodger)[1]["options"])
    versions = {0: dodge_v0, 1: dodge_v1}
    env = versions[int(options.get("rules_version", 0))].parallel_env(
        num_dodgers=1,
        num_throwers=1,
        level=options["level"],
        action_space=options["action_space"],
        action_repeat=options["action_repeat"],
        max_cycles=options["max_episode_steps"],
        render_mode=None if args.headless else "human",
        policy=args.dodger,
        policy_agents=(0,),
    )
    aim = load_policy(args.thrower)
    idle = np.zeros(env.action_space("dodger_0").shape, np.float32)  # the game drives it
    try:
        for episode in range(args.episodes):
            obs, _ = env.reset(seed=args.seed + episode)
            steps, start = 0, time.monotonic()
            while env.agents:
                action = aim(obs["thrower_0"][None])[0]
                obs, *_ = env.step({"dodger_0": idle, "thrower_0": action})
                steps += 1
                if not args.headless:  # real time: the window shows every step
                    time.sleep(max(0.0, start + steps / STEPS_PER_SECOND - time.monotonic()))
            print(f"episode {episode}: the dodger survived {steps} steps")
    finally:
        env.close()


if __name__ == "__main__":
    main()
