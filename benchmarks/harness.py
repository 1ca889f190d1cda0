"""Measurement helpers shared by the benchmark cases: timed loops (best of several repeats), one
result row per measurement, the machine's description, and server process facts (RSS)."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

# Seconds per timed repeat, repeats per row, and warm-up before the first repeat. The row reports
# the best repeat (the machine is shared: slower repeats measure other processes, not us) and
# keeps every repeat in the JSON.
REPEAT_SECONDS = 1.0
REPEATS = 3
WARMUP_SECONDS = 0.25
BATCH_SECONDS = 0.01  # calls between clock reads, sized so a batch lasts about this long


@dataclass
class Row:
    """One line of the results table.

    Throughput rows fill `steps_per_s` (steps of the whole batch of agents per second) and
    `agent_steps_per_s`; other rows (reset, start, memory, DQN) fill `value` and `unit`."""

    key: str
    group: str
    label: str
    client: str
    agents: int | None = None
    arena: str = ""
    obs: str = ""
    steps_per_s: float | None = None
    agent_steps_per_s: float | None = None
    value: float | None = None
    unit: str = ""
    target: str = ""
    met: bool | None = None
    repeats: list[float] = field(default_factory=list)
    # The bare round trip over this row's own connection, timed in turns with the row (target
    # rows only): the ratio to the floor is judged on this pair, so load drifting between rows
    # minutes apart cannot tilt it.
    paired_floor: float | None = None
    note: str = ""

    @property
    def us_per_step(self) -> float | None:
        """Microseconds per step of the whole batch (the inverse of steps/s)."""
        return 1e6 / self.steps_per_s if self.steps_per_s else None

    def to_json(self) -> dict[str, Any]:
        """The row with its derived fields, for results.json."""
        doc = asdict(self)
        doc["us_per_step"] = self.us_per_step
        return doc


def throughput(
    step: Callable[[], object],
    *,
    repeats: int = REPEATS,
    seconds: float = REPEAT_SECONDS,
    warmup: float = WARMUP_SECONDS,
) -> list[float]:
    """Calls `step` in a loop; returns calls per second of each timed repeat."""
    clock = time.perf_counter
    start = clock()
    calls = 0
    while clock() - start < warmup or calls < 3:
        step()
        calls += 1
    per_call = (clock() - start) / calls
    batch = max(1, int(BATCH_SECONDS / max(per_call, 1e-7)))
    rates = []
    for _ in range(repeats):
        done = 0
        t0 = clock()
        while True:
            for _ in range(batch):
                step()
            done += batch
            elapsed = clock() - t0
            if elapsed >= seconds:
                break
        rates.append(done / elapsed)
    return rates


def throughput_row(
    step: Callable[[], object],
    agents: int,
    row: Row,
    floor: Callable[[], object] | None = None,
    **kwargs: Any,
) -> Row:
    """Fills `row` from `throughput(step)`: the best repeat is the reported figure. With
    `floor`, its repeats alternate with the row's and its best goes to `row.paired_floor`."""
    if floor is None:
        rates = throughput(step, **kwargs)
    else:
        rates, floors = [], []
        for _ in range(kwargs.pop("repeats", REPEATS)):
            floors += throughput(floor, repeats=1, **kwargs)
            rates += throughput(step, repeats=1, **kwargs)
        row.paired_floor = max(floors)
    row.repeats = [round(r, 1) for r in rates]
    row.steps_per_s = max(rates)
    row.agents = agents
    row.agent_steps_per_s = row.steps_per_s * agents
    return row


def timed(fn: Callable[[], object], times: int) -> list[float]:
    """Wall seconds of `times` separate calls of `fn`."""
    out = []
    for _ in range(times):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def median(values: list[float]) -> float:
    """The median (statistics.median, named here for the cases' readability)."""
    return statistics.median(values)


def rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KiB: resident memory now and at its peak."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(rest.split()[0])
    return fields.get("VmRSS", 0), fields.get("VmHWM", 0)


def _command(*args: str, cwd: Path | None = None) -> str:
    try:
        out = subprocess.run(
            list(args), capture_output=True, text=True, timeout=30, cwd=cwd, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.stdout.strip() or "unknown"


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, with family/model/stepping and clock (a VM's
    model name can be as vague as "Intel(R) Xeon(R) Processor") and whether it is virtualised."""
    fields: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if not key and fields:
                    break  # the first processor is enough
                fields.setdefault(key, value.strip())
    except OSError:
        return platform.processor() or "unknown"
    name = fields.get("model name", platform.processor() or "unknown")
    detail = (
        f"family {fields.get('cpu family', '?')} model {fields.get('model', '?')} "
        f"stepping {fields.get('stepping', '?')}, {float(fields.get('cpu MHz', 0)):.0f} MHz"
    )
    if "hypervisor" in fields.get("flags", "").split():
        detail += ", virtual machine"
    return f"{name} ({detail})"


def machine(cargo: str = "cargo") -> dict[str, Any]:
    """What the figures were measured on (printed above the table and stored in the JSON)."""
    import gymnasium
    import numpy
    import pettingzoo

    load = os.getloadavg()
    commit = _command("git", "rev-parse", "--short", "HEAD", cwd=REPO)
    dirty = _command("git", "status", "--porcelain", cwd=REPO)
    return {
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "rust": _command("rustc", "--version"),
        "cargo": _command(cargo, "--version"),
        "os": f"{platform.system()} {platform.release()}",
        "numpy": numpy.__version__,
        "gymnasium": gymnasium.__version__,
        "pettingzoo": pettingzoo.__version__,
        "commit": commit + ("+dirty" if dirty not in ("", "unknown") else ""),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "load_average_at_start": [round(x, 2) for x in load],
        "interpreter": sys.executable,
    }
