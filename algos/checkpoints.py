"""Checkpoints that survive a crash, for every training script: `--checkpoint-frequency N` (with
`--save-model`) writes `runs/{run_name}/checkpoint.pt` every N environment steps, atomically (a
temporary file renamed over the old one, so a kill mid-write leaves the previous checkpoint),
and `--resume PATH` continues the run from it: networks, optimisers, entropy coefficient, step
counters, every random generator and (with `--save-buffer`) the replay buffer.

A resumed run keeps its saved settings (the checkpoint's `args`); the command line only says where
the checkpoint is. The game cannot be restored mid-episode, so a resumed run starts fresh episodes
(seeded apart from the original ones); without the saved buffer it refills the replay memory
with the current policy before learning again."""

from __future__ import annotations

import os
import random
import tempfile
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any, Protocol, TypeVar

import gymnasium as gym
import numpy as np
import torch

CHECKPOINT_FILE = "checkpoint.pt"
A = TypeVar("A")  # a script's `Args`


def checkpoint_path(run_name: str) -> str:
    """Where a run's checkpoint lives."""
    return os.path.join("runs", run_name, CHECKPOINT_FILE)


def save_checkpoint(path: str, state: dict[str, Any]) -> None:
    """Write `state` to `path` atomically: a temporary file in the same folder, then a rename."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".checkpoint-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_checkpoint_file(path: str) -> dict[str, Any]:
    """A checkpoint written by `save_checkpoint`; `path` may also be its run folder."""
    if os.path.isdir(path):
        path = os.path.join(path, CHECKPOINT_FILE)
    if not os.path.isfile(path):
        raise SystemExit(
            f"--resume {path}: no such checkpoint; expected a runs/RUN/{CHECKPOINT_FILE} written "
            "with --save-model --checkpoint-frequency N, or its folder"
        )
    # Not weights_only: it holds numpy RNG states and replay arrays, written by this code.
    return torch.load(path, map_location="cpu", weights_only=False)


def rng_states(action_space: gym.Space | None = None) -> dict[str, Any]:
    """Every random generator a training loop draws from."""
    states: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    if action_space is not None:
        states["action_space"] = action_space.np_random.bit_generator.state
    return states


def restore_rng_states(states: dict[str, Any], action_space: gym.Space | None = None) -> None:
    """Put back what `rng_states` saved (a CUDA state only where CUDA is available)."""
    random.setstate(states["python"])
    np.random.set_state(states["numpy"])
    torch.set_rng_state(states["torch"])
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])
    if action_space is not None and "action_space" in states:
        action_space.np_random.bit_generator.state = states["action_space"]


class Stateful(Protocol):
    def state_dict(self) -> dict[str, Any]: ...
    def load_state_dict(self, state: dict[str, Any]) -> Any: ...


Parts = Mapping[str, "Stateful | torch.Tensor"]  # networks, optimisers, tensors like log_alpha


def resumed_args(cls: type[A], checkpoint: dict[str, Any], resume: str) -> A:
    """The checkpoint's own settings, with `resume` pointing at it."""
    return cls(**{**checkpoint["args"], "resume": resume})


def starting_point(checkpoint: dict[str, Any] | None, learning_starts: int) -> tuple[int, int]:
    """(global_step, the step after which learning starts) for a fresh run or a resumed one: a
    run resumed without its replay buffer first refills `learning_starts` transitions."""
    if checkpoint is None:
        return 0, learning_starts
    step = checkpoint["global_step"]
    return step, learning_starts if "replay" in checkpoint else step + learning_starts


def due(args: Any, global_step: int, steps_per_iteration: int) -> bool:
    """Whether this vector step crosses a multiple of `--checkpoint-frequency` (with
    `--save-model`)."""
    every = args.checkpoint_frequency
    return bool(args.save_model and every and global_step % every < steps_per_iteration)


def save_training(
    run_name: str,
    args: Any,
    counters: dict[str, Any],
    parts: Parts,
    action_space: gym.Space,
    replay: Stateful | None = None,
    wandb_id: str | None = None,
) -> str:
    """Write the run's checkpoint: `counters` (global_step first), every part's state, the
    random generators and, if given, the replay buffer. Returns its path."""
    state: dict[str, Any] = {
        "args": asdict(args),
        "run_name": run_name,
        "wandb_id": wandb_id,
        **counters,
        "parts": {
            name: part.detach().clone() if isinstance(part, torch.Tensor) else part.state_dict()
            for name, part in parts.items()
        },
        "rng": rng_states(action_space),
    }
    if replay is not None:
        state["replay"] = replay.state_dict()
    path = checkpoint_path(run_name)
    save_checkpoint(path, state)
    return path


def restore_training(
    checkpoint: dict[str, Any],
    parts: Parts,
    action_space: gym.Space,
    replay: Stateful | None = None,
) -> None:
    """Load what `save_training` wrote into `parts`, the generators and (if saved) `replay`."""
    for name, part in parts.items():
        if isinstance(part, torch.Tensor):
            with torch.no_grad():
                part.copy_(checkpoint["parts"][name])
        else:
            part.load_state_dict(checkpoint["parts"][name])
    restore_rng_states(checkpoint["rng"], action_space)
    if replay is not None and "replay" in checkpoint:
        replay.load_state_dict(checkpoint["replay"])
