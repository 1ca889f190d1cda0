"""RLlib sampling throughput on this machine: agent-steps/s that PPO's env runners sample, with 1
and 2 runners (each its own server with N arenas), and for comparison the same arenas stepped
directly. Prints a markdown table and one JSON line. Needs the `rllib` extra.

    python benchmarks/rllib_throughput.py [--arenas 4] [--iterations 4]"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import gymnasium as gym
import ray

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "algos"))

import ppo_rllib  # noqa: E402

import bevy_gym.rllib  # noqa: E402


def sampled_rate(runners: int, arenas: int, iterations: int, batch: int) -> dict[str, float]:
    """PPO iterations with `runners` env runners: env steps sampled per second of sampling and
    per second of the whole iteration (sampling plus one epoch of learning)."""
    args = ppo_rllib.Args(
        num_env_runners=runners,
        num_envs_per_runner=arenas,
        train_batch_size=batch,
        minibatch_size=batch,
        num_epochs=1,
        eval_interval=0,
    )
    ray.init(address="local", num_cpus=max(2, runners), include_dashboard=False)
    try:
        bevy_gym.rllib.register_envs()
        algo = ppo_rllib.make_config(args).evaluation(evaluation_interval=None).build_algo()
        try:
            algo.train()  # warm-up: servers started, modules built
            steps0 = algo.train()["env_runners"]["num_env_steps_sampled_lifetime"]
            start = time.perf_counter()
            sampling = 0.0
            for _ in range(iterations):
                result = algo.train()
                sampling += result["timers"]["env_runner_sampling_timer"]
            wall = time.perf_counter() - start
            steps = result["env_runners"]["num_env_steps_sampled_lifetime"] - steps0
        finally:
            algo.stop()
    finally:
        ray.shutdown()
    return {"steps": steps, "per_s_sampling": steps / sampling, "per_s_iteration": steps / wall}


def direct_rate(arenas: int, vector_steps: int = 3000) -> float:
    """The same arenas of one server stepped directly (random actions): agent-steps/s."""
    envs = gym.make_vec(
        "bevy_gym/Dodge-v0", num_envs=arenas, vectorization_mode="vector_entry_point", level=1
    )
    try:
        envs.reset(seed=0)
        actions = envs.action_space.sample()
        start = time.perf_counter()
        for _ in range(vector_steps):
            envs.step(actions)
        return vector_steps * arenas / (time.perf_counter() - start)
    finally:
        envs.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arenas", type=int, default=4, help="arenas per runner")
    parser.add_argument("--iterations", type=int, default=4, help="timed iterations per case")
    parser.add_argument("--batch", type=int, default=4000, help="env steps per iteration")
    args = parser.parse_args()
    rows = {f"{n} runner{'s' * (n > 1)}": sampled_rate(n, args.arenas, args.iterations, args.batch)
            for n in (1, 2)}  # fmt: skip
    direct = direct_rate(args.arenas)
    print(f"| case ({args.arenas} arenas per runner) | agent-steps/s while sampling "
          "| agent-steps/s per iteration (sampling + learning) |")  # fmt: skip
    print("|---|---|---|")
    for name, row in rows.items():
        print(f"| PPO, {name} | {row['per_s_sampling']:,.0f} | {row['per_s_iteration']:,.0f} |")
    print(f"| the same arenas stepped directly (no RLlib, random actions) | {direct:,.0f} | |")
    print(json.dumps({"arenas": args.arenas, "rllib": rows, "direct": direct}))


if __name__ == "__main__":
    main()
