"""Per-step latency of bevy_gym's transport against the standard library's http.client and
requests: each client sends the same `POST /v1/step?obs=vector` (one agent, one action) to one
`bevy-dodge`, in interleaved rounds; the best round per client is reported.
Usage: python examples/transport_latency.py [--calls 2000] [--rounds 3] [--binary PATH]"""

from __future__ import annotations

import argparse
import http.client
import platform
import time
from collections.abc import Callable

from bevy_gym import ServerProcess, find_binary
from bevy_gym.transport import Transport

BODY = (0).to_bytes(4, "little")  # one Discrete action, IDLE, as the binary body
TARGET = "/v1/step?obs=vector"


def clients(url: str) -> dict[str, Callable[[], bytes]]:
    """One step call per client, each over its own kept-alive connection."""
    transport = Transport(url)
    host, port = url.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port))

    def ours() -> bytes:
        return transport.request("POST", "/v1/step", "obs=vector", BODY).body

    def stdlib() -> bytes:
        conn.request("POST", TARGET, body=BODY)
        return conn.getresponse().read()

    calls = {"bevy_gym Transport": ours, "http.client.HTTPConnection": stdlib}
    try:
        import requests
    except ImportError:
        return calls
    session = requests.Session()
    calls["requests.Session"] = lambda: session.post(url + TARGET, data=BODY).content
    return calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="steps per client per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--binary", default=None, help="bevy-dodge (default: find_binary)")
    args = parser.parse_args()

    with ServerProcess(find_binary("bevy-dodge", args.binary), ["--max-episode-steps", "0"]) as srv:
        calls = clients(srv.url)
        best = dict.fromkeys(calls, float("inf"))
        for _ in range(args.rounds):
            for name, call in calls.items():
                for _ in range(max(1, args.calls // 10)):  # warm-up
                    call()
                started = time.perf_counter()
                for _ in range(args.calls):
                    call()
                best[name] = min(best[name], (time.perf_counter() - started) / args.calls)
    print(f"Python {platform.python_version()}, {args.calls} steps x {args.rounds} rounds, best:")
    floor = best["bevy_gym Transport"]
    for name, seconds in best.items():
        print(f"{name:28s} {seconds * 1e6:8.1f} us/step {1 / seconds:9,.0f} steps/s"
              f"  x{seconds / floor:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
