"""The pixel learner's costs (`algos/sac_pixels.py`), in a fresh interpreter (torch): prints one
JSON line with

- `env`: pixel env steps/s through the vector env (`gymnasium.make_vec`, N arenas of one server,
  random actions), at the script's default image (64 px grey) and at 84 px RGB;
- `learner`: gradient updates/s on the CPU at the script's default batch, from a short real run
  of the script (its own timing of the update loop);
- `replay`: bytes per transition of the replay buffer, each frame stored once vs both stacks
  stored per transition, at the default image and stack.

    python benchmarks/pixel_learner.py [--steps 6000]"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import gymnasium as gym

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "algos"))

from frame_replay import FrameReplay  # noqa: E402
from sac_pixels import Args  # noqa: E402

ARENAS = 8  # the script's default --num-envs


def env_rate(image_size: int, grayscale: bool, vector_steps: int = 1500) -> float:
    """Agent-steps/s of `ARENAS` pixel arenas stepped with random actions."""
    envs = gym.make_vec(
        "bevy_gym/DodgeContinuousPixels-v0",
        num_envs=ARENAS,
        vectorization_mode="vector_entry_point",
        image_size=image_size,
        grayscale=grayscale,
        level=2,
    )
    try:
        envs.reset(seed=0)
        envs.action_space.seed(0)
        actions = [envs.action_space.sample() for _ in range(64)]
        for i in range(100):
            envs.step(actions[i % 64])
        start = time.perf_counter()
        for i in range(vector_steps):
            envs.step(actions[i % 64])
        return vector_steps * ARENAS / (time.perf_counter() - start)
    finally:
        envs.close()


def learner_rate(steps: int) -> dict[str, float]:
    """Updates/s of a short run of the script with its defaults (CPU), learning from step 2000."""
    with tempfile.TemporaryDirectory() as scratch:
        out = subprocess.run(
            [sys.executable, str(REPO / "algos" / "sac_pixels.py"), "--no-cuda",
             "--total-timesteps", str(steps), "--learning-starts", "2000",
             "--eval-frequency", "0", "--eval-episodes", "1"],
            cwd=scratch, capture_output=True, text=True, timeout=900, check=False,
            env=dict(os.environ, WANDB_MODE="disabled"),
        )  # fmt: skip
    match = re.search(r"learner: (\d+) updates in \d+ s \(([\d.]+)/s\)", out.stdout)
    if out.returncode != 0 or match is None:
        raise RuntimeError(f"sac_pixels.py failed ({out.returncode}): {out.stderr[-400:]}")
    return {"updates": int(match[1]), "updates_per_s": float(match[2])}


def replay_bytes() -> dict[str, float]:
    """Bytes per transition at the default image and stack: the formula and the allocation."""
    args = Args()
    shape = (args.image_size, args.image_size, 1 if args.grayscale else 3)
    per = FrameReplay.bytes_per_transition(shape, args.frame_stack, 3)
    buffer = FrameReplay(args.buffer_size, ARENAS, shape, args.frame_stack, (3,))
    per["allocated"] = buffer.nbytes / args.buffer_size
    per["buffer_size"] = args.buffer_size
    return per


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=6000, help="the learner run's length")
    args = parser.parse_args()
    defaults = Args()
    doc = {
        "image": f"{defaults.image_size} px {'grey' if defaults.grayscale else 'RGB'}, "
        f"stack {defaults.frame_stack}, batch {defaults.batch_size}",
        "env": {
            "default": env_rate(defaults.image_size, defaults.grayscale),
            "84_rgb": env_rate(84, False),
        },
        "learner": learner_rate(args.steps),
        "replay": replay_bytes(),
        "torch_threads": defaults.torch_threads,
    }
    print(json.dumps(doc))


if __name__ == "__main__":
    main()
