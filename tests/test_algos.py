"""Smoke tests of the training scripts in algos/: each trains a few hundred steps on CPU as a
subprocess (as a user runs it) and must leave TensorBoard events with finite losses, a checkpoint,
evaluation videos and an offline W&B run holding those videos; its evaluation entry must load the
checkpoint and write videos. The shared plumbing in algos/algos_utils.py (the replay buffer) and
shared-arena parameter sharing are checked in-process."""

from __future__ import annotations

import importlib.util
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import numpy as np
import pytest
from gymnasium import spaces

from bevy_gym import SharedArenaVectorEnv
from bevy_gym.envs import dodge_v0

pytestmark = pytest.mark.server

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = ["dqn", "sac_continuous", "sac_pixels"]
LOSSES = {  # CleanRL's tags, the value estimate among them (q_values or alpha)
    "dqn": {"losses/td_loss", "losses/q_values"},
    "sac_continuous": {"losses/qf1_loss", "losses/qf_loss", "losses/actor_loss", "losses/alpha"},
    "sac_pixels": {"losses/qf1_values", "losses/qf_loss", "losses/actor_loss", "losses/alpha"},
}
TINY = [  # a few hundred steps with small buffers: seconds, not minutes
    "--total-timesteps", "800",
    "--num-envs", "2",  # 400 vector steps: losses are logged every 100
    "--learning-starts", "100",
    "--buffer-size", "1000",
    "--batch-size", "32",
    "--max-episode-steps", "40",  # so episodes end and get logged
    "--eval-episodes", "2",
    "--eval-frequency", "400",
    "--no-cuda",
]  # fmt: skip


def run_script(name: str, args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run algos/{name}.py in `cwd` with W&B offline and writing only under `cwd`."""
    env = dict(os.environ, WANDB_MODE="offline", WANDB_SILENT="true")
    for var in ("WANDB_DIR", "WANDB_CACHE_DIR", "WANDB_CONFIG_DIR", "WANDB_DATA_DIR"):
        env[var] = str(cwd)
    proc = subprocess.run(
        [sys.executable, str(REPO / "algos" / f"{name}.py"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def scalars(run_dir: Path) -> dict[str, list[float]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(run_dir))
    events.Reload()
    return {tag: [e.value for e in events.Scalars(tag)] for tag in events.Tags()["scalars"]}


def load_algos_module(name: str) -> ModuleType:
    """Import algos/{name}.py under its own name, as the scripts (run with algos/ as their
    `sys.path[0]`) import their sibling `algos_utils`."""
    spec = importlib.util.spec_from_file_location(name, REPO / "algos" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_trains_tracks_saves_and_evaluates(name: str, tmp_path: Path) -> None:
    proc = run_script(name, [*TINY, "--track", "--save-model", "--capture-video"], tmp_path)
    assert "device: cpu" in proc.stdout

    (run_dir,) = (tmp_path / "runs").iterdir()
    assert list(run_dir.glob("events.out.tfevents.*")), "no TensorBoard event file"
    (checkpoint,) = run_dir.glob(f"{name}.cleanrl_model")
    wandb_runs = list((tmp_path / "wandb").glob("offline-run-*"))
    assert len(wandb_runs) == 1, "no offline W&B run"
    (wandb_log,) = wandb_runs[0].glob("run-*.wandb")

    # The final evaluation's videos: under runs/, and logged to the W&B run as `eval/video`
    # (Gymnasium 1.x's RecordVideo no longer reaches W&B through `monitor_gym`).
    videos = sorted((run_dir / "videos").glob("episode-*.mp4"))
    assert [v.name for v in videos] == ["episode-0.mp4", "episode-1.mp4"]
    media = sorted((wandb_runs[0] / "files" / "media" / "videos" / "eval").glob("video_*.mp4"))
    # W&B names media by content hash, so two identical episodes make one file.
    assert media, f"no video in the W&B run: {sorted(wandb_runs[0].rglob('*.mp4'))}"
    assert {m.read_bytes() for m in media} == {v.read_bytes() for v in videos}
    history = wandb_log.read_bytes()  # protobuf records: keys and media paths are plain bytes
    assert b"eval/video" in history and all(m.name.encode() in history for m in media)

    logged = scalars(run_dir)
    losses = {tag: values for tag, values in logged.items() if tag.startswith("losses/")}
    assert LOSSES[name] <= set(losses), f"losses logged: {sorted(losses)}"
    for tag, values in losses.items():
        assert values and all(math.isfinite(v) for v in values), f"{tag}: {values}"
    for tag in ("charts/episodic_return", "charts/episodic_length", "charts/SPS"):
        assert logged.get(tag), f"{tag} missing"
    assert len(logged["eval/episodic_length"]) == 2  # at step 400 and at the end (800)

    # The evaluation entry: load the checkpoint, run deterministic episodes, write videos.
    shutil.rmtree(run_dir / "videos")  # so the videos below must be the entry's own
    evaluation = ["--eval-checkpoint", str(checkpoint), "--eval-episodes", "2", "--capture-video"]
    proc = run_script(name, [*evaluation, "--no-cuda"], tmp_path)
    assert "2 episodes: return" in proc.stdout and "length" in proc.stdout, proc.stdout
    videos = sorted((run_dir / "videos").glob("episode-*.mp4"))
    assert [v.name for v in videos] == ["episode-0.mp4", "episode-1.mp4"]
    assert all(v.stat().st_size > 1000 for v in videos)


@pytest.mark.retrain
def test_dqn_shared_arena_trains_by_parameter_sharing(tmp_path: Path) -> None:
    run_script("dqn", [*TINY, "--num-agents", "3"], tmp_path)
    (run_dir,) = (tmp_path / "runs").iterdir()
    logged = scalars(run_dir)
    assert logged["charts/episodic_length"], "no player's episode was logged"
    assert all(math.isfinite(v) for v in logged["losses/td_loss"])


SECOND_GAME = [  # (script, role, --env): the training lines of docs/make_your_game_trainable.md
    ("sac_continuous", "evader", "tag-evader"),
    ("dqn", "pursuer", "tag-pursuer"),
    ("dqn", "pursuer", "tag"),
]


@pytest.mark.retrain
@pytest.mark.parametrize(("name", "role", "env"), SECOND_GAME)
def test_scripts_train_the_second_game_in_the_role_whose_actions_they_handle(
    name: str, role: str, env: str, tmp_path: Path
) -> None:
    proc = run_script(name, [*TINY, "--env", env], tmp_path)
    # --env tag picks the role whose actions the script handles; dodge's --level is dropped.
    assert f"bevy_gym/Tag{role.title()}-v0 has no option level: ignored" in proc.stdout
    (run_dir,) = (tmp_path / "runs").iterdir()
    logged = scalars(run_dir)
    assert logged["charts/episodic_length"], "no episode was logged"
    assert all(math.isfinite(v) for v in logged[sorted(LOSSES[name])[0]])


def test_replay_buffer_skips_invalid_slots_and_wraps() -> None:
    utils = load_algos_module("algos_utils")
    env = SimpleNamespace(
        single_observation_space=spaces.Box(-1, 1, (2,), np.float32),
        single_action_space=spaces.Discrete(5),
    )
    rb = utils.ReplayBuffer(4, env, "cpu")

    def transition(first: int, n: int) -> tuple[np.ndarray, ...]:
        ids = np.arange(first, first + n)
        obs = np.stack([ids, ids], axis=1).astype(np.float32)
        return obs, obs + 0.5, ids % 5, ids.astype(np.float32), (ids % 2).astype(np.float32)

    rb.add(*transition(0, 3), valid=np.array([True, False, True]))  # slot 1 made no transition
    assert rb.pos == 2 and not rb.full
    assert rb.rewards[:2].tolist() == [0.0, 2.0]
    assert set(rb.sample(32).rewards.tolist()) == {0.0, 2.0}  # only the rows written so far
    rb.add(*transition(10, 3), valid=np.ones(3, bool))  # 3 more into 4 places: wraps around
    assert rb.full and rb.pos == 1
    assert rb.rewards.tolist() == [12.0, 2.0, 10.0, 11.0]
    assert rb.dones.tolist() == [0.0, 0.0, 0.0, 1.0] and rb.actions.tolist() == [2, 2, 0, 1]
    batch = rb.sample(16)
    assert batch.observations.shape == (16, 2) and batch.actions.shape == (16,)
    assert batch.next_observations.shape == (16, 2)
    assert batch.rewards.shape == (16,) and batch.dones.shape == (16,)
    assert np.allclose(batch.next_observations - batch.observations, 0.5)
    assert set(batch.rewards.tolist()) <= {12.0, 2.0, 10.0, 11.0}
    # each sampled row stays one transition: its reward is the id in its observation
    assert np.array_equal(batch.rewards.numpy(), batch.observations[:, 0].numpy())


def test_replay_buffer_samples_continuous_actions_as_float_batches() -> None:
    utils = load_algos_module("algos_utils")
    env = SimpleNamespace(
        single_observation_space=spaces.Box(-1, 1, (72,), np.float32),
        single_action_space=spaces.Box(-1, 1, (3,), np.float32),
    )
    rb = utils.ReplayBuffer(100, env, "cpu")
    obs = np.random.default_rng(0).random((8, 72), np.float32)
    actions = np.tile(np.array([0.5, -0.5, 1.0], np.float32), (8, 1))
    live = np.array([True] * 5 + [False] * 3)  # a shared arena with three players out
    rb.add(obs, obs, actions, np.ones(8, np.float32), np.zeros(8, np.float32), valid=live)
    assert rb.pos == 5
    batch = rb.sample(64)
    assert batch.observations.shape == (64, 72) and batch.actions.shape == (64, 3)
    assert str(batch.actions.dtype) == "torch.float32" and str(batch.dones.dtype) == "torch.float32"
    sampled = {tuple(row) for row in batch.observations.numpy().tolist()}
    assert sampled <= {tuple(row) for row in obs[live].tolist()}, "sampled a row of a player out"


def test_shared_arena_slots_wait_for_the_arena_then_restart_together() -> None:
    # Level 2 throws fast: a player standing still is hit within a few dozen steps, one that
    # walks at random a little later, so the players drop out at different steps.
    envs = SharedArenaVectorEnv(dodge_v0.parallel_env(num_agents=3, level=2, max_cycles=300))
    rng = np.random.default_rng(0)
    obs, _ = envs.reset(seed=3)
    assert obs.shape == (3, 72)
    live_steps, finished, waited = np.zeros(3, int), np.zeros(3, bool), False
    for _ in range(300):
        actions = np.array([0, *rng.integers(0, 5, 2)])  # agent_0 idles, the others wander
        obs, rewards, terminated, truncated, infos = envs.step(actions)
        live = infos["live"]
        assert np.array_equal(live, ~finished), "a player out of the arena was stepped"
        assert not (~live & (rewards != 0)).any(), "a player out of the arena earned a reward"
        waited |= bool(finished.any())
        live_steps += live
        done = terminated | truncated
        if done.any():
            assert np.array_equal(infos["_final_obs"], done)
            for i in np.flatnonzero(done):
                assert infos["final_obs"][i].shape == (72,)
                assert infos["episode"]["l"][i] == live_steps[i]
            finished |= done
        if finished.all():
            break
    assert finished.all(), "the players were never all hit or truncated"
    assert waited, "every player dropped out on the same step: nothing was tested"
    # The arena restarted within the last step: every slot is live again.
    _, _, _, _, infos = envs.step(np.zeros(3, np.int64))
    assert infos["live"].all()
    envs.close()


BRIEF = [  # TINY with one evaluation episode, at the end: training's episodes are compared
    "--total-timesteps", "600",
    "--num-envs", "2",
    "--learning-starts", "100",
    "--buffer-size", "1000",
    "--batch-size", "32",
    "--max-episode-steps", "40",
    "--eval-episodes", "1",
    "--eval-frequency", "0",
    "--no-cuda",
]  # fmt: skip


# sac_pixels' learner is sac_continuous' with an encoder; its pixels are byte-identical on both
# backends (tests/test_native.py), and `--backend native` trains it in docs/native.md's runs.
@pytest.mark.retrain
@pytest.mark.parametrize("name", ["dqn", "sac_continuous"])
def test_scripts_train_on_the_native_backend_with_the_http_episodes(
    name: str, tmp_path: Path
) -> None:
    """`--backend native` steps the game in process; with the same seed, the episodes the script
    logs are those of the HTTP backend, to the last digit."""
    returns = {}
    for backend in ("http", "native"):
        cwd = tmp_path / backend
        cwd.mkdir()
        run_script(name, [*BRIEF, "--seed", "3", "--backend", backend], cwd)
        (run_dir,) = (cwd / "runs").iterdir()
        logged = scalars(run_dir)
        returns[backend] = (logged["charts/episodic_return"], logged["charts/episodic_length"])
    assert returns["http"][0], "no episode was logged"
    assert returns["native"] == returns["http"]
