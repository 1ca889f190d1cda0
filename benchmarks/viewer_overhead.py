"""What watching costs: agent-steps/s of a vector env stepped as fast as the client can, on the
headless server (bevy-dodge) and on the windowed one (bevy-dodge-view in serve mode, as
render_mode="human" launches it), at two window sizes.

A step is a round trip between threads and processes, and on an idle virtual machine waking
them up costs more than the step itself: anything that keeps the cores busy (a renderer, or a
spinning process) makes the lockstep faster. So the fair baseline is the headless server with a
spinning process beside it; the plain headless figure is printed too. Needs `make viewer` and a
display (`xvfb-run -a` without one). Prints a markdown table and one JSON line.

    xvfb-run -a python benchmarks/viewer_overhead.py [--arenas 16] [--steps 20000] [--rounds 2]"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import bevy_gym
from bevy_gym.envs.dodge import config


def rate(
    arenas: int, steps: int, binary: str, window: tuple[int, int] | None, busy: bool = False
) -> float:
    """Agent-steps/s with random actions on `binary`, started with `arenas` separate arenas;
    `busy`: with a spinning process beside it (see the module's note)."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    try:
        return _rate(arenas, steps, binary, window)
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait()


def _rate(arenas: int, steps: int, binary: str, window: tuple[int, int] | None) -> float:
    flags = [f"--agents={arenas}", "--arena-mode=separate"]
    if window is not None:
        flags += [f"--width={window[0]}", f"--height={window[1]}"]
    with bevy_gym.ServerProcess(bevy_gym.find_binary(binary), flags) as server:
        envs = bevy_gym.make_vec(url=server.url, num_envs=arenas)
        try:
            envs.reset(seed=0)
            actions = envs.action_space.sample()
            for _ in range(200):  # warm-up: the window opens, shaders compile
                envs.step(actions)
            start = time.perf_counter()
            for _ in range(steps):
                envs.step(actions)
            return steps * arenas / (time.perf_counter() - start)
        finally:
            envs.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arenas", type=int, default=16)
    parser.add_argument("--steps", type=int, default=20000, help="timed vector steps per case")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of all cases; best kept")
    args = parser.parse_args()
    cases: dict[str, tuple[str, tuple[int, int] | None, bool]] = {
        f"headless ({config.BINARY})": (config.BINARY, None, False),
        "headless, a spinning process beside it": (config.BINARY, None, True),
        f"{config.VIEWER}, 640x360": (config.VIEWER, (640, 360), False),
        f"{config.VIEWER}, 1280x720": (config.VIEWER, (1280, 720), False),
    }
    rates = dict.fromkeys(cases, 0.0)
    for _ in range(args.rounds):  # interleaved, so a busy moment does not hit one case only
        for name, (binary, window, busy) in cases.items():
            rates[name] = max(rates[name], rate(args.arenas, args.steps, binary, window, busy))
    headless = rates["headless, a spinning process beside it"]
    print(
        f"| server ({args.arenas} arenas, random actions) | agent-steps/s | vs headless+spinner |"
    )
    print("|---|---|---|")
    for name, value in rates.items():
        print(f"| {name} | {value:,.0f} | {value / headless:.2f} |")
    print(json.dumps({"arenas": args.arenas, "steps": args.steps, "rounds": args.rounds,
                      "agent_steps_per_s": rates}))  # fmt: skip


if __name__ == "__main__":
    main()
