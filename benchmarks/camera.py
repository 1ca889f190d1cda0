"""The camera sensor's cost beside the raster path, in one run: `make_vec` over one bevy-dodge
with N separate arenas (one sensor camera each) stepping pixel observations, at 64 and 84 px,
for 1, 8 and 32 cameras. Camera-frames/s is agent-steps/s (one image per agent per step).
Without a bevy-dodge built with the sensor (`make camera`) the camera rows say so."""

from __future__ import annotations

import subprocess
from typing import Any

import cases
from harness import Row, throughput_row

GROUP = "camera sensor vs raster (make_vec, separate arenas, RGB)"
SIZES = (64, 84)
CAMERAS = (1, 8, 32)
CAMERA_TARGET = 60  # camera-frames/s at 84 px with 8 cameras (the prototype's figure)


def has_camera(binary: str) -> str | None:
    """None if `binary` has the camera sensor, else why not (its last line of stderr)."""
    out = subprocess.run(
        [binary, "--image-source", "camera", "--print-spec"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if out.returncode == 0:
        return None
    return (out.stderr.strip().splitlines() or ["no reason given"])[-1]


def camera_rows(binary: str) -> list[Row]:
    """Raster and camera rows for every size and camera count."""
    missing = has_camera(binary)
    rows = []
    for size in SIZES:
        for n in CAMERAS:
            for source in ("raster", "camera"):
                if source == "camera" and missing is not None:
                    continue
                rows.append(_row(size, n, source))
    if missing is not None:
        rows.append(Row("camera", GROUP, "camera rows: no sensor in this bevy-dodge", "",
                        note=f"`make camera` builds it ({missing})"))  # fmt: skip
    return rows


def _row(size: int, n: int, source: str) -> Row:
    kwargs: dict[str, Any] = {"obs_type": "pixels", "image_size": size}
    if source == "camera":
        kwargs["image_source"] = "camera"
    is_target = source == "camera" and size == 84 and n == 8
    envs = cases.make_vec(n, **kwargs)
    try:
        # A camera step costs tens of milliseconds: fewer, longer repeats.
        row = throughput_row(
            cases.vector_loop(envs), n,
            Row(f"{source}_{size}px_{n}", GROUP, f"{source}, {size}×{size}, {n} arena(s)",
                "bevy_gym", arena="separate", obs=f"RGB {source}",
                target=f"≥ {CAMERA_TARGET} camera-frames/s" if is_target else ""),
            seconds=2.0 if source == "camera" else 1.0, warmup=1.0,
        )  # fmt: skip
    finally:
        envs.close()
    if is_target:
        row.met = (row.agent_steps_per_s or 0) >= CAMERA_TARGET
    return row
