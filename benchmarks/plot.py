"""Draws the throughput figure of docs/performance.md from a results JSON: agent-steps/s per row
(log scale), coloured by group, with other bridges' published single-instance figures in grey.

    python benchmarks/plot.py benchmarks/results.json docs/performance/throughput.png"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# Published figures (theirs, other machines; see docs/performance.md and anchors.md for sources).
PUBLISHED = [
    ("bevy-3d-dodge, HTTP + 16 ms sleep", 50),
    ("bevy_rl, cap at pause_interval 0.01 s", 100),
    ("Unity ML-Agents, one env", 250),
    ("bevy-3d-dodge, gRPC, 65-float vector", 225),
    ("Godot RL Agents, one process (16 agents)", 3_000),
    ("EnvPool Pong, num_envs=1 (in-process C++)", 3_156),
    ("entity-gym-rs, 128 envs, env only (in-process)", 37_860),
]

ROWS = [
    "floor_socket", "floor_transport", "floor_requests",
    "compat_1_separate", "compat_64_separate", "compat_256_separate",
    "json_1", "binary_1_separate", "binary_64_separate", "binary_256_separate",
    "env_1", "parallel_1", "parallel_16", "make_vec_16", "make_vec_64", "make_vec_256",
    "png_rgb", "raw_rgb", "raw_rgb_16", "supersuit_4x16", "concurrent_4x16",
]  # fmt: skip

COLOURS = {
    "floor": "#7f7f7f",
    "bevy_rl-compatible: /step then /state": "#d62728",
    "one round trip": "#1f77b4",
    "environment APIs": "#2ca02c",
    "pixels, 1 agent": "#9467bd",
    "64 agents over several servers": "#ff7f0e",
}


def available() -> bool:
    """Whether matplotlib is installed (the plot is optional)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def draw(doc: dict[str, Any], path: Path) -> None:
    """Writes the PNG at `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_key = {r["key"]: r for r in doc["rows"]}
    bars = []
    for r in doc["rows"]:  # the in-process floor: one agent, and 256 arenas
        if r["key"].startswith("in_process") and r["label"].endswith(
            ("1 agent, K=4, vector obs", "256 separate arenas, K=4, vector obs")
        ):
            label = r["label"].replace("in-process step: ", "in process, no HTTP: ")
            bars.append((f"{label} [{r['agents']}]", r["agent_steps_per_s"], COLOURS["floor"]))
    for key in ROWS:
        r = by_key.get(key)
        if r and r.get("agent_steps_per_s"):
            label = f"{r['label']} [{r['agents']}]"
            if key.startswith("floor"):
                label = f"{r['label'].split(',')[0]}: {r['client']}"
            bars.append((label, r["agent_steps_per_s"], COLOURS.get(r["group"], "#17becf")))
    for label, value in PUBLISHED:
        bars.append((f"{label} (published)", value, "#c7c7c7"))
    bars.reverse()
    fig, ax = plt.subplots(figsize=(10, 0.32 * len(bars) + 1.4))
    ax.barh(range(len(bars)), [b[1] for b in bars], color=[b[2] for b in bars])
    ax.set_yticks(range(len(bars)), [b[0] for b in bars], fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("agent-steps per second (log scale)")
    for i, (_, value, _) in enumerate(bars):
        ax.text(value * 1.05, i, f"{value:,.0f}", va="center", fontsize=7)
    m = doc["machine"]
    ax.set_title(
        f"bevy_gym dodge, {m['date'][:10]}: {m['cpu'].split(' (')[0]}, {m['cpus']} vCPUs, "
        f"Python {m['python']}\n[n] = agents per step; light grey = other bridges' published "
        "figures (their hardware)",
        fontsize=9,
    )
    ax.grid(axis="x", which="both", alpha=0.3)
    ax.set_xlim(10, max(b[1] for b in bars) * 4)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    source, target = sys.argv[1], sys.argv[2]
    draw(json.loads(Path(source).read_text()), Path(target))
