"""Learnable throwers in dodge_v1 (`num_throwers`), against the real server: PettingZoo's suites
with heterogeneous spaces in shared and separate arenas, determinism, one-line refusals that
leave the server running, a dodger driven in the game by a policy file while Python throws,
and the self-play script end to end (tiny). The rules are tested in
game/dodge/tests/throwers.rs."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import numpy as np
import pytest
from gymnasium import spaces
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test

from bevy_gym import GameSettings
from bevy_gym.envs import dodge_v1
from bevy_gym.transport import ServerError
from tests.test_algos import REPO, load_algos_module, run_script, scalars

pytestmark = pytest.mark.server

SAC_DODGER = REPO / "docs" / "results" / "sac_dodge_level2.safetensors"


@pytest.mark.parametrize(
    ("arena_mode", "dodgers", "throwers", "action_space"),
    [("shared", 2, 1, "discrete"), ("separate", 2, 2, "continuous"), ("shared", 1, 2, "basic_3d")],
)
def test_parallel_api_test_with_heterogeneous_spaces(arena_mode, dodgers, throwers, action_space):
    env = dodge_v1.parallel_env(
        num_dodgers=dodgers, num_throwers=throwers, arena_mode=arena_mode, action_space=action_space
    )
    try:
        ids = [f"dodger_{i}" for i in range(dodgers)] + [f"thrower_{j}" for j in range(throwers)]
        assert sorted(env.possible_agents) == sorted(ids)
        assert env.action_space("thrower_0") == spaces.Box(-1.0, 1.0, (1,), np.float32)
        assert env.observation_space("thrower_0").shape == (8,)
        assert env.observation_space("dodger_0").shape == (78,)
        parallel_api_test(env, num_cycles=300)
    finally:
        env.close()


def test_aec_api_and_seed_tests():
    env = dodge_v1.env(num_dodgers=1, num_throwers=1, max_cycles=100)
    api_test(env, num_cycles=100)
    env.close()
    parallel_seed_test(lambda: dodge_v1.parallel_env(num_dodgers=2, num_throwers=1))


def play(seed: int, steps: int = 150) -> list[tuple]:
    env = dodge_v1.parallel_env(num_dodgers=2, num_throwers=2, arena_mode="separate", level=2)
    trace = []
    try:
        obs, _ = env.reset(seed=seed)
        for t in range(steps):
            actions = {
                a: (np.array([np.sin(t / 5)], np.float32) if a.startswith("thrower") else t % 6)
                for a in env.agents
            }
            obs, rewards, terms, truncs, _ = env.step(actions)
            trace.append(
                (sorted((a, o.tobytes()) for a, o in obs.items()), sorted(rewards.items()))
            )
            if not env.agents:
                break
    finally:
        env.close()
    return trace


def test_the_same_seed_and_actions_give_the_same_episode():
    assert play(3) == play(3)
    assert play(3) != play(4)


def test_refusals_are_one_line_and_the_server_keeps_running():
    with pytest.raises(ValueError, match="num_throwers=3 with 2 separate arenas"):
        dodge_v1.parallel_env(num_dodgers=2, num_throwers=3, arena_mode="separate")
    env = dodge_v1.parallel_env(num_dodgers=1, num_throwers=1, action_space="continuous")
    try:
        env.reset(seed=0)
        with pytest.raises(ServerError, match="throwers=2 leaves no dodger") as info:
            env.remote.reset(options={"throwers": 2})
        assert "\n" not in str(info.value)
        state = env.remote.connect().state()
        with pytest.raises(ValueError, match="thrower_0") as info:
            env.step({"dodger_0": np.zeros(4, np.float32), "thrower_0": np.array([5.0])})
        assert "\n" not in str(info.value)
        assert env.remote.connect().state() == state, "the bad step reached the server"
        obs, *_ = env.step({"dodger_0": np.zeros(4, np.float32), "thrower_0": np.zeros(1)})
        assert obs["thrower_0"].shape == (8,)
    finally:
        env.close()


def test_a_killed_server_restarts_and_truncates_every_role():
    env = dodge_v1.parallel_env(num_dodgers=1, num_throwers=1, restart_on_crash=True, timeout=5.0)
    try:
        env.reset(seed=0)
        old = env.remote.process.pid
        os.kill(old, signal.SIGKILL)
        _, rewards, terms, truncs, infos = env.step({"dodger_0": 0, "thrower_0": np.zeros(1)})
        assert truncs == {"dodger_0": True, "thrower_0": True} and not any(terms.values())
        assert all("server_restarted" in infos[a] for a in ("dodger_0", "thrower_0"))
        assert env.remote.process.pid != old
        obs, _ = env.reset(seed=1)
        assert obs["thrower_0"].shape == (8,)
    finally:
        env.close()


def test_a_policy_file_dodges_in_the_game_while_python_throws():
    _, metadata = load_algos_module("policy_export").read_policy(SAC_DODGER)
    meta = json.loads(metadata["options"])
    settings = GameSettings(
        binary="bevy-dodge",
        num_agents=4,
        arena_mode="separate",
        agents_per_arena=2,
        options={**meta, "throwers": 1},
        policy=str(SAC_DODGER),
        policy_agents=(0, 2),
    )
    remote = settings.remote()
    try:
        assert remote.spec.agent_ids == ("dodger_0", "thrower_0", "dodger_1", "thrower_1")
        res = remote.reset(seed=1)
        start = [np.asarray(res.observations[i]).copy() for i in (0, 2)]
        batch = list(remote.noop_actions())
        for _ in range(20):
            batch[1], batch[3] = np.array([1.0], np.float32), np.array([-1.0], np.float32)
            res = remote.step(batch)
        moved = [not np.array_equal(start[k], res.observations[i]) for k, i in enumerate((0, 2))]
        assert all(moved), "the in-game policy moves the dodgers"
    finally:
        remote.close()


@pytest.mark.retrain
def test_selfplay_script_runs_a_round(tmp_path: Path):
    args = [
        "--rounds", "1", "--thrower-steps", "400", "--dodger-steps", "400", "--num-envs", "2",
        "--eval-episodes", "2", "--learning-starts", "100", "--batch-size", "32",
        "--thrower-learning-starts", "2", "--critic-warmup", "10", "--buffer-size", "1000",
        "--no-cuda",
        "--dodger-policy", str(SAC_DODGER),
    ]  # fmt: skip
    proc = run_script("selfplay_dodge", args, tmp_path)
    assert "vs the scripted thrower" in proc.stdout and "vs learned thrower 0" in proc.stdout
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert (run_dir / "round0_thrower.safetensors").stat().st_size > 1000
    assert (run_dir / "round0_dodger.safetensors").stat().st_size > 1000
    report = json.loads((run_dir / "selfplay.json").read_text())
    assert len(report["evaluations"]) == 4
    logged = scalars(run_dir)
    for tag in ("thrower/qf_loss", "dodger/qf_loss", "eval/dodger_length_vs_scripted"):
        assert logged.get(tag) and all(np.isfinite(logged[tag])), tag


@pytest.mark.retrain
def test_selfplay_with_no_dodger_steps_trains_an_exploiter_against_any_dodger_file(tmp_path: Path):
    """--dodger-steps 0: each round trains a thrower only, against the dodger file as the game
    plays it; here a dodger that ppo_roles.py exported (layers named net.i, tanh, 64 wide), which
    the SAC dodger side could not load. No dodger file is written, the thrower's evaluation is."""
    short = ["--num-arenas", "2", "--num-steps", "32", "--total-timesteps", "128"]
    run_script(
        "ppo_roles", ["--env", "dodge", *short, "--eval-episodes", "0", "--save-model"], tmp_path
    )
    (ppo_run,) = (tmp_path / "runs").iterdir()
    args = [
        "--rounds", "1", "--thrower-steps", "400", "--dodger-steps", "0", "--num-envs", "2",
        "--eval-episodes", "2", "--thrower-learning-starts", "2", "--batch-size", "32",
        "--buffer-size", "1000", "--no-cuda", "--exp-name", "exploiter",
        "--dodger-policy", str(ppo_run / "dodger.safetensors"),
    ]  # fmt: skip
    proc = run_script("selfplay_dodge", args, tmp_path)
    assert "dodger 0 vs learned thrower 0" in proc.stdout, proc.stdout
    (run_dir,) = (p for p in (tmp_path / "runs").iterdir() if "exploiter" in p.name)
    assert (run_dir / "round0_thrower.safetensors").stat().st_size > 1000
    assert not (run_dir / "round0_dodger.safetensors").exists()
    report = json.loads((run_dir / "selfplay.json").read_text())
    assert [e["thrower"] for e in report["evaluations"]][:1] == ["scripted"]
    assert len(report["evaluations"]) == 2


class _Recorder:
    """Stands in for the replay buffer: keeps what the thrower's transitions would store."""

    def __init__(self) -> None:
        self.added: list[tuple[float, float, float, bool]] = []

    def add(self, obs, next_obs, action, reward, terminal) -> None:
        self.added.append((float(obs[0, 0]), float(next_obs[0, 0]), float(reward[0]), terminal[0]))


def test_selfplay_credits_a_hit_to_the_aim_whose_ball_landed(monkeypatch):
    # Level 2: a throw every 30 ticks, a step is 4 ticks, a ball flies 48 ticks: it lands in the
    # window after the next aim, so each aim is paid the window one throw on.
    monkeypatch.syspath_prepend(str(REPO / "algos"))  # the script imports its siblings
    aims = load_algos_module("selfplay_dodge").Aims(
        1, {"projectile_spawn_interval": 0.5, "action_repeat": 4, "projectile_flight_time": 0.8}
    )
    assert aims.lag == 1
    rb, countdown, decided = _Recorder(), 30, []
    hit_step = 40
    for step in range(hit_step + 1):
        obs = np.array([[step, 0, 0, 0, 0, 0, countdown / 30, 0]], np.float32)
        if aims.deciding(obs)[0]:
            decided.append(step)
        hit = step == hit_step
        next_obs = obs.copy()
        next_obs[0, 0] = step + 1
        reward = np.array([100.0 if hit else -0.1], np.float32)
        ok, term = np.array([True]), np.array([hit])
        aims.record(rb, obs, np.zeros((1, 1), np.float32), reward, next_obs, term, term, ok)
        countdown = countdown - 4 if countdown > 4 else countdown + 26
    # The hit fell in the window of the last aim: the aim before it threw that ball.
    before_hit = [s for s in decided if s <= hit_step]
    owner = before_hit[-2]
    (paid,) = [t for t in rb.added if t[2] > 50]
    assert paid[0] == owner and paid[3], (paid, decided)
    # Every other stored aim was paid one window of tick penalties, bootstrapping from the next.
    for obs0, next0, reward, terminal in rb.added:
        if obs0 != owner:
            assert not terminal and reward < 0
            assert next0 == decided[decided.index(obs0) + 1]
    # The last aim's ball never landed: it is not stored.
    assert before_hit[-1] not in [t[0] for t in rb.added]


def test_the_watch_example_plays_a_learned_pair_headless():
    """examples/watch_selfplay.py with docs/results' round-0 pair: the retrained dodger outlives
    the original against the learned thrower, in the same seeded episodes."""
    from tests.conftest import run_example

    thrower = "docs/results/selfplay_round0_thrower.safetensors"
    lengths = {}
    for dodger in ("sac_dodge_level2", "selfplay_round0_dodger"):
        out = run_example(
            "watch_selfplay.py",
            f"docs/results/{dodger}.safetensors",
            thrower,
            *("--episodes", "2", "--headless"),
        )
        lines = out.stdout.splitlines()
        assert [line.split(":")[0] for line in lines] == ["episode 0", "episode 1"], out.stdout
        lengths[dodger] = [int(line.split()[-2]) for line in lines]
    assert all(n < 1000 for n in lengths["sac_dodge_level2"]), lengths
    retrained, original = lengths["selfplay_round0_dodger"], lengths["sac_dodge_level2"]
    assert all(n > m for n, m in zip(retrained, original, strict=True)), lengths
