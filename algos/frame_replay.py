"""A uint8 replay buffer for pixel observations that stores each frame once and rebuilds frame
stacks by index, for `algos/sac_pixels.py`.

A frame stack of k frames stored per transition (and again as the next observation) costs 2k
frames; here a step adds one frame (the next observation's newest), plus one per episode for its
first frame. Each transition keeps two counters: its observation's newest frame and its episode's
first frame. The stack of frame counter c is frames max(c - k + 1, start) .. c, so an episode's
first frame is repeated at its start and no stack ever holds a frame of another episode.

It also holds each arena's current stack (`stacks()`), which is what the agent acts on: the
stacks it learns from and the ones it acted on are built by the same code.

Gymnasium 1.x same-step autoreset: when an arena ends on a step, the transition's next frame is
`final_obs` and the returned observation is the next episode's first frame. `done` is the
termination only: a truncated episode (the time limit) is bootstrapped, a hit is not.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class FrameBatch(NamedTuple):
    """A sampled batch: stacks (B, k*C, H, W) uint8, channel-first, oldest frame first."""

    observations: np.ndarray
    actions: np.ndarray
    next_observations: np.ndarray
    dones: np.ndarray
    rewards: np.ndarray


def channels_first(frames: np.ndarray) -> np.ndarray:
    """(N, H, W, C) frames as the env gives them -> (N, C, H, W)."""
    return np.ascontiguousarray(np.moveaxis(np.asarray(frames, np.uint8), -1, 1))


class FrameReplay:
    """`capacity` transitions from `num_envs` arenas (capacity // num_envs each, oldest dropped
    first), frames of shape (H, W, C) as the env gives them, stacked `stack` deep."""

    def __init__(
        self,
        capacity: int,
        num_envs: int,
        frame_shape: tuple[int, int, int],
        stack: int,
        action_shape: tuple[int, ...],
        seed: int | None = None,
    ) -> None:
        if stack < 1:
            raise ValueError(f"stack must be at least 1, got {stack}")
        height, width, channels = frame_shape
        self.num_envs, self.stack = num_envs, stack
        self.channels = channels
        self.per_env = max(1, capacity // num_envs)  # transitions kept per arena
        # One frame per transition, plus slack for episodes' first frames (enough for episodes
        # of 16 steps on average) and the stacks that reach back before the oldest transition;
        # a transition whose frames were overwritten all the same is never sampled (`_valid`).
        self.frames_per_env = self.per_env + self.per_env // 16 + stack + 1
        self.frames = np.zeros((num_envs, self.frames_per_env, channels, height, width), np.uint8)
        self.frames_written = np.zeros(num_envs, np.int64)  # the next frame's counter
        self.newest = np.zeros((num_envs, self.per_env), np.int64)  # obs's newest frame counter
        self.start = np.zeros((num_envs, self.per_env), np.int64)  # its episode's first frame
        self.actions = np.zeros((num_envs, self.per_env, *action_shape), np.float32)
        self.rewards = np.zeros((num_envs, self.per_env), np.float32)
        self.dones = np.zeros((num_envs, self.per_env), np.float32)
        self.added = 0  # transitions per arena so far
        self.current = np.zeros(num_envs, np.int64)  # each arena's current newest frame
        self.episode_start = np.zeros(num_envs, np.int64)
        self.rng = np.random.default_rng(seed)
        self._arenas = np.arange(num_envs)

    @staticmethod
    def bytes_per_transition(
        frame_shape: tuple[int, int, int], stack: int, action_size: int
    ) -> dict[str, float]:
        """Bytes per stored transition here ("stored_once": a frame, its 1/16 of slack, the
        fields) and with both stacks stored per transition ("naive", as DrQ and CURL do)."""
        frame = float(np.prod(frame_shape))
        fields = 4 * action_size + 4 + 4  # action, reward, done
        return {
            "stored_once": frame * (1 + 1 / 16) + 2 * 8 + fields,  # + the two frame counters
            "naive": 2 * stack * frame + fields,
        }

    @property
    def nbytes(self) -> int:
        """Bytes held by the buffer's arrays."""
        arrays = (self.frames, self.newest, self.start, self.actions, self.rewards, self.dones)
        return sum(a.nbytes for a in arrays)

    def __len__(self) -> int:
        return min(self.added, self.per_env) * self.num_envs

    def _write(self, arenas: np.ndarray, frames: np.ndarray) -> np.ndarray:
        """Store one frame (N, C, H, W) for each of `arenas`; their counters."""
        counters = self.frames_written[arenas].copy()
        self.frames[arenas, counters % self.frames_per_env] = frames
        self.frames_written[arenas] += 1
        return counters

    def reset(self, observations: np.ndarray) -> None:
        """Start every arena's episode from its first frames (N, H, W, C)."""
        counters = self._write(self._arenas, channels_first(observations))
        self.current[:] = counters
        self.episode_start[:] = counters

    def add(
        self,
        actions: np.ndarray,
        rewards: np.ndarray,
        terminations: np.ndarray,
        truncations: np.ndarray,
        next_observations: np.ndarray,
        final_observations: np.ndarray | None = None,
    ) -> None:
        """Record one vector step of every arena. `final_observations` (N, H, W, C) holds, where
        an arena ended, its last frame (`infos["final_obs"]`); `next_observations` is then the
        next episode's first frame."""
        ended = np.asarray(terminations, bool) | np.asarray(truncations, bool)
        following = channels_first(next_observations)
        last = following  # copied only on a step where an arena ended
        if ended.any():
            last = following.copy()
            assert final_observations is not None, "an arena ended: final_obs is needed"
            last[ended] = channels_first(np.stack(final_observations[ended]))
        slot = self.added % self.per_env
        self.newest[:, slot] = self.current
        self.start[:, slot] = self.episode_start
        self.actions[:, slot] = np.asarray(actions, np.float32).reshape(self.actions[:, slot].shape)
        self.rewards[:, slot] = rewards
        self.dones[:, slot] = np.asarray(terminations, bool)
        self.added += 1
        self.current[:] = self._write(self._arenas, last)
        if ended.any():
            arenas = np.flatnonzero(ended)
            first = self._write(arenas, following[ended])
            self.current[arenas] = first
            self.episode_start[arenas] = first

    def _stack_indices(self, arenas: np.ndarray, newest: np.ndarray, start: np.ndarray) -> tuple:
        """Index arrays into `frames` for the stacks ending at `newest` (B, k)."""
        counters = np.maximum(newest[:, None] - np.arange(self.stack - 1, -1, -1), start[:, None])
        return arenas[:, None], counters % self.frames_per_env

    def _gather(self, arenas: np.ndarray, newest: np.ndarray, start: np.ndarray) -> np.ndarray:
        frames = self.frames[self._stack_indices(arenas, newest, start)]  # (B, k, C, H, W)
        return frames.reshape(len(arenas), self.stack * self.channels, *frames.shape[-2:])

    def stacks(self) -> np.ndarray:
        """Every arena's current observation, (N, k*C, H, W) uint8: what the agent acts on."""
        return self._gather(self._arenas, self.current, self.episode_start)

    def _valid(self, arenas: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """Whether each transition's oldest frame is still stored."""
        oldest = np.maximum(self.newest[arenas, slots] - self.stack + 1, self.start[arenas, slots])
        return oldest >= self.frames_written[arenas] - self.frames_per_env

    def sample(self, batch_size: int) -> FrameBatch:
        """`batch_size` transitions drawn uniformly (with replacement) from those stored."""
        filled = min(self.added, self.per_env)
        if filled == 0:
            raise ValueError("the replay buffer is empty")
        arenas = self.rng.integers(self.num_envs, size=batch_size)
        slots = self.rng.integers(filled, size=batch_size)
        while not (ok := self._valid(arenas, slots)).all():
            bad = ~ok
            arenas[bad] = self.rng.integers(self.num_envs, size=bad.sum())
            slots[bad] = self.rng.integers(filled, size=bad.sum())
        newest, start = self.newest[arenas, slots], self.start[arenas, slots]
        return FrameBatch(
            observations=self._gather(arenas, newest, start),
            actions=self.actions[arenas, slots],
            next_observations=self._gather(arenas, newest + 1, start),
            dones=self.dones[arenas, slots],
            rewards=self.rewards[arenas, slots],
        )

    def state_dict(self) -> dict[str, np.ndarray | int | dict]:
        """Everything needed to continue from here (for checkpoints with `--save-buffer`)."""
        return {
            "frames": self.frames,
            "frames_written": self.frames_written,
            "newest": self.newest,
            "start": self.start,
            "actions": self.actions,
            "rewards": self.rewards,
            "dones": self.dones,
            "added": self.added,
            "current": self.current,
            "episode_start": self.episode_start,
            "rng": self.rng.bit_generator.state,
        }

    def load_state_dict(self, state: dict) -> None:
        """Continue from `state_dict()`'s output (same capacity, arenas and shapes)."""
        for name in ("frames", "frames_written", "newest", "start", "actions", "rewards", "dones"):
            mine = getattr(self, name)
            if mine.shape != state[name].shape:
                raise ValueError(
                    f"saved replay {name} has shape {state[name].shape}, expected {mine.shape} "
                    "(resume with the same --buffer-size, --num-envs and image settings)"
                )
            mine[...] = state[name]
        self.added = int(state["added"])
        self.current[:] = state["current"]
        self.episode_start[:] = state["episode_start"]
        self.rng.bit_generator.state = state["rng"]
