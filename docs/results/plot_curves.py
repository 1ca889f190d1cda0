"""Learning-curve PNG of one algos/ run, read from its TensorBoard events: training episodes
(smoothed) and the deterministic evaluations, with the target as a dashed line.

    python docs/results/plot_curves.py runs/RUN --metric length --target 900 --out curve.png
"""

import argparse
from pathlib import Path

import matplotlib.pyplot as plt  # headless, it picks the Agg backend itself
import numpy as np
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def series(events: EventAccumulator, tag: str) -> tuple[np.ndarray, np.ndarray]:
    """(steps, values) of a scalar tag."""
    points = events.Scalars(tag)
    return np.array([p.step for p in points]), np.array([p.value for p in points])


def smooth(steps: np.ndarray, values: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean of each `window` consecutive episodes (episodes are many and noisy)."""
    n = len(values) // window * window
    if n == 0:
        return steps, values
    return steps[:n].reshape(-1, window)[:, -1], values[:n].reshape(-1, window).mean(axis=1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a runs/{run_name} folder")
    parser.add_argument("--metric", choices=["return", "length"], default="return")
    parser.add_argument("--target", type=float, help="the learning target (dashed line)")
    parser.add_argument("--random", type=float, help="the random policy's mean (dotted line)")
    parser.add_argument("--title", default=None)
    parser.add_argument("--window", type=int, default=50, help="episodes per smoothed point")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    events = EventAccumulator(str(args.run), size_guidance={"scalars": 0})  # keep every point
    events.Reload()
    fig, ax = plt.subplots(figsize=(7, 4), dpi=120)
    steps, values = series(events, f"charts/episodic_{args.metric}")
    ax.plot(*smooth(steps, values, args.window), color="tab:blue", alpha=0.6,
            label=f"training episodes (mean of {args.window}, exploring)")  # fmt: skip
    steps, values = series(events, f"eval/episodic_{args.metric}")
    ax.plot(steps, values, "o-", color="tab:red", label="evaluation (deterministic, mean)")
    if args.target is not None:
        ax.axhline(args.target, color="black", linestyle="--", label=f"target {args.target:g}")
    if args.random is not None:
        ax.axhline(args.random, color="gray", linestyle=":", label=f"random {args.random:g}")
    ax.set_xlabel("environment steps")
    if "eval/wall_clock_s" in events.Tags()["scalars"]:  # wall-clock minutes along the top
        at, seconds = series(events, "eval/wall_clock_s")
        at, minutes = np.concatenate([[0], at]), np.concatenate([[0], seconds / 60])
        top = ax.secondary_xaxis(
            "top",
            functions=(lambda x: np.interp(x, at, minutes), lambda m: np.interp(m, minutes, at)),
        )
        top.set_xlabel("wall-clock minutes")
    ax.set_ylabel(f"episode {args.metric}")
    ax.set_title(args.title or args.run.name)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out)
    print(f"wrote {args.out}")
