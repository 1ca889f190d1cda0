"""The in-process backend's rows (backend="native"), measured beside the HTTP rows of the same run:
Env.step of one agent, ParallelEnv.step, make_vec with 16/64/256 arenas, 84×84 RGB pixels, and
where the time goes: the bare call into the extension (nothing computed), the GIL held instead
of released, and copy=False (no allocation per step) against the default copy=True.
`judge` sets the issue's targets against the HTTP and in-process Rust rows of the same run."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import numpy as np
from cases import env_loop, make_env, make_parallel, make_vec, parallel_loop, vector_loop
from harness import REPEAT_SECONDS, REPEATS, REPO, Row, throughput, throughput_row
from server_costs import step_cost_cases

GROUP = "in process: backend='native' (the game's extension module, no socket)"
ENV_RATIO_TARGET = 5.0  # 1 agent Env.step, native / HTTP
VEC_SHARE_TARGET = 0.80  # make_vec(256) native / the Rust in-process step of 256 arenas
RUST_CASE = "256 separate arenas, K=4, vector obs"
RUST_256 = f"in-process step: {RUST_CASE}"
# Rounds of the Rust bench's 256-arena case and make_vec(256), in turns: this VM's speed drifts by
# up to ×1.8 between stretches of a run (hypervisor steal), so a share of two figures taken
# minutes apart measures the drift as much as bevy_gym.
PAIRED_ROUNDS = 2 * REPEATS


def available() -> str | None:
    """None when the dodge extension imports, else why not."""
    try:
        import bevy_dodge_native  # noqa: F401
    except ImportError as exc:
        return f"bevy_dodge_native is not installed ({exc}): `make install` builds it"
    return None


def native_rows(cargo: str = "cargo") -> list[Row]:
    """Every native row (or one row saying why there are none)."""
    why = available()
    if why is not None:
        return [Row("native", GROUP, why, "")]
    rows = []
    with ExitStack() as stack:
        env = make_env(backend="native")
        stack.callback(env.close)
        native = env.unwrapped.remote.connect().env
        take = env_loop(env)
        rows.append(
            throughput_row(take, 1, _row("native_env_1", "Env.step, gymnasium.make", 1,
                                         target=f"≥ {ENV_RATIO_TARGET:g}× HTTP env_1"))
        )  # fmt: skip
        native.release_gil = False
        rows.append(
            throughput_row(take, 1, _row("native_env_1_gil", "Env.step, GIL held (not released)",
                                         1))
        )  # fmt: skip
        native.release_gil = True
        rows.append(
            throughput_row(lambda: native.observe("none"), 1,
                           _row("native_call", "bare call NativeEnv.observe('none'): nothing "
                                "computed, four small arrays", 1))
        )  # fmt: skip
    with ExitStack() as stack:
        raw = make_env(backend="native")
        stack.callback(raw.close)
        rows.append(
            throughput_row(env_loop(raw.unwrapped), 1,
                           _row("native_env_1_direct", "Env.step, DodgeEnv (no wrappers)", 1))
        )  # fmt: skip
        remote = raw.unwrapped.remote
        body = np.zeros(1, np.int32).tobytes()
        rows.append(
            throughput_row(lambda: remote.connect().step_binary(body, obs_shape=(72,)), 1,
                           _row("native_client_1", "NativeClient.step_binary (bytes in, "
                                "arrays out)", 1))
        )  # fmt: skip
    with ExitStack() as stack:
        par = make_parallel(num_agents=1, arena_mode="shared", backend="native")
        stack.callback(par.close)
        rows.append(
            throughput_row(parallel_loop(par), 1,
                           _row("native_parallel_1", "ParallelEnv.step (PettingZoo dicts)", 1))
        )  # fmt: skip
    for agents in (16, 64, 256):
        for copy in (True, False) if agents == 256 else (True,):
            with ExitStack() as stack:
                envs = make_vec(agents, backend="native", copy=copy)
                stack.callback(envs.close)
                key = f"native_make_vec_{agents}" + ("" if copy else "_nocopy")
                label = "gymnasium.make_vec" + ("" if copy else ", copy=False")
                row = _row(key, label, agents)  # its target: the paired row below
                floor = None
                if agents == 256 and copy:  # the extension alone, timed in turns with the row
                    floor = bare_loop(stack, agents)
                rows.append(throughput_row(vector_loop(envs), agents, row, floor=floor))
                if agents == 256 and copy:
                    rows.append(paired_with_rust(vector_loop(envs), cargo))
                if agents == 256 and copy:
                    inner = envs.unwrapped.remote.connect().env
                    inner.release_gil = False
                    rows.append(
                        throughput_row(vector_loop(envs), agents,
                                       _row("native_make_vec_256_gil", "gymnasium.make_vec, "
                                            "GIL held", agents))
                    )  # fmt: skip
    env = make_env(backend="native", obs_type="pixels")
    try:
        rows.append(
            throughput_row(env_loop(env), 1,
                           _row("native_raw_rgb", "84×84 RGB raw: Env.step", 1, obs="RGB raw"))
        )  # fmt: skip
    finally:
        env.close()
    return rows


def bare_loop(stack: ExitStack, agents: int) -> Any:
    """`NativeEnv.step` called directly on a game of its own (fresh arrays, finished arenas reset
    in the same call, as the vector env's autoreset does): the extension without bevy_gym's
    Python layers."""
    import bevy_dodge_native
    from cases import action_pool, cycle

    env = bevy_dodge_native.make([f"--agents={agents}", "--arena-mode=separate"])
    stack.callback(env.close)
    env.reset(seed=0)
    bodies = cycle([a.tobytes() for a in action_pool(agents)])
    pending: list[Any] = [None]

    def step() -> Any:
        out = env.step(bodies(), pending[0], "vector", None)
        pending[0] = np.flatnonzero(out[2] | out[3]).tolist() or None
        return out

    return step


def rust_case(cargo: str) -> Callable[[], float] | str:
    """A function that runs the step_cost bench's 256-arena case for one repeat's time and returns
    its steps/s (the bench's executable, built once by cargo), or why it cannot run."""
    try:
        out = subprocess.run(
            [cargo, "bench", "--no-run", "--quiet", "--bench", "step_cost",
             "--message-format=json"],
            cwd=REPO / "game", capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cargo bench --no-run did not run: {exc}"
    executable = None
    for line in out.stdout.splitlines():
        message = json.loads(line) if line.startswith("{") else {}
        if message.get("target", {}).get("name") == "step_cost" and message.get("executable"):
            executable = message["executable"]
    if out.returncode != 0 or executable is None:
        return f"cargo bench --no-run failed ({out.returncode}): {out.stderr.strip()[-300:]}"
    env = {**os.environ, "STEP_COST_SECONDS": str(REPEAT_SECONDS)}

    def run() -> float:
        done = subprocess.run(
            [executable, "--bench", RUST_CASE],
            env=env, capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        (case,) = step_cost_cases(done.stdout)
        return 1e6 / float(case["wall_us_per_step"])

    return run


def paired_with_rust(step: Callable[[], object], cargo: str) -> Row:
    """make_vec(256) and the Rust bench's 256-arena case in turns, a repeat each per round: the
    share is judged on this pair (best against best), each round's share kept in the note."""
    row = _row("native_make_vec_256_paired", "gymnasium.make_vec, in turns with Rust's bench",
               256, f"≥ {VEC_SHARE_TARGET:.0%} of Rust")  # fmt: skip
    rust = rust_case(cargo)
    if isinstance(rust, str):
        row.note = rust
        return row
    rates, floors = [], []
    for _ in range(PAIRED_ROUNDS):
        floors.append(rust())
        rates += throughput(step, repeats=1)
    row.repeats = [round(r, 1) for r in rates]
    row.steps_per_s = max(rates)
    row.agent_steps_per_s = row.steps_per_s * 256
    row.paired_floor = max(floors)
    share = row.steps_per_s / row.paired_floor
    rounds = ", ".join(f"{r / f:.0%}" for r, f in zip(rates, floors, strict=True))
    row.met = share >= VEC_SHARE_TARGET
    row.note = (
        f"{share:.0%} of Rust's {row.paired_floor * 256:,.0f} agent-steps/s timed in turns "
        f"(best of {PAIRED_ROUNDS} each; round by round {rounds})"
    )
    return row


def _row(key: str, label: str, agents: int, target: str = "", obs: str = "vector") -> Row:
    arena = "separate" if agents > 1 or key != "native_parallel_1" else "shared"
    return Row(key, GROUP, label, "bevy_gym, backend='native'", agents=agents, arena=arena,
               obs=obs, target=target)  # fmt: skip


def judge(rows: list[Row]) -> None:
    """The targets: native Env.step ≥ 5× HTTP's (make_vec(256) ≥ 80 % of Rust's in-process step
    of 256 arenas is judged where they are timed in turns: `paired_with_rust`); and each native
    row's ratio to its HTTP twin in its note."""
    by_key = {r.key: r for r in rows}
    twins = {
        "native_env_1": "env_1",
        "native_env_1_direct": "env_1_direct",
        "native_parallel_1": "parallel_1",
        "native_make_vec_16": "make_vec_16",
        "native_make_vec_64": "make_vec_64",
        "native_make_vec_256": "make_vec_256",
        "native_raw_rgb": "raw_rgb",
    }
    for key, twin in twins.items():
        row, http = by_key.get(key), by_key.get(twin)
        if row and http and row.steps_per_s and http.steps_per_s:
            ratio = row.steps_per_s / http.steps_per_s
            row.note = f"×{ratio:.1f} HTTP's {http.steps_per_s:,.0f}/s"
            if key == "native_env_1":
                row.met = ratio >= ENV_RATIO_TARGET
    rust = next((r for r in rows if r.label == RUST_256), None)
    row = by_key.get("native_make_vec_256")
    if row and rust and row.agent_steps_per_s and rust.agent_steps_per_s:
        share = row.agent_steps_per_s / rust.agent_steps_per_s
        row.note += (
            f"; {share:.0%} of the Rust row's {rust.agent_steps_per_s:,.0f} agent-steps/s, "
            "timed minutes apart (the target is judged in turns: native_make_vec_256_paired)"
        )
    if row and row.paired_floor and row.steps_per_s:
        layers = 1e6 / row.steps_per_s - 1e6 / row.paired_floor
        row.note += (
            f"; NativeEnv.step alone {row.paired_floor:,.0f}/s in turns: the Python layers "
            f"{layers:.0f} µs/step"
        )


def share_rows(doc: dict[str, Any], group: str, script: str) -> list[Row]:
    """The environment's share of a training script's wall time while learning, over HTTP and
    native (benchmarks/dqn_share.py's JSON per backend): the target is half HTTP's share."""
    rows = []
    shares = {}
    for backend in ("http", "native"):
        run = doc.get(backend)
        if not run or "error" in run:
            why = (run or {}).get("error", "did not run")
            rows.append(Row(f"{script}_share_{backend}", group, f"{script} ({backend}): {why}", ""))
            continue
        p = run["learning"]
        shares[backend] = p["env_share"]
        rows.append(Row(
            f"{script}_share_{backend}", group,
            f"{script} while learning, backend='{backend}': env time share of wall",
            "make_vec, same-step autoreset", agents=run.get("num_envs", 4), arena="separate",
            obs="vector", steps_per_s=p["sps"], agent_steps_per_s=p["sps"],
            value=100 * p["env_share"], unit="% env",
            note=f"env alone {p['env_only_sps']:,.0f} agent-steps/s"))  # fmt: skip
    if len(shares) == 2:
        native = rows[-1]
        native.target = "≤ ½ HTTP's share"
        native.met = shares["native"] <= shares["http"] / 2
        native.note += f"; HTTP's share ÷ {shares['http'] / max(shares['native'], 1e-9):.1f}"
    return rows
