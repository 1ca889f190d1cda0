"""Environment time as a share of wall time in a training run: runs `algos/dqn.py` (or another
script of algos/ with `--script`) unchanged (via runpy, in a scratch directory) with bevy_gym's
environment `step`/`reset` wrapped in a timer, and prints one JSON line: steps/s and the
environment's share before learning starts (acting only) and after (a gradient step per vector
step). `--backend native` runs the game in process (the script's own `--backend`).

    python benchmarks/dqn_share.py --total-timesteps 16000 --learning-starts 4000
    python benchmarks/dqn_share.py --script sac_continuous.py --backend native"""

from __future__ import annotations

import argparse
import functools
import json
import os
import runpy
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


class EnvClock:
    """Accumulates time spent inside environment calls, split at the learning-starts step."""

    def __init__(self, learning_starts: int, total: int) -> None:
        self.learning_starts = learning_starts
        self.total = total  # training steps; calls after these (a final evaluation) are ignored
        self.steps = 0  # environment steps (summed over arenas)
        self.first: float | None = None  # when the first env call began
        self.split: float | None = None  # when the step count passed learning_starts
        self.last = 0.0
        self.env = [0.0, 0.0]  # env seconds before / after the split
        self.phase_steps = [0, 0]
        self.num_envs = 1  # arenas per vector step, as the script made them

    def wrap(self, fn: Any, counts_steps: bool) -> Any:
        @functools.wraps(fn)
        def timed(env: Any, *args: Any, **kwargs: Any) -> Any:
            if self.steps >= self.total:
                return fn(env, *args, **kwargs)
            t0 = time.perf_counter()
            if self.first is None:
                self.first = t0
            out = fn(env, *args, **kwargs)
            t1 = time.perf_counter()
            phase = 0 if self.split is None else 1
            self.env[phase] += t1 - t0
            if counts_steps:
                n = int(getattr(env, "num_envs", 1))
                self.num_envs = n
                self.steps += n
                self.phase_steps[phase] += n
                if self.split is None and self.steps >= self.learning_starts:
                    self.split = t1
            self.last = t1
            return out

        return timed

    def report(self) -> dict[str, Any]:
        assert self.first is not None and self.split is not None
        walls = [self.split - self.first, self.last - self.split]
        phases = {}
        for name, i in (("acting", 0), ("learning", 1)):
            phases[name] = {
                "steps": self.phase_steps[i],
                "wall_s": walls[i],
                "env_s": self.env[i],
                "sps": self.phase_steps[i] / walls[i] if walls[i] > 0 else None,
                "env_share": self.env[i] / walls[i] if walls[i] > 0 else None,
                "env_only_sps": self.phase_steps[i] / self.env[i] if self.env[i] > 0 else None,
            }
        return phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--total-timesteps", type=int, default=16_000)
    parser.add_argument("--learning-starts", type=int, default=4_000)
    parser.add_argument("--script", default="dqn.py", help="a script of algos/")
    parser.add_argument("--backend", default="http", choices=("http", "native"))
    args = parser.parse_args()
    script = REPO / "algos" / args.script
    if not script.exists():
        print(json.dumps({"error": f"{script} not found"}))
        return
    from bevy_gym.gym_env import BevyEnv
    from bevy_gym.parallel_env import BevyParallelEnv
    from bevy_gym.vector_env import BevyVectorEnv

    clock = EnvClock(args.learning_starts, args.total_timesteps)
    for cls in (BevyVectorEnv, BevyParallelEnv, BevyEnv):
        cls.step = clock.wrap(cls.step, counts_steps=cls is not BevyParallelEnv)
        cls.reset = clock.wrap(cls.reset, counts_steps=False)
    argv = [
        str(script),
        "--total-timesteps", str(args.total_timesteps),
        "--learning-starts", str(args.learning_starts),
        "--eval-frequency", "0",
        "--no-cuda",
        "--backend", args.backend,
    ]  # fmt: skip
    sys.argv = argv
    sys.path.insert(0, str(script.parent))  # as `python algos/dqn.py` would: algos_utils beside it
    with tempfile.TemporaryDirectory() as scratch:  # runs/ goes here, not into the repo
        os.chdir(scratch)
        out = sys.stdout
        sys.stdout = sys.stderr  # the script's prints must not mix with our JSON line
        try:
            runpy.run_path(str(script), run_name="__main__")
        finally:
            sys.stdout = out
    print(json.dumps({"argv": argv[1:], "num_envs": clock.num_envs, **clock.report()}))


if __name__ == "__main__":
    main()
