"""Same-run comparison of bevy-dodge builds on the one-agent paths: `Env.step` through
`gymnasium.make` (make bench's target row) and the bare binary round trip, in alternating rounds
so that a change of machine speed hits every build alike. Prints a markdown table and JSON.

    python benchmarks/compare_binaries.py NAME=PATH NAME=PATH [--rounds 5] [--seconds 3]

Used to decide between the hand-written HTTP server and hyper (docs/performance.md)."""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

import gymnasium as gym
import numpy as np

import bevy_gym
from bevy_gym import Client, ServerProcess
from bevy_gym.protocol import encode_actions


def rate(step: Callable[[], object], seconds: float) -> float:
    """Steps per second of `step` after a warm-up."""
    for _ in range(300):
        step()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(100):
            step()
        n += 100
    return n / (time.perf_counter() - start)


def env_step(binary: str, seconds: float) -> float:
    """`Env.step` with the wrappers `gymnasium.make` adds, on a server started from `binary`
    (through its URL, so builds without `--print-spec` compare too), seeded random actions."""
    with ServerProcess(binary, ["--max-episode-steps", "0"]) as server:
        env = bevy_gym.make(url=server.url)
        wrapped = gym.wrappers.TimeLimit(
            gym.wrappers.OrderEnforcing(gym.wrappers.PassiveEnvChecker(env)), 1000
        )
        wrapped.reset(seed=0)
        actions = np.random.default_rng(0).integers(0, 5, 4096).tolist()
        count = [0]

        def step() -> None:
            count[0] += 1
            _, _, terminated, truncated, _ = wrapped.step(actions[count[0] % 4096])
            if terminated or truncated:
                wrapped.reset()

        try:
            return rate(step, seconds)
        finally:
            wrapped.close()


def bare(binary: str, seconds: float) -> float:
    """One `POST /v1/step` per call through bevy_gym's client: the Env row's floor."""
    with ServerProcess(binary, ["--agents", "1", "--arena-mode", "separate"]) as server:
        client = Client(server.url)
        client.reset_binary(seed=0)
        body = encode_actions(np.zeros(1, np.int32), gym.spaces.Discrete(5), 1)
        try:
            return rate(lambda: client.step_binary(body, obs="vector", obs_shape=(72,)), seconds)
        finally:
            client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("builds", nargs="+", help="NAME=PATH of a bevy-dodge binary")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    builds = dict(build.split("=", 1) for build in args.builds)
    runs: dict[str, dict[str, list[float]]] = {n: {"env_step": [], "bare": []} for n in builds}
    for _ in range(args.rounds):
        for name, binary in builds.items():
            runs[name]["env_step"].append(env_step(binary, args.seconds))
            runs[name]["bare"].append(bare(binary, args.seconds))
    medians = {n: {k: statistics.median(v) for k, v in r.items()} for n, r in runs.items()}
    print("| build | Env.step via gymnasium.make (steps/s, median) | bare /v1/step (median) |")
    print("|---|---|---|")
    for name, m in medians.items():
        print(f"| {name} | {m['env_step']:,.0f} | {m['bare']:,.0f} |")
    print(json.dumps({"rounds": args.rounds, "runs": runs, "median": medians}))


if __name__ == "__main__":
    main()
