"""bevy_gym on Ray RLlib (bevy_gym/rllib.py, the `rllib` extra), against real game servers and a
real Ray cluster: two Ray nodes on this machine, one env runner on each, each runner with its own
server and seeds; nothing left running after `algo.stop()` or after the driver is killed; a
killed server restarted while training goes on; `__all__` in every case the game produces."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

ray = pytest.importorskip("ray", reason="the rllib extra: pip install -e '.[rllib]'")

import bevy_gym  # noqa: E402
import bevy_gym.rllib  # noqa: E402
from tests.conftest import alive, wait_dead  # noqa: E402

pytestmark = [pytest.mark.server, pytest.mark.timeout(600)]

REPO = Path(__file__).resolve().parent.parent


def servers_running() -> set[int]:
    """Pids of every `bevy-dodge` on the machine (the Ray workers' servers are not our children)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            state = stat.rsplit(")", 1)[1].split()[0]
            if comm == "bevy-dodge" and state != "Z":
                found.add(int(entry.name))
    return found


# --- seeds ---------------------------------------------------------------------------------


def test_derived_seeds_never_collide_where_rllibs_do() -> None:
    # RLlib: seed + worker + sub-env index, so (worker 1, env 1) == (worker 2, env 0), and
    # run seed 1's worker 2 == run seed 2's worker 1.
    derive = bevy_gym.rllib.derive_seed
    cases = [
        (seed, worker, evaluation, counter)
        for seed in (1, 2, 3)
        for worker in range(4)
        for evaluation in (False, True)
        for counter in range(4)
    ]
    seeds = [derive(*case) for case in cases]
    assert len(set(seeds)) == len(cases)
    assert all(0 <= s < 2**31 for s in seeds)
    assert derive(1, 2, False, 0) == derive(1, 2, False, 0)  # reproducible


# --- the multi-agent adapter ---------------------------------------------------------------


def play(env: bevy_gym.rllib.BevyMultiAgentEnv, seed: int, moves: dict | None = None) -> list:
    """Every step's (obs keys, terminated, truncated) until `__all__`, standing still."""
    obs, _ = env.reset(seed=seed)
    steps, finished = [], set()
    while True:
        actions = {a: (moves or {}).get(a, 0) for a in obs if a not in finished}
        obs, _, terminated, truncated, _ = env.step(actions)
        steps.append((set(obs), dict(terminated), dict(truncated)))
        for a in obs:
            assert a not in finished, f"{a} got data after it was done"
        finished |= {a for a in obs if terminated.get(a) or truncated.get(a)}
        if terminated["__all__"] or truncated["__all__"]:
            return steps
        assert env.agents, "no agent left but __all__ not set"
        assert len(steps) < 2000


def test_all_is_set_when_agents_finish_at_different_times() -> None:
    env = bevy_gym.rllib.BevyMultiAgentEnv(
        "bevy_gym/dodge-v0", {"num_agents": 3, "arena_mode": "shared", "level": 2}
    )
    try:  # one runs up, one stands, one runs left: they are hit at different times
        steps = play(env, seed=0, moves={"agent_0": 1, "agent_2": 3})
        ended = [{a for a in obs if term.get(a) or trunc.get(a)} for obs, term, trunc in steps]
        when = {a: i for i, agents in enumerate(ended) for a in agents}
        assert set(when) == set(env.possible_agents)
        assert len(set(when.values())) > 1, f"all finished on one step: {when}"
        last = steps[-1]
        assert last[1]["__all__"] and not last[2]["__all__"]  # hits: terminated
        for _, term, trunc in steps[:-1]:
            assert not term["__all__"] and not trunc["__all__"]
    finally:
        env.close()


def test_all_is_set_when_one_agent_terminates_and_another_truncates_on_the_same_step() -> None:
    config = {"num_agents": 2, "arena_mode": "shared", "level": 2}
    env = bevy_gym.rllib.BevyMultiAgentEnv("bevy_gym/dodge-v0", config)
    try:  # when is the first hit, standing still? Then cut the episode exactly there.
        steps = play(env, seed=3, moves={"agent_0": 1})
    finally:
        env.close()
    first_hit = next(i for i, (_, term, _) in enumerate(steps) if any(term.values()))
    env = bevy_gym.rllib.BevyMultiAgentEnv(
        "bevy_gym/dodge-v0", {**config, "max_episode_steps": first_hit + 1}
    )
    try:
        steps = play(env, seed=3, moves={"agent_0": 1})
    finally:
        env.close()
    obs, term, trunc = steps[-1]
    hit = {a for a in obs if term.get(a)}
    cut = {a for a in obs if trunc.get(a) and not term.get(a)}
    assert hit and cut, f"expected a hit and a truncation on the last step: {term}, {trunc}"
    assert term["__all__"], "one terminated and one truncated: the episode is over"
    assert len(steps) == first_hit + 1


def test_truncation_alone_sets_truncated_all() -> None:
    env = bevy_gym.rllib.BevyMultiAgentEnv(
        "bevy_gym/dodge-v0",
        {"num_agents": 2, "arena_mode": "shared", "level": 1, "max_episode_steps": 5},
    )
    try:
        steps = play(env, seed=0)
    finally:
        env.close()
    assert len(steps) == 5
    assert steps[-1][2]["__all__"] and not steps[-1][1]["__all__"]


# --- a real cluster ------------------------------------------------------------------------

TRAIN = dict(train_batch_size=256, minibatch_size=128, num_epochs=1, eval_interval=0)


@pytest.fixture()
def two_node_cluster():
    """Two Ray nodes on this machine, one CPU each (RLlib's own tests use the same utility)."""
    from ray.cluster_utils import Cluster

    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 1, "object_store_memory": 200 * 2**20},
    )
    cluster.add_node(num_cpus=1, object_store_memory=200 * 2**20)
    ray.init(address=cluster.address)
    try:
        yield cluster
    finally:
        ray.shutdown()
        cluster.shutdown()


def ppo(num_env_runners: int = 2, iterations: int = 1):
    """algos/ppo_rllib.py's config for dodge, tiny batches."""
    sys.path.insert(0, str(REPO / "algos"))
    import ppo_rllib

    args = ppo_rllib.Args(num_env_runners=num_env_runners, num_envs_per_runner=2, **TRAIN)
    bevy_gym.rllib.register_envs()
    config = ppo_rllib.make_config(args).evaluation(evaluation_interval=None)
    return config.build_algo()


def runners(algo) -> list[dict]:
    return algo.env_runner_group.foreach_env_runner(
        bevy_gym.rllib.describe_runner, local_env_runner=False
    )


def test_two_nodes_one_runner_each_with_its_own_server_and_seeds(two_node_cluster) -> None:
    before = servers_running()
    algo = ppo(num_env_runners=2)
    try:
        result = algo.train()
        assert result["env_runners"]["num_env_steps_sampled_lifetime"] >= 256
        info = runners(algo)
        assert len(info) == 2
        nodes = {r["node_id"] for r in info}
        assert len(nodes) == 2, f"both runners on one node: {info}"
        assert len({r["pid"] for r in info}) == 2
        servers = [pid for r in info for pid in r["server_pids"]]
        assert len(servers) == 2 and len(set(servers)) == 2, info
        assert all(alive(pid) for pid in servers)
        seeds = [seed for r in info for seed in r["seeds"]]
        assert len(seeds) == 2 and None not in seeds and len(set(seeds)) == 2, info
    finally:
        algo.stop()
    assert wait_dead(servers, timeout=10) == [], "a server outlived algo.stop()"
    assert servers_running() <= before


def test_a_killed_server_is_restarted_and_training_goes_on(two_node_cluster) -> None:
    algo = ppo(num_env_runners=2)
    try:
        algo.train()
        victim = runners(algo)[0]["server_pids"][0]
        done = threading.Event()
        errors = []

        def train() -> None:
            try:
                algo.train()
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                done.set()

        thread = threading.Thread(target=train)
        thread.start()
        time.sleep(0.3)  # mid-iteration
        os.kill(victim, signal.SIGKILL)
        thread.join(timeout=300)
        assert done.is_set() and not errors, errors
        result = algo.train()  # and the iteration after it
        assert result["env_runners"]["num_env_steps_sampled_lifetime"] > 256 * 2
        servers = [pid for r in runners(algo) for pid in r["server_pids"]]
        assert victim not in servers and len(servers) == 2 and all(map(alive, servers))
    finally:
        algo.stop()


def test_no_server_outlives_a_killed_driver(tmp_path: Path) -> None:
    """The driver (with its own two-node cluster) is SIGKILLed mid-training: Ray ends its env
    runners, and each runner's server exits with its parent."""
    driver = tmp_path / "driver.py"
    driver.write_text(
        textwrap.dedent(f"""
        import json, sys
        sys.path.insert(0, {str(REPO)!r})
        import ray
        from ray.cluster_utils import Cluster
        cluster = Cluster(initialize_head=True, head_node_args={{"num_cpus": 1,
            "object_store_memory": 200 * 2**20}})
        cluster.add_node(num_cpus=1, object_store_memory=200 * 2**20)
        ray.init(address=cluster.address)
        from tests.test_rllib import ppo, runners
        algo = ppo(num_env_runners=2)
        algo.train()
        print(json.dumps([p for r in runners(algo) for p in r["server_pids"]]), flush=True)
        while True:
            algo.train()
    """)
    )
    before = servers_running()
    proc = subprocess.Popen(
        [sys.executable, str(driver)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        text=True, cwd=REPO, start_new_session=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        servers = json.loads(line)
        assert len(servers) == 2 and all(alive(p) for p in servers)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    try:
        left = wait_dead(servers, timeout=60)
        assert left == [], f"servers still running after the driver was killed: {left}"
        assert servers_running() <= before
    finally:  # then the Ray processes that driver started, which may linger on their own
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


# One short PPO run of algos/ppo_rllib.py: two runners, one iteration, two evaluation episodes.
PPO_COMMAND = [
    sys.executable, str(REPO / "algos" / "ppo_rllib.py"), "--env", "dodge",
    "--num-env-runners", "2", "--iterations", "1", "--num-cpus", "2",
    "--train-batch-size", "512", "--minibatch-size", "128", "--num-epochs", "1",
    "--eval-episodes", "2",
]  # fmt: skip


def test_ppo_script_runs_two_runners_and_leaves_no_server(tmp_path: Path) -> None:
    """The issue's acceptance line, as a user runs it."""
    before = servers_running()
    proc = subprocess.run(PPO_COMMAND, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "iteration 1:" in proc.stdout and "eval length" in proc.stdout, proc.stdout
    assert (next((tmp_path / "runs").iterdir()) / "checkpoint").is_dir()
    deadline = time.monotonic() + 10
    while servers_running() - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert servers_running() <= before, "bevy-dodge left running"


# --- the in-process backend ------------------------------------------------------------------


def test_the_multi_agent_env_plays_the_same_episode_in_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`backend` in the env config: the RLlib env on the native backend, the HTTP one's episode."""
    config = {"num_agents": 3, "arena_mode": "shared", "level": 2}
    episodes = []
    for backend in ("http", "native"):
        # Each env's derived seed counts the envs made in the process: both are the first here.
        monkeypatch.setattr(bevy_gym.rllib, "_created", itertools.count())
        env = bevy_gym.rllib.BevyMultiAgentEnv("bevy_gym/dodge-v0", {**config, "backend": backend})
        try:
            episodes.append(play(env, seed=0, moves={"agent_0": 1, "agent_2": 3}))
        finally:
            env.close()
    assert episodes[0] == episodes[1]


def test_ppo_script_trains_in_process_and_starts_no_server(tmp_path: Path) -> None:
    """`ppo_rllib.py --backend native`: two env runners, each with the game in its own process."""
    before = servers_running()
    proc = subprocess.Popen(
        [*PPO_COMMAND, "--backend", "native"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    started = set()
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline:
        started |= servers_running() - before
        time.sleep(0.2)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr[-3000:]
    assert "iteration 1:" in stdout and "eval length" in stdout, stdout
    assert not started, f"bevy-dodge servers started: {sorted(started)}"
