"""`make bench`: measure the whole environment path on this machine and print ONE markdown table
(every row of docs/performance.md), write the figures to a JSON file and, with matplotlib,
redraw the plot. Figures, not pass/fail: the exit status is 0 even when a target is missed.

    python benchmarks/run.py [--json benchmarks/results.json] [--skip-cargo] [--skip-dqn]
                             [--skip-learners] [--skip-camera]
                             [--plot docs/performance/throughput.png] [--binary PATH]"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import camera
import cases
import native
import server_costs
from harness import REPO, Row, machine

from bevy_gym import find_binary

ENV_TARGET = 5_000  # steps/s, 1 agent, vector observations, Env.step and ParallelEnv.step
FLOOR_RATIO = 2.0  # ... and within this factor of the bare round trip through the same client
VECTOR_TARGET = 100_000  # agent-steps/s, make_vec with 64 arenas
PIXEL_TARGET = 2_000  # steps/s, 84×84 RGB, 1 agent
DQN_SHARE_TARGET = 0.20  # environment time / wall time while learning


def log(message: str) -> None:
    """Progress on stderr, so that stdout is the table alone."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def script_json(name: str, timeout: int, *args: str) -> tuple[dict | None, str]:
    """Run benchmarks/{name} with `args` in a fresh interpreter (torch stays out of this one):
    its last stdout line as JSON, or None and why not."""
    script = Path(__file__).with_name(name)
    try:
        out = subprocess.run(
            [sys.executable, str(script), *args], capture_output=True, text=True,
            timeout=timeout, check=False, cwd=REPO,
        )  # fmt: skip
        return json.loads(out.stdout.strip().splitlines()[-1]), ""
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError) as exc:
        tail = locals().get("out")
        return None, tail.stderr.strip()[-300:] if tail is not None else repr(exc)


# The training scripts whose environment share is measured on both backends, and their runs.
SHARE_RUNS = {
    "dqn.py": ("--total-timesteps", "16000", "--learning-starts", "4000"),
    "sac_continuous.py": ("--total-timesteps", "8000", "--learning-starts", "2000"),
}


def backend_share_rows() -> list[Row]:
    """benchmarks/dqn_share.py per script and backend: the environment's share of wall time
    while learning, HTTP against native (the target: native's at most half HTTP's)."""
    rows = []
    for script, run_args in SHARE_RUNS.items():
        doc: dict = {}
        for backend in ("http", "native"):
            why = native.available() if backend == "native" else None
            if why is None:
                args = ("--script", script, "--backend", backend, *run_args)
                found, why = script_json("dqn_share.py", 900, *args)
                doc[backend] = found if found is not None else {"error": why or "did not run"}
            else:
                doc[backend] = {"error": why}
        group = f"{script}: environment share of wall, by backend (CPU)"
        rows.extend(native.share_rows(doc, group, script.removesuffix(".py")))
    return rows


def dqn_rows() -> list[Row]:
    """benchmarks/dqn_share.py: the environment's share of a DQN run's wall time."""
    doc, why = script_json("dqn_share.py", 300)
    if doc is None:
        return [Row("dqn", "DQN run", "algos/dqn.py did not run", "", note=why)]
    if "error" in doc:
        return [Row("dqn", "DQN run", doc["error"], "")]
    rows = []
    for phase, label in (("acting", "before learning starts"), ("learning", "while learning")):
        p = doc[phase]
        share = p["env_share"]
        is_target = phase == "learning"
        rows.append(Row(
            f"dqn_{phase}", "DQN run (algos/dqn.py, 4 arenas, CPU)",
            f"DQN {label}: env time share of wall", "make_vec, same-step autoreset",
            agents=4, arena="separate", obs="vector", steps_per_s=p["sps"],
            agent_steps_per_s=p["sps"], value=100 * share, unit="% env",
            target=f"≤ {DQN_SHARE_TARGET:.0%}" if is_target else "",
            met=share <= DQN_SHARE_TARGET if is_target else None,
            note=f"env alone {p['env_only_sps']:,.0f} agent-steps/s"))  # fmt: skip
    return rows


def roles_rows() -> list[Row]:
    """benchmarks/roles_share.py: algos/ppo_roles.py's speed on tag_v1, env share of wall."""
    group = "roles that learn together (algos/ppo_roles.py, tag_v1 1 v 1, CPU)"
    doc, why = script_json("roles_share.py", 1500)
    if doc is None or "error" in doc:
        error = "algos/ppo_roles.py did not run"
        return [Row("roles", group, error, "", note=why or (doc or {}).get("error", ""))]
    return [
        Row(f"roles_{r['arenas']}", group,
            f"PPO per role, {r['arenas']} arenas: env time share of wall", "GameServer.step",
            agents=2 * r["arenas"], arena="separate", obs="vector",
            steps_per_s=r["arena_steps_per_s"], agent_steps_per_s=r["agent_steps_per_s"],
            value=100 * r["env_share"], unit="% env")
        for r in doc["rows"]
    ]  # fmt: skip


def pixel_rows() -> list[Row]:
    """benchmarks/pixel_learner.py: the pixel env, the learner's updates/s, replay bytes."""
    group = "SAC from pixels (algos/sac_pixels.py, CPU)"
    doc, why = script_json("pixel_learner.py", 900)
    if doc is None:
        return [Row("pixels", group, "algos/sac_pixels.py did not run", "", note=why)]
    env, learner, replay = doc["env"], doc["learner"], doc["replay"]
    return [
        Row("pixels_env_default", group, f"pixel env, random actions ({doc['image']})",
            "make_vec", agents=8, arena="separate", obs="pixels 64 grey",
            steps_per_s=env["default"] / 8, agent_steps_per_s=env["default"]),
        Row("pixels_env_84_rgb", group, "pixel env, random actions, 84 px RGB", "make_vec",
            agents=8, arena="separate", obs="pixels 84 RGB", steps_per_s=env["84_rgb"] / 8,
            agent_steps_per_s=env["84_rgb"]),
        Row("pixels_learner", group, f"learner updates/s ({doc['image']}, "
            f"{doc['torch_threads']} torch threads)", "sac_pixels.py",
            value=learner["updates_per_s"], unit="updates/s",
            note=f"{learner['updates']} updates timed"),
        Row("pixels_replay_once", group, "replay bytes per transition, each frame stored once",
            "frame_replay.py", value=replay["stored_once"], unit="B",
            note=f"allocated {replay['allocated']:,.0f} B at {replay['buffer_size']:,}"),
        Row("pixels_replay_naive", group, "replay bytes per transition, both stacks stored",
            "(DrQ, CURL layout)", value=replay["naive"], unit="B"),
    ]  # fmt: skip


def policy_rows(cargo: str) -> list[Row]:
    """`cargo bench -p bevy_gym_policy --bench inference`: the in-game policy's cost per agent."""
    group = "in-game policy (cargo bench inference, Rust f64 MLP and conv)"
    try:
        out = subprocess.run(
            [cargo, "bench", "--quiet", "-p", "bevy_gym_policy", "--bench", "inference"],
            cwd=REPO / "game", capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
        cases = json.loads([ln for ln in out.stdout.splitlines() if ln.startswith("[")][-1])
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError) as exc:
        return [Row("policy", group, f"cargo bench inference did not run: {exc}", "")]
    return [
        Row(f"policy_{i}", group, case["case"], "Rust, in process", agents=int(case["agents"]),
            value=float(case["us_per_agent_step"]), unit="µs/agent-step",
            note=f"{case['us_per_call']:,.1f} µs/call")
        for i, case in enumerate(cases)
    ]  # fmt: skip


def judge(rows: list[Row]) -> None:
    """Fills `met` for the throughput targets (the other rows judge themselves)."""
    by_key = {r.key: r for r in rows}
    floor_row = by_key.get("floor_transport")
    for key in ("env_1", "parallel_1"):
        row = by_key.get(key)
        floor = row.paired_floor if row else None
        if floor is None and floor_row is not None:
            floor = floor_row.steps_per_s
        if row and row.steps_per_s and floor:
            ratio = floor / row.steps_per_s
            row.met = row.steps_per_s >= ENV_TARGET and ratio <= FLOOR_RATIO
            row.note = f"floor {floor:,.0f}/s on the same connection, timed in turns: ×{ratio:.2f}"
    row = by_key.get("make_vec_64")
    if row and row.agent_steps_per_s:
        row.met = row.agent_steps_per_s >= VECTOR_TARGET
    row = by_key.get("raw_rgb")
    if row and row.steps_per_s:
        row.met = row.steps_per_s >= PIXEL_TARGET


def _fmt(x: float | None, digits: int = 0) -> str:
    if x is None:
        return ""
    return f"{x:,.{digits}f}"


def table(rows: list[Row]) -> str:
    """The markdown table: one line per row, the group named on its first line."""
    head = ("| group | measurement | client | agents | arenas | obs | steps/s | agent-steps/s "
            "| µs/step or value | target | met |")  # fmt: skip
    lines = [head, "|" + "---|" * 11]
    group = None
    for r in rows:
        shown = r.group if r.group != group else ""
        group = r.group
        if r.value is not None:
            digits = 2 if r.unit == "ms" and r.value < 10 else 1
            value = f"{_fmt(r.value, digits)} {r.unit}"
        else:
            value = _fmt(r.us_per_step, 1)
        met = {True: "yes", False: "**no**", None: ""}[r.met]
        note = f" ({r.note})" if r.note else ""
        lines.append(
            f"| {shown} | {r.label}{note} | {r.client} | {r.agents or ''} | {r.arena} | {r.obs} "
            f"| {_fmt(r.steps_per_s)} | {_fmt(r.agent_steps_per_s)} | {value} | {r.target} "
            f"| {met} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", default=str(REPO / "benchmarks" / "results.json"))
    parser.add_argument("--plot", help="also draw the figure here (needs matplotlib)")
    parser.add_argument("--skip-cargo", action="store_true", help="no in-process floor")
    parser.add_argument("--skip-dqn", action="store_true", help="no DQN run")
    parser.add_argument("--skip-learners", action="store_true", help="no pixel or policy rows")
    parser.add_argument("--skip-camera", action="store_true", help="no camera sensor rows")
    parser.add_argument("--binary", help="the bevy-dodge to measure (default: the installed one)")
    args = parser.parse_args()
    cargo = os.environ.get("CARGO", "cargo")
    started = time.perf_counter()
    binary = find_binary("bevy-dodge", args.binary)
    if args.binary:
        cases.ENV_KWARGS["binary"] = binary
    info = machine(cargo)
    info["server_binary"] = binary
    rows: list[Row] = []
    cargo_table = "skipped"
    if not args.skip_cargo:
        log("in-process floor: cargo bench --bench step_cost (builds it the first time)")
        inproc, cargo_table = server_costs.in_process_rows(cargo)
        rows.extend(inproc)
    rows.extend(cases.all_rows(binary, log))
    log("in process: backend='native' (benchmarks/native.py)")
    rows.extend(native.native_rows(cargo))
    if not args.skip_camera:
        log("camera sensor vs raster (benchmarks/camera.py)")
        rows.extend(camera.camera_rows(binary))
    log("reset, start, memory")
    rows.extend(server_costs.reset_rows())
    rows.extend(server_costs.start_rows(binary))
    rows.extend(server_costs.memory_rows(binary))
    if not args.skip_dqn:
        log("DQN run (algos/dqn.py)")
        rows.extend(dqn_rows())
        log("DQN and SAC, environment share by backend (benchmarks/dqn_share.py)")
        rows.extend(backend_share_rows())
    if not args.skip_learners:
        log("PPO per role on tag_v1 (benchmarks/roles_share.py)")
        rows.extend(roles_rows())
        log("SAC from pixels: env, learner, replay (benchmarks/pixel_learner.py)")
        rows.extend(pixel_rows())
        if not args.skip_cargo:
            log("in-game policy: cargo bench -p bevy_gym_policy --bench inference")
            rows.extend(policy_rows(cargo))
    judge(rows)
    native.judge(rows)
    # Floors first: the in-process rows were measured first only to keep the build out of the way.
    groups = dict.fromkeys([cases.GROUP_FLOOR, *(r.group for r in rows)])
    order = {g: i for i, g in enumerate(groups)}
    rows.sort(key=lambda r: order[r.group])
    info["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    info["seconds"] = round(time.perf_counter() - started, 1)
    print(
        f"bevy_gym benchmarks: {info['cpu']} ({info['cpus']} CPUs), Python {info['python']}, "
        f"{info['rust']}, {info['os']}, commit {info['commit']}, {info['date']}; load average "
        f"{info['load_average_at_start'][0]} at start, {info['load_average_at_end'][0]} at end; "
        f"{info['seconds']:.0f} s. Best of {cases_repeats()} repeats per row.\n"
    )
    print(table(rows))
    missed = [r.key for r in rows if r.met is False]
    print(f"\nTargets missed: {', '.join(missed)}" if missed else "\nEvery target holds.")
    doc = {"machine": info, "rows": [r.to_json() for r in rows], "in_process_table": cargo_table}
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(doc, indent=1) + "\n")
    log(f"wrote {args.json}")
    if args.plot:
        import plot

        if plot.available():
            plot.draw(doc, Path(args.plot))
            log(f"wrote {args.plot}")
        else:
            log("matplotlib is not installed: no plot")


def cases_repeats() -> int:
    """Repeats per throughput row (from the harness)."""
    from harness import REPEATS

    return REPEATS


if __name__ == "__main__":
    main()
