"""The non-throughput rows: the server's in-process step cost (the Rust `step_cost` bench, no
HTTP), reset time, start-to-ready time and resident memory with 256 agents."""

from __future__ import annotations

import json
import os
import subprocess
import time
from typing import Any

import numpy as np
from cases import GROUP_FLOOR, action_pool, make_env, make_vec, server, server_args
from harness import REPO, Row, median, rss_kib, timed

from bevy_gym import Client, ServerProcess

GROUP_RESET = "reset, start, memory"
IN_PROCESS_SECONDS = "1"  # per case of the Rust bench (its default is 2)
RESET_TARGET_MS = 2.0
START_TARGET_S = 1.0
RSS_TARGET_MB = 100.0


def in_process_rows(cargo: str = "cargo") -> tuple[list[Row], str]:
    """`cargo bench --bench step_cost` (builds it if needed): the server's cost per step with no
    HTTP, as rows; and the bench's own markdown table (or why it could not run)."""
    env = {**os.environ, "STEP_COST_SECONDS": IN_PROCESS_SECONDS}
    try:
        out = subprocess.run(
            [cargo, "bench", "--quiet", "--bench", "step_cost"],
            cwd=REPO / "game", env=env, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [], f"cargo bench did not run: {exc}"
    cases = step_cost_cases(out.stdout)
    if out.returncode != 0 or not cases:
        return [], f"cargo bench failed ({out.returncode}): {out.stderr.strip()[-500:]}"
    rows = []
    for i, case in enumerate(cases):
        agents = int(case["agents"])
        steps = 1e6 / float(case["wall_us_per_step"])
        rows.append(Row(
            f"in_process_{i}", GROUP_FLOOR, f"in-process step: {case['case']}",
            "Rust, no HTTP (cargo bench step_cost)", agents=agents,
            steps_per_s=steps, agent_steps_per_s=steps * agents,
            note=f"CPU {case['cpu_us_per_step']:.1f} µs/step"))  # fmt: skip
    table = "\n".join(line for line in out.stdout.splitlines() if line.startswith("|"))
    return rows, table


def step_cost_cases(stdout: str) -> list[dict[str, Any]]:
    """The cases of the step_cost bench's JSON line (its last line starting with "["), or []."""
    lines = [line for line in stdout.splitlines() if line.startswith("[")]
    return json.loads(lines[-1]) if lines else []


def reset_rows() -> list[Row]:
    """`Env.reset()` of one agent through gymnasium.make (seeded and not) and `make_vec(64)`
    reset: the median of many calls, in milliseconds."""
    rows = []
    env = make_env()
    try:
        env.reset(seed=0)
        plain = timed(env.reset, 300)
        seeds = iter(range(1, 10_000))
        seeded = timed(lambda: env.reset(seed=next(seeds)), 300)
    finally:
        env.close()
    for key, label, values in (
        ("reset_1", "Env.reset(), 1 agent, median", plain),
        ("reset_1_seeded", "Env.reset(seed=s), 1 agent, median", seeded),
    ):
        ms = median(values) * 1e3
        rows.append(Row(key, GROUP_RESET, label, "bevy_gym", agents=1, arena="separate",
                        obs="vector", value=ms, unit="ms", target=f"≤ {RESET_TARGET_MS:g} ms",
                        met=ms <= RESET_TARGET_MS))  # fmt: skip
    envs = make_vec(64)
    try:
        envs.reset(seed=0)
        ms = median(timed(envs.reset, 100)) * 1e3
    finally:
        envs.close()
    rows.append(Row("reset_64", GROUP_RESET, "make_vec(64).reset(), median", "bevy_gym",
                    agents=64, arena="separate", obs="vector", value=ms, unit="ms",
                    target=f"≤ {RESET_TARGET_MS:g} ms", met=ms <= RESET_TARGET_MS))  # fmt: skip
    return rows


def start_rows(binary: str) -> list[Row]:
    """From starting the process to its first answer (`GET /spec`), median of 5; and from
    `gymnasium.make` to the first observation (launch included), median of 3."""
    rows = []
    for agents in (1, 256):

        def start(agents: int = agents) -> None:
            with ServerProcess(binary, server_args(agents, "separate")) as proc:
                Client(proc.url).spec()

        start()  # the first start also pays for reading the binary from disk
        seconds = median(timed(start, 5))
        rows.append(Row(f"start_{agents}", GROUP_RESET, "server start to ready (first reply)",
                        "ServerProcess + GET /spec", agents=agents, arena="separate",
                        value=seconds * 1e3, unit="ms", target=f"≤ {START_TARGET_S * 1e3:g} ms",
                        met=seconds <= START_TARGET_S))  # fmt: skip

    def first_observation() -> None:
        env = make_env()
        env.reset(seed=0)
        env.close()

    seconds = median(timed(first_observation, 3))
    rows.append(Row("make_to_obs", GROUP_RESET, "gymnasium.make to first observation",
                    "bevy_gym (launches the server)", agents=1, arena="separate",
                    value=seconds * 1e3, unit="ms"))  # fmt: skip
    return rows


def memory_rows(binary: str) -> list[Row]:
    """Peak resident memory (VmHWM) of a 256-agent server after 300 steps with resets, three
    binary pixel frames and one tiled PNG of all 256 images."""
    rows = []
    for arena in ("separate", "shared"):
        with server(binary, server_args(256, arena)) as proc:
            client = Client(proc.url)
            client.reset_binary(seed=0, obs="vector")
            bodies = [a.tobytes() for a in action_pool(256)]
            reset: list[int] = []
            for i in range(300):
                res = client.step_binary(bodies[i % len(bodies)], obs="vector", reset=reset)
                done = res.done
                reset = np.flatnonzero(done).tolist() if arena == "separate" else (
                    [0] if done.all() else [])  # fmt: skip
            for _ in range(3):
                client.observe_binary(obs="pixels")
            client.visual_observations()
            time.sleep(0.05)
            rss, peak = rss_kib(proc.pid)
        mb = peak / 1024
        rows.append(Row(f"rss_256_{arena}", GROUP_RESET, "server peak RSS (VmHWM)",
                        "after steps, pixels, PNG", agents=256, arena=arena, value=mb,
                        unit="MiB", target=f"≤ {RSS_TARGET_MB:g} MB", met=mb <= RSS_TARGET_MB,
                        note=f"RSS now {rss / 1024:.1f} MiB"))  # fmt: skip
    return rows
