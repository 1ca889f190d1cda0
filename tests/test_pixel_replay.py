"""The pixel learner's parts that need no server: the replay buffer that stores each frame once
(algos/frame_replay.py) and the random-shift augmentation (algos/sac_pixels.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.test_policy import algos_module

frame_replay = algos_module("frame_replay")
FrameReplay = frame_replay.FrameReplay

STACK = 3


def frame(value: int, envs: int = 1) -> np.ndarray:
    """(envs, H=2, W=2, C=1) frames whose every pixel is `value` (+ the arena index)."""
    return np.stack([np.full((2, 2, 1), value + i, np.uint8) for i in range(envs)])


def ids(stacks: np.ndarray) -> list[list[int]]:
    """Each stack's frames as their pixel value, oldest first."""
    return [[int(f[0, 0]) for f in stack] for stack in stacks]


def step(
    rb: FrameReplay,
    value: int,
    terminated: bool = False,
    truncated: bool = False,
    final: int | None = None,
) -> None:
    """One step of a single arena: the next frame is `value`, or, when the episode ends, the
    last frame is `final` and `value` is the next episode's first frame (same-step autoreset)."""
    finals = None
    if terminated or truncated:
        finals = np.empty(1, object)
        finals[0] = frame(final)[0]
    rb.add(np.zeros((1, 2)), np.array([1.0]), [terminated], [truncated], frame(value), finals)


def all_transitions(rb: FrameReplay) -> list[tuple[list[int], list[int], float]]:
    """Every stored transition of arena 0, in order: (obs ids, next obs ids, done)."""
    count = min(rb.added, rb.per_env)
    slots = np.arange(rb.added - count, rb.added) % rb.per_env
    arenas = np.zeros(count, int)
    newest, start = rb.newest[arenas, slots], rb.start[arenas, slots]
    obs = ids(rb._gather(arenas, newest, start))
    nxt = ids(rb._gather(arenas, newest + 1, start))
    return list(zip(obs, nxt, rb.dones[arenas, slots].tolist(), strict=True))


def test_stacks_repeat_the_first_frame_and_never_cross_an_episode_end() -> None:
    rb = FrameReplay(100, 1, (2, 2, 1), STACK, (2,))
    rb.reset(frame(10))
    assert ids(rb.stacks()) == [[10, 10, 10]]
    step(rb, 11)
    step(rb, 12)
    step(rb, 20, terminated=True, final=13)  # a hit: 13 is the last frame, 20 starts episode 2
    assert ids(rb.stacks()) == [[20, 20, 20]], "the new episode's stack leaks the old one"
    step(rb, 21)
    step(rb, 30, truncated=True, final=22)  # the time limit
    step(rb, 31)
    assert all_transitions(rb) == [
        ([10, 10, 10], [10, 10, 11], 0.0),
        ([10, 10, 11], [10, 11, 12], 0.0),
        ([10, 11, 12], [11, 12, 13], 1.0),  # terminal: next obs is final_obs, no bootstrap
        ([20, 20, 20], [20, 20, 21], 0.0),
        ([20, 20, 21], [20, 21, 22], 0.0),  # truncated: bootstrapped from final_obs
        ([30, 30, 30], [30, 30, 31], 0.0),
    ]


def test_samples_are_stored_transitions_in_channels_first_stacks() -> None:
    rb = FrameReplay(64, 2, (2, 2, 1), STACK, (2,), seed=0)
    rb.reset(frame(0, envs=2))
    for t in range(1, 40):
        done = t % 7 == 0
        finals = np.empty(2, object)
        finals[:] = list(frame(100 + t, envs=2)) if done else [None, None]
        rb.add(np.full((2, 2), t), np.full(2, t), [done] * 2, [False] * 2, frame(t, envs=2), finals)
    batch = rb.sample(256)
    assert batch.observations.shape == (256, STACK, 2, 2)
    assert batch.observations.dtype == np.uint8
    for obs, nxt, action, done in zip(
        ids(batch.observations),
        ids(batch.next_observations),
        batch.actions[:, 0],
        batch.dones,
        strict=True,
    ):
        assert obs[1:] == nxt[:-1], "next stack is the stack shifted by one frame"
        t = int(action)
        if done:
            assert nxt[-1] >= 100, "a terminal transition ends on final_obs"
        else:
            assert nxt[-1] in (t, t + 1), (obs, nxt, t)  # arena 0 or arena 1 (value + 1)
        # never a frame of another episode inside one stack: frames within 7 steps
        assert max(f % 100 for f in obs) - min(f % 100 for f in obs) < 7


def test_wrapping_overwrites_the_oldest_and_never_samples_lost_frames() -> None:
    """Short episodes write two frames on some steps, so the frame ring wraps faster than the
    transitions: every sample must still be one of the last `capacity` transitions, exactly."""
    rb = FrameReplay(10, 1, (2, 2, 1), STACK, (2,), seed=1)
    rb.reset(frame(0))
    truth, stack = [], [0] * STACK  # the transitions, built naively
    for t in range(1, 80):
        ended = t % 2 == 0
        last = 100 + t if ended else t  # final_obs values stand apart from first frames
        step(rb, t, terminated=ended, final=last)
        truth.append((stack, [*stack[1:], last]))
        stack = [t] * STACK if ended else [*stack[1:], t]
    kept = {(tuple(o), tuple(n)) for o, n in truth[-10:]}
    batch = rb.sample(500)
    pairs = zip(ids(batch.observations), ids(batch.next_observations), strict=True)
    sampled = {(tuple(o), tuple(n)) for o, n in pairs}
    assert sampled <= kept, f"not stored (stale frames): {sorted(sampled - kept)[:3]}"
    assert len(sampled) > 5


def test_each_frame_is_stored_once() -> None:
    """Memory: one frame per step (plus slack), against 2 × stack per transition stored naively."""
    shape, capacity = (64, 64, 1), 10_000
    rb = FrameReplay(capacity, 8, shape, 3, (3,))
    frame_bytes = 64 * 64
    per = FrameReplay.bytes_per_transition(shape, 3, 3)
    assert per["naive"] == 2 * 3 * frame_bytes + 20
    assert per["stored_once"] < per["naive"] / 5
    assert rb.nbytes / capacity == pytest.approx(per["stored_once"], rel=0.01)


def test_state_dict_round_trip_continues_identically() -> None:
    def filled(seed: int) -> FrameReplay:
        rb = FrameReplay(40, 1, (2, 2, 1), STACK, (2,), seed=seed)
        rb.reset(frame(0))
        for t in range(1, 30):
            step(rb, t, terminated=t % 6 == 0, final=t + 100)
        return rb

    rb, copy = filled(3), FrameReplay(40, 1, (2, 2, 1), STACK, (2,), seed=99)
    copy.load_state_dict(rb.state_dict())
    a, b = rb.sample(32), copy.sample(32)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    with pytest.raises(ValueError, match="same --buffer-size"):
        FrameReplay(80, 1, (2, 2, 1), STACK, (2,)).load_state_dict(rb.state_dict())


@pytest.fixture(scope="module")
def random_shift():
    return algos_module("sac_pixels").random_shift


def test_random_shift_moves_each_stack_as_one_within_the_pad(random_shift) -> None:
    torch.manual_seed(0)
    pad, size, frames = 4, 32, 3
    # A single bright pixel at the centre of every frame; each frame a different brightness.
    x = torch.zeros(64, frames, size, size)
    for f in range(frames):
        x[:, f, size // 2, size // 2] = 50.0 * (f + 1)
    shifted = random_shift(x, pad)
    assert shifted.shape == x.shape
    offsets = set()
    for sample in shifted:
        where = [tuple(torch.nonzero(sample[f] > 0)[0].tolist()) for f in range(frames)]
        assert len(set(where)) == 1, f"frames of one stack moved apart: {where}"
        dy, dx = where[0][0] - size // 2, where[0][1] - size // 2
        assert abs(dy) <= pad and abs(dx) <= pad
        offsets.add((dy, dx))
        assert sorted(sample[:, where[0][0], where[0][1]].tolist()) == [50.0, 100.0, 150.0]
    assert len(offsets) > 10, "one shift for the whole batch"


def test_random_shift_replicates_edges_and_zero_pad_is_identity(random_shift) -> None:
    x = torch.arange(2 * 1 * 8 * 8, dtype=torch.float32).reshape(2, 1, 8, 8)
    assert torch.equal(random_shift(x, 0), x)
    torch.manual_seed(1)
    shifted = random_shift(x, 2)
    # every output pixel is a pixel of its own input (replicated edges, no zeros brought in)
    for sample, original in zip(shifted, x, strict=True):
        assert set(sample.flatten().tolist()) <= set(original.flatten().tolist())
