"""Learning-curve PNG of one algos/selfplay_dodge.py run: the dodger's episode length through
every phase (a thrower phase, then a dodger phase, per round), whichever side was learning, with
the deterministic evaluations.

    python docs/results/plot_selfplay.py runs/RUN --out selfplay.png
"""

import argparse
import json
from pathlib import Path

import matplotlib.pyplot as plt  # headless, it picks the Agg backend itself
import numpy as np
from plot_curves import series, smooth
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a runs/{run_name} folder of selfplay_dodge.py")
    parser.add_argument("--window", type=int, default=20, help="episodes per smoothed point")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    run_args = json.loads((args.run / "selfplay.json").read_text())["args"]
    per_phase = {"thrower": run_args["thrower_steps"], "dodger": run_args["dodger_steps"]}
    phase = sum(per_phase.values())
    events = EventAccumulator(str(args.run), size_guidance={"scalars": 0})  # keep every point
    events.Reload()
    fig, ax = plt.subplots(figsize=(8, 4.8), dpi=120)

    # Evaluation k follows phase k: odd k a thrower phase, even k a dodger phase (0: the start).
    def phase_end(k: np.ndarray) -> np.ndarray:
        return k // 2 * phase + k % 2 * per_phase["thrower"]

    # Phase k (1, 2, ...: a thrower's, then a dodger's, per round) ran between evaluations k - 1
    # and k; each side counts its own steps (valid transitions), so phases are told apart by
    # the evaluations' wall-clock times and laid end to end.
    ends = {}
    for tag in ("eval/dodger_length_vs_scripted", "eval/dodger_length_vs_learned_thrower"):
        ends |= {p.step: p.wall_time for p in events.Scalars(tag)}
    for side, color in (("thrower", "tab:orange"), ("dodger", "tab:blue")):
        points = events.Scalars(f"{side}/episodic_length")
        times = np.array([p.wall_time for p in points])
        steps, lengths = series(events, f"{side}/episodic_length")
        first = 1 if side == "thrower" else 2
        for k in range(first, 2 * run_args["rounds"] + 1, 2):
            at = (times > ends[k - 1]) & (times <= ends.get(k, np.inf))
            before = steps[times <= ends[k - 1]]  # this side's steps of its earlier phases
            x = phase_end(np.array(k - 1)) + steps[at] - (before.max() if len(before) else 0)
            label = f"{side} learning (mean of {args.window} episodes)" if k <= 2 else None
            ax.plot(*smooth(x, lengths[at], args.window), color=color, alpha=0.7, label=label)
    for r in range(run_args["rounds"] + 1):
        ax.axvline(r * phase, color="gray", linewidth=0.5)

    steps, values = series(events, "eval/dodger_length_vs_learned_thrower")
    ax.plot(phase_end(steps), values, "o", color="tab:red", label="eval: vs the learned thrower")
    steps, values = series(events, "eval/dodger_length_vs_scripted")
    ax.plot(phase_end(steps), values, "s", color="black", label="eval: vs the scripted thrower")
    ax.set_xlabel("environment steps, both sides (a thrower phase, then a dodger phase, a round)")
    ax.set_ylabel("dodger episode length")
    ax.set_title("Self-play on dodge level 2: the dodger's episode length")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out)
    print(f"wrote {args.out}")
