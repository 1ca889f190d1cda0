"""algos/ppo_roles.py's speed on tag_v1: arena steps/s, agent steps/s and the environment's share
of wall time, for 16 and 64 separate 1-v-1 arenas (the script's own timers: the share is the
time inside the server's step call). Runs the script unchanged in a scratch directory, no
evaluation, and prints one JSON line.

    python benchmarks/roles_share.py --total-timesteps 65536"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "algos" / "ppo_roles.py"
TRAINED = re.compile(
    r"trained (?P<steps>\d+) arena steps in (?P<seconds>[\d.]+) s; "
    r"environment share (?P<share>[\d.]+)%"
)


def measure(arenas: int, total: int) -> dict[str, float]:
    """One run of the script with `arenas` arenas for `total` arena steps."""
    with tempfile.TemporaryDirectory() as scratch:
        out = subprocess.run(
            [sys.executable, str(SCRIPT), "--env", "tag_v1", "--num-arenas", str(arenas),
             "--total-timesteps", str(total), "--eval-episodes", "0", "--no-cuda"],
            cwd=scratch, capture_output=True, text=True, timeout=1200, check=False,
            env=dict(os.environ, WANDB_MODE="disabled"),
        )  # fmt: skip
    found = TRAINED.search(out.stdout)
    if out.returncode != 0 or found is None:
        raise RuntimeError(f"ppo_roles.py failed: {out.stderr.strip()[-300:]}")
    steps, seconds = int(found["steps"]), float(found["seconds"])
    return {
        "arenas": arenas,
        "arena_steps_per_s": steps / seconds,
        "agent_steps_per_s": 2 * steps / seconds,
        "env_share": float(found["share"]) / 100,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--total-timesteps", type=int, default=65536)
    args = parser.parse_args()
    try:
        rows = [measure(arenas, args.total_timesteps) for arenas in (16, 64)]
        print(json.dumps({"rows": rows}))
    except RuntimeError as exc:
        print(json.dumps({"error": str(exc)}))


if __name__ == "__main__":
    main()
