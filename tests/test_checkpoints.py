"""Checkpoints that survive a crash (algos/checkpoints.py): each training script, killed with
SIGKILL after its first checkpoint, resumes with `--resume` at that step, reaches
`--total-timesteps`, and its TensorBoard steps continue where the checkpoint left off."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests.test_algos import REPO, TINY, run_script, scalars

pytestmark = pytest.mark.server

TOTAL = 2400  # long enough that the kill lands well before the end
EVERY = 400  # checkpoint frequency; the first checkpoint is at step 400


def args_with(total: int) -> list[str]:
    tiny = list(TINY)
    tiny[tiny.index("--total-timesteps") + 1] = str(total)
    tiny[tiny.index("--eval-frequency") + 1] = "800"
    return tiny


def kill_after_first_checkpoint(name: str, cwd: Path, extra: list[str]) -> Path:
    """Start algos/{name}.py, SIGKILL it as soon as it reports its first checkpoint; the path."""
    env = dict(os.environ, WANDB_MODE="offline", WANDB_SILENT="true")
    command = [sys.executable, str(REPO / "algos" / f"{name}.py"), *args_with(TOTAL)]
    command += ["--save-model", "--checkpoint-frequency", str(EVERY), *extra]
    proc = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if ": checkpoint " in line:
                proc.send_signal(signal.SIGKILL)
                path = Path(cwd, line.split(": checkpoint ", 1)[1].strip())
                break
        else:
            pytest.fail(f"{name} ended without a checkpoint (exit {proc.wait()})")
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return path


@pytest.mark.parametrize(
    ("name", "extra"),
    [("dqn", []), ("sac_continuous", ["--save-buffer"]), ("sac_pixels", ["--save-buffer"])],
)
@pytest.mark.retrain
def test_a_killed_run_resumes_from_its_checkpoint_and_finishes(
    name: str, extra: list[str], tmp_path: Path
) -> None:
    checkpoint = kill_after_first_checkpoint(name, tmp_path, extra)
    saved = torch.load(checkpoint, weights_only=False)
    assert saved["global_step"] == EVERY
    assert ("replay" in saved) == ("--save-buffer" in extra)
    assert not list(checkpoint.parent.glob(".checkpoint-*")), "a temporary file was left"
    run_dir = checkpoint.parent

    proc = run_script(name, ["--resume", str(run_dir)], tmp_path)
    assert f"resumed {run_dir.name} at step {EVERY}" in proc.stdout, proc.stdout
    assert f"trained {TOTAL} steps" in proc.stdout, proc.stdout
    assert list(run_dir.glob(f"{name}.cleanrl_model")), "the resumed run saved no model"
    assert len(list((tmp_path / "runs").iterdir())) == 1, "the resumed run made a new folder"

    # TensorBoard: one history, no step twice (the killed run's later events are purged), the
    # evaluations after the resume at 800, 1600 and the end.
    logged = scalars(run_dir)
    evals = logged["eval/episodic_length"]
    assert len(evals) == 3, evals
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(run_dir))
    events.Reload()
    steps = [e.step for e in events.Scalars("eval/episodic_length")]
    assert steps == [800, 1600, TOTAL]
    sps = [e.step for e in events.Scalars("charts/SPS")]
    assert sps == sorted(set(sps)) and sps[-1] >= TOTAL - 200, sps


def test_resume_names_a_missing_checkpoint(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "algos" / "dqn.py"), "--resume", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "no such checkpoint" in proc.stderr and "--checkpoint-frequency" in proc.stderr
