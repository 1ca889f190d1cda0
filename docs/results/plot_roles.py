"""Figures of an algos/ppo_roles.py run: each role's learning curve (training episodes, smoothed)
from its TensorBoard events, and the cross-play heat-map of its snapshots (`--cross-play`
writes runs/RUN/cross_play.json: mean episode length of each pair).

    python docs/results/plot_roles.py runs/RUN --out-curves curves.png --out-cross cross.png
"""

import argparse
import json
from pathlib import Path

import matplotlib.pyplot as plt  # headless, it picks the Agg backend itself
import numpy as np
from plot_curves import series, smooth
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def curves(runs: list[Path], out: Path, window: int) -> None:
    """Each role's mean training episode length, one line per run (seed)."""
    events = []
    for run in runs:
        e = EventAccumulator(str(run), size_guidance={"scalars": 0})
        e.Reload()
        events.append(e)
    roles = sorted(
        {t.split("/")[0] for t in events[0].Tags()["scalars"] if t.endswith("/episodic_length")}
    )
    fig, axes = plt.subplots(1, len(roles), figsize=(5 * len(roles), 3.6), squeeze=False)
    for ax, role in zip(axes[0], roles, strict=True):
        for k, (run, e) in enumerate(zip(runs, events, strict=True)):
            seed = run.name.split("__")[2] if "__" in run.name else run.name
            steps, values = smooth(*series(e, f"{role}/episodic_length"), window)
            ax.plot(steps, values, color=f"C{k}", alpha=0.5, label=f"seed {seed}: self-play")
            if f"eval/{role}_length" in e.Tags()["scalars"]:
                steps, values = series(e, f"eval/{role}_length")
                ax.plot(steps, values, "o-", color=f"C{k}", label=f"seed {seed}: vs the bots")
        ax.set_title(f"{role}: episode length")
        ax.set_xlabel("arena steps")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def cross(run: Path, out: Path) -> None:
    """The cross-play matrix: rows the first role's snapshots, columns the second's."""
    doc = json.loads((run / "cross_play.json").read_text())
    lengths = np.array([[cell["arena"]["length"] for cell in row] for row in doc["results"]])
    fig, ax = plt.subplots(figsize=(5.6, 4.6))
    image = ax.imshow(lengths, cmap="viridis")
    rows, cols = doc["rows"], doc["columns"]
    ax.set_yticks(range(len(rows["steps"])), [f"{s // 1000}k" for s in rows["steps"]])
    ax.set_xticks(range(len(cols["steps"])), [f"{s // 1000}k" for s in cols["steps"]])
    ax.set_ylabel(f"{rows['role']} snapshot (arena steps)")
    ax.set_xlabel(f"{cols['role']} snapshot (arena steps)")
    for (i, j), value in np.ndenumerate(lengths):
        ax.text(
            j,
            i,
            f"{value:.0f}",
            ha="center",
            va="center",
            color="w" if value < lengths.max() / 2 else "k",
        )
    ax.set_title(f"mean episode length, {doc['episodes']} episodes a cell")
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "runs", type=Path, nargs="+", help="run folders (the first has cross_play.json)"
    )
    parser.add_argument("--out-curves", type=Path)
    parser.add_argument("--out-cross", type=Path)
    parser.add_argument("--window", type=int, default=40)
    args = parser.parse_args()
    if args.out_curves:
        curves(args.runs, args.out_curves, args.window)
    if args.out_cross:
        cross(args.runs[0], args.out_cross)
