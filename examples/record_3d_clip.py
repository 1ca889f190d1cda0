"""Record a clip of dodge in the 3D viewer: `bevy-dodge-view` draws a fixed number of frames, one
simulation step each (so the clip is the same on any machine), saving every frame; this script
then writes them as an MP4 at the game's step rate. Needs `make viewer` and the `train` extra
(imageio with its ffmpeg); without a desktop, run it under `xvfb-run -a`.

Usage: python examples/record_3d_clip.py OUT.mp4 [--frames 300] [--size 960x540] [viewer flags]
e.g.   xvfb-run -a python examples/record_3d_clip.py clip.mp4 -- \\
           --policy docs/results/sac_dodge_level2.safetensors --level 2 --action-space continuous"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import imageio.v2 as imageio

from bevy_gym import find_binary

STEPS_PER_SECOND = 15  # one step is 4 ticks of 1/60 s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the MP4 to write")
    parser.add_argument("--frames", type=int, default=300, help="frames (= steps) to record")
    parser.add_argument("--size", default="960x540", help="window size, WIDTHxHEIGHT")
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:cut])
    viewer_args = argv[cut + 1 :]  # bevy-dodge-view's own flags
    width, height = args.size.lower().split("x")
    with tempfile.TemporaryDirectory() as frames:
        command = [
            find_binary("bevy-dodge-view"),
            *viewer_args,
            *("--frames", str(args.frames), "--record", frames),
            *("--width", width, "--height", height),
        ]
        done = subprocess.run(command, stderr=subprocess.PIPE, text=True, timeout=3600)
        if done.returncode != 0:
            sys.exit(f"bevy-dodge-view failed: {done.stderr.strip().splitlines()[-1:]}")
        paths = sorted(Path(frames).glob("frame_*.png"))
        with imageio.get_writer(args.out, fps=STEPS_PER_SECOND, macro_block_size=2) as clip:
            for path in paths:
                clip.append_data(imageio.imread(path))
    print(f"{args.out}: {len(paths)} frames at {STEPS_PER_SECOND} frames/s")


if __name__ == "__main__":
    main()
