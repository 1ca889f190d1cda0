"""algos/ppo_roles.py: roles that learn together. In process: the live mask keeps finished
agents' steps out of the loss, GAE stops at a termination and bootstraps a truncation, opponent
pool draws are seeded. As a user runs it: a short run on tag_v1 and on dodge_v1 with a thrower
logs both roles, and a killed run resumes from its checkpoint."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from gymnasium import spaces

from bevy_gym.launcher import find_binary, option_flags
from tests.test_algos import REPO, run_script, scalars
from tests.test_policy import algos_module

ppo = algos_module("role_learner")
script = algos_module("ppo_roles")

GAMMA, LAM = 0.9, 0.5


def rollout(**flags: list) -> dict[str, np.ndarray]:
    """A 3-step rollout of one agent: reward 1, V 0.5 on the observation acted on, V 2 on the
    returned one; `flags` (acted, terminated, done) default to a plain ongoing episode."""
    base = {"acted": [1, 1, 1], "terminated": [0, 0, 0], "done": [0, 0, 0]}
    base.update(flags)
    arrays = {k: np.array(v, np.float32)[:, None] for k, v in base.items()}
    arrays["acted"] = arrays["acted"].astype(bool)
    ones = np.ones((3, 1), np.float32)
    return {"rewards": ones, "values": ones * 0.5, "next_values": ones * 2.0, **arrays}


def advantages(**flags: list) -> np.ndarray:
    return ppo.gae(**rollout(**flags), gamma=GAMMA, lam=LAM)[:, 0]


def test_gae_stops_at_a_termination_and_bootstraps_a_truncation() -> None:
    delta = 1 + GAMMA * 2.0 - 0.5  # a step whose next value counts
    last = 1 - 0.5  # a terminal step: no bootstrap
    terminated = advantages(terminated=[0, 0, 1], done=[0, 0, 1])
    truncated = advantages(done=[0, 0, 1])
    assert terminated[2] == pytest.approx(last)
    assert truncated[2] == pytest.approx(delta), "a truncation bootstraps from the final obs"
    assert terminated[1] == pytest.approx(delta + GAMMA * LAM * last)
    # An episode that ended at step 0 does not pass the next episode's advantages back.
    ended_first = advantages(terminated=[1, 0, 0], done=[1, 0, 0])
    assert ended_first[0] == pytest.approx(last)
    # A step in which the agent did not act (finished, its arena resetting) is 0 and cuts.
    waiting = advantages(acted=[1, 0, 1], done=[1, 0, 0], terminated=[1, 0, 0])
    assert waiting[1] == 0.0 and waiting[0] == pytest.approx(last)


def test_finished_agents_steps_never_reach_the_loss() -> None:
    """Steps outside the live mask hold NaN observations and rewards: if any reached the loss,
    the networks would turn NaN. They must change (so the update ran) and stay finite."""
    args = script.Args(num_steps=8, num_minibatches=2, update_epochs=2)
    torch.manual_seed(0)
    role = ppo.Role(
        "evader",
        np.arange(4),
        (spaces.Box(-1, 1, (3,)), spaces.Box(-1, 1, (2,))),
        critic_dim=3,
        args=args,
        device=torch.device("cpu"),
    )
    before = [p.detach().clone() for p in role.actor.parameters()]
    role.obs.normal_()
    role.critic_in.copy_(role.obs)
    role.actions.uniform_(-1, 1)
    role.logprobs.fill_(-1.0)
    role.rewards[:] = np.random.default_rng(0).normal(size=role.rewards.shape)
    role.acted[:] = True
    role.live[:] = True
    # Agent 3 finished at step 2: it sits out the rest, as an agent of a frozen snapshot would.
    role.done[2, 3] = role.terminated[2, 3] = 1.0
    role.acted[3:, 3] = role.live[3:, 3] = False
    role.live[:, 1] = False  # agent 1 played a pool snapshot: it acted, but does not learn
    for mask in (~role.acted, ~role.live):
        rows, cols = np.nonzero(mask)
        role.obs[rows, cols] = float("nan")
        role.critic_in[rows, cols] = float("nan")
    role.rewards[3:, 3] = np.nan
    role.values[3:, 3] = role.next_values[3:, 3] = np.nan
    stats = role.update(lr=1e-2)
    assert stats["live_steps"] == 8 * 4 - 5 - 8
    after = list(role.actor.parameters())
    assert all(torch.isfinite(p).all() for p in after), "a masked step reached the loss"
    assert any(not torch.equal(a, b) for a, b in zip(after, before, strict=True))


def test_pool_draws_are_seeded_and_keep_one_learner_per_arena() -> None:
    pools = {"pursuer": 3, "evader": 3}

    def draws(seed: int, p: float = 0.5) -> list[dict[str, int]]:
        rng = np.random.default_rng(seed)
        return [ppo.draw_members(rng, pools, ["pursuer", "evader"], p) for _ in range(400)]

    assert draws(7) == draws(7)
    assert draws(7) != draws(8)
    for members in draws(7):
        assert 0 in members.values(), "every arena has a role playing its latest policy"
    latest = np.mean([m["pursuer"] == 0 for m in draws(7)])
    assert 0.55 < latest < 0.85, latest  # p = 0.5, plus the arenas where it was forced
    snapshots = [m["evader"] for m in draws(7) if m["evader"]]
    assert set(snapshots) == {1, 2, 3}
    assert all(m == {"pursuer": 0, "evader": 0} for m in draws(7, p=1.0))
    empty = np.random.default_rng(0)
    assert ppo.draw_members(empty, {"pursuer": 0, "evader": 0}, ["pursuer"], 0.0) == {
        "pursuer": 0,
        "evader": 0,
    }


SMOKE = ["--num-arenas", "4", "--num-steps", "32", "--eval-episodes", "3", "--snapshot-every", "2"]


@pytest.mark.server
@pytest.mark.parametrize(
    ("env", "roles"), [("tag", ("pursuer", "evader")), ("dodge_v1", ("dodger", "thrower"))]
)
def test_a_short_run_trains_and_logs_both_roles(env: str, roles: tuple, tmp_path: Path) -> None:
    options = ["--game-options", '{"max_episode_steps": 40}']  # so episodes end and are logged
    proc = run_script(
        "ppo_roles",
        [
            "--env",
            env,
            "--total-timesteps",
            "1024",
            "--pool",
            "2",
            "--save-model",
            *SMOKE,
            *options,
        ],
        tmp_path,
    )
    (run_dir,) = (tmp_path / "runs").iterdir()
    logged = scalars(run_dir)
    for role in roles:
        assert logged[f"{role}/episodic_return"], f"no {role} returns logged"
        assert all(np.isfinite(logged[f"{role}/losses/value_loss"]))
        assert (run_dir / f"{role}.safetensors").exists()
    assert "eval " in proc.stdout
    if env == "tag":  # tag_v0 has no roles: the short name trains its version with roles
        assert "training tag_v1, its version with roles" in proc.stdout
    assert len(list((run_dir / "snapshots").glob("*.pt"))) >= 2 * len(roles)


@pytest.mark.retrain
@pytest.mark.server
def test_a_killed_run_resumes_from_its_checkpoint(tmp_path: Path) -> None:
    common = ["--env", "tag_v1", "--save-model", "--checkpoint-frequency", "256", *SMOKE]
    command = [sys.executable, str(REPO / "algos" / "ppo_roles.py"), *common]
    proc = subprocess.Popen(
        [*command, "--total-timesteps", "2048"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if ": checkpoint " in line:
                proc.send_signal(signal.SIGKILL)
                checkpoint = Path(tmp_path, line.split(": checkpoint ", 1)[1].strip())
                break
        else:
            pytest.fail(f"no checkpoint (exit {proc.wait()})")
    finally:
        proc.kill()
        proc.wait(timeout=30)
    saved = torch.load(checkpoint, weights_only=False)
    assert saved["global_step"] == 256
    resumed = run_script("ppo_roles", ["--resume", str(checkpoint.parent)], tmp_path)
    assert f"resumed {checkpoint.parent.name} at step 256" in resumed.stdout
    assert "trained 2048 arena steps" in resumed.stdout, resumed.stdout
    assert len(list((tmp_path / "runs").iterdir())) == 1


def test_annealed_options_fall_in_stages_to_zero() -> None:
    args = script.Args(anneal_options=("pursuer_shaping",), anneal_fraction=0.5, anneal_stages=4)
    values = [
        script.annealed({"pursuer_shaping": 2.0}, args, i, 100)["pursuer_shaping"]
        for i in range(100)
    ]
    assert values[0] == 2.0 and values[49] > 0.0 and values[50:] == [0.0] * 50
    assert sorted(set(values), reverse=True) == [2.0, 1.5, 1.0, 0.5, 0.0]
    assert script.annealed({"pursuer_shaping": 2.0}, script.Args(), 0, 100) == {}


@pytest.mark.retrain
@pytest.mark.server
def test_the_game_plays_both_exported_roles_as_python_evaluates_them(tmp_path: Path) -> None:
    """Each role's policy file, played inside `bevy-tag` (`--role-policy ROLE=FILE` for both
    sides, `--episodes`), gives the episodes of the Python evaluation with the same seed."""
    run_script(
        "ppo_roles",
        ["--env", "tag_v1", "--total-timesteps", "1024", "--save-model", *SMOKE],
        tmp_path,
    )
    (run_dir,) = (tmp_path / "runs").iterdir()
    files = {role: run_dir / f"{role}.safetensors" for role in ("pursuer", "evader")}
    export = algos_module("policy_export")
    role_eval = algos_module("role_eval")
    _, metadata = export.read_policy(files["pursuer"])
    options, seed = json.loads(metadata["options"]), int(metadata["eval_seed"])
    options = {k: v for k, v in options.items() if k != "image_source"}
    arenas = 16
    policies = {role: export.load_policy(path) for role, path in files.items()}
    _, returns, lengths, _ = role_eval.episode_outcomes(
        find_binary("bevy-tag"), options, policies, arenas, seed, agents_per_arena=2
    )
    command = [
        find_binary("bevy-tag"),
        *("--agents", str(2 * arenas), "--arena-mode", "separate", "--agents-per-arena", "2"),
        *(f"--role-policy={role}={path}" for role, path in files.items()),
        *("--episodes", str(2 * arenas), "--seed", str(seed)),
        *option_flags(options),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    game = json.loads(done.stdout)
    assert game["episodes"] == 2 * arenas
    assert game["mean_length"] == pytest.approx(lengths.mean(), abs=1e-9), (game, lengths)
    assert game["std_length"] == pytest.approx(lengths.std(), abs=1e-6), (game, lengths)
    assert game["mean_return"] == pytest.approx(returns.mean(), abs=1e-6), (game, returns)
    assert len(set(lengths)) > 1, "episodes that all run to the limit would prove little"
    # A role without a policy cannot be evaluated: the error names the agents left out.
    one_side = [c for c in command if "evader=" not in c]
    refused = subprocess.run(one_side, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "none drives" in refused.stderr, refused.stderr


@pytest.mark.parametrize("action_space", [spaces.Discrete(5), spaces.Box(-1, 1, (2,))])
def test_each_agent_acts_with_its_members_weights_in_one_pass(action_space: spaces.Space) -> None:
    """Agents playing the latest policy or pool snapshots get exactly what each network alone
    computes, from the batched (vmapped) forward pass."""
    args = script.Args(pool=3)
    torch.manual_seed(0)
    role = ppo.Role("pursuer", np.arange(6), (spaces.Box(-1, 1, (4,)), action_space), 4, args,
                    torch.device("cpu"))  # fmt: skip
    for _ in range(2):
        role.snapshot()
        with torch.no_grad():
            for p in role.actor.parameters():
                p.add_(torch.randn_like(p))  # the latest moves on: snapshots differ from it
    role.restack()
    role.members[:] = [0, 1, 2, 0, 2, 1]
    obs = torch.randn(6, 4)
    out = role.outputs(obs)
    nets = [role.actor, *role.pool]
    for k, member in enumerate(role.members):
        expected = nets[member](obs[k : k + 1])[0]
        torch.testing.assert_close(out[k], expected)
    assert not torch.allclose(out[1], role.actor(obs[1:2])[0]), "snapshots must differ"


def test_reward_scaling_follows_the_spread_of_discounted_returns() -> None:
    stream = ppo.RunningMeanStd(shape=())
    batches = [np.random.default_rng(k).normal(5.0, 3.0, size=50) for k in range(4)]
    for batch in batches:
        stream.update(batch)
    everything = np.concatenate(batches)
    assert stream.mean == pytest.approx(everything.mean(), rel=1e-3)
    assert stream.var == pytest.approx(everything.var(), rel=1e-3)

    args = script.Args(norm_reward=True, gamma=0.5)
    role = ppo.Role("dodger", np.arange(2), (spaces.Box(-1, 1, (3,)), spaces.Box(-1, 1, (2,))),
                    3, args, torch.device("cpu"))  # fmt: skip
    acted, done = np.array([True, False]), np.zeros(2)
    for _ in range(200):
        scaled = role.scaled_rewards(np.array([100.0, 7.0]), acted, done)
    # Agent 0's discounted return settles at 100 / (1 - 0.5) = 200; the scale tracks its spread.
    assert role._discounted[0] == pytest.approx(200.0) and role._discounted[1] == 0.0
    assert scaled[0] == pytest.approx(100.0 / np.sqrt(role._returns.var + 1e-8))
    assert scaled[0] < 100.0
    plain = ppo.Role("dodger", np.arange(2), (spaces.Box(-1, 1, (3,)), spaces.Box(-1, 1, (2,))),
                     3, script.Args(), torch.device("cpu"))  # fmt: skip
    assert plain.scaled_rewards(np.array([100.0, 7.0]), acted, done).tolist() == [100.0, 7.0]


SAC_DODGER = REPO / "docs" / "results" / "sac_dodge_level2.safetensors"


def test_a_role_starts_from_another_scripts_policy_file(tmp_path: Path) -> None:
    """--init-policy: the SAC dodger of docs/results (ReLU layers of 256) becomes the role's
    actor: its mean action is the file's, the log std is --init-log-std, and exporting the actor
    writes a file that acts as the original does; files that do not fit are refused."""
    export = algos_module("policy_export")
    tensors, _ = export.read_policy(SAC_DODGER)
    observations, actions = spaces.Box(-1, 1, (72,)), spaces.Box(-1, 1, (3,))
    actor = ppo.Actor(72, actions, 64, log_std=-1.0, init=str(SAC_DODGER))
    obs = torch.as_tensor(tensors["test.observations"])
    with torch.no_grad():
        mean, logstd = actor(obs).chunk(2, dim=-1)
    torch.testing.assert_close(mean, torch.as_tensor(tensors["test.actions"]), atol=1e-5, rtol=0)
    assert torch.all(logstd == -1.0)
    info = export.RunInfo(observations, actions, "dodge", "dodge_v0", {}, 10001, "test")
    again = export.export_policy(tmp_path / "again.safetensors", actor.policy_net(), info)
    np.testing.assert_array_equal(
        export.load_policy(again)(obs.numpy()), export.load_policy(SAC_DODGER)(obs.numpy())
    )
    with pytest.raises(SystemExit, match="this role has 10 observations"):
        ppo.Actor(10, actions, 64, init=str(SAC_DODGER))
    with pytest.raises(SystemExit, match="a discrete role expects"):
        ppo.Actor(72, spaces.Discrete(5), 64, init=str(SAC_DODGER))
    with pytest.raises(SystemExit, match="bounds"):
        ppo.Actor(72, spaces.Box(-2, 2, (3,)), 64, init=str(SAC_DODGER))


@pytest.mark.retrain
@pytest.mark.server
def test_play_evaluates_policy_files_against_bots_or_each_other(tmp_path: Path) -> None:
    """--play ROLE=FILE: one role's file against the game's bots, or a file per role in the
    training arenas; a set of files that is neither is refused, naming the roles."""
    short = ["--eval-episodes", "3", "--game-options", '{"max_episode_steps": 20}']
    alone = run_script("ppo_roles", ["--env", "dodge", "--play", f"dodger={SAC_DODGER}", *short],
                       tmp_path)  # fmt: skip
    assert "eval dodger vs bots, 3 episodes" in alone.stdout, alone.stdout
    both = run_script(
        "ppo_roles",
        ["--env", "dodge", "--play", f"dodger={SAC_DODGER}", f"thrower={THROWER}", *short],
        tmp_path,
    )
    for role in ("dodger", "thrower"):
        assert f"eval {role} vs the other files, 3 episodes" in both.stdout, both.stdout
    command = [sys.executable, str(REPO / "algos" / "ppo_roles.py"), "--env", "dodge"]
    refused = subprocess.run([*command, "--play", f"thrower={THROWER}", *short],
                             capture_output=True, text=True, timeout=120)  # fmt: skip
    assert refused.returncode != 0
    assert "expected a file for every role ['dodger', 'thrower']" in refused.stderr


THROWER = REPO / "docs" / "results" / "selfplay_round0_thrower.safetensors"


@pytest.mark.retrain
@pytest.mark.server
def test_an_exploiter_trains_against_a_frozen_role_that_began_as_a_policy_file(
    tmp_path: Path,
) -> None:
    """The exploiter test's commands: a run whose dodger starts from the SAC file, then a fresh
    thrower trained against that run's dodger (--init-checkpoint, --init-roles dodger,
    --train-roles thrower). The second run builds the dodger with the file's layers (from the
    first run's arguments), loads its weights, and leaves them as they were."""
    short = [*SMOKE, "--total-timesteps", "512", "--save-model", "--eval-episodes", "0"]
    init = ["--init-policy", f"dodger={SAC_DODGER}", "--init-log-std", "-1.5"]
    run_script("ppo_roles", ["--env", "dodge", *init, "--exp-name", "first", *short], tmp_path)
    (first,) = (tmp_path / "runs").iterdir()
    exploiter = [
        "--init-checkpoint",
        str(first),
        "--init-roles",
        "dodger",
        "--train-roles",
        "thrower",
    ]
    run_script(
        "ppo_roles", ["--env", "dodge", *exploiter, "--exp-name", "second", *short], tmp_path
    )
    (second,) = (p for p in (tmp_path / "runs").iterdir() if "second" in p.name)
    export = algos_module("policy_export")
    theirs, meta = export.read_policy(first / "dodger.safetensors")
    mine, _ = export.read_policy(second / "dodger.safetensors")
    assert [layer["activation"] for layer in json.loads(meta["layers"])] == ["relu", "relu", "tanh"]
    for name, value in theirs.items():
        if not name.startswith("test."):
            np.testing.assert_array_equal(mine[name], value, err_msg=name)


def test_a_started_actor_stays_put_while_its_critic_warms_up() -> None:
    """--critic-warmup: an update with `critic_only` trains the critic and leaves every actor
    parameter (the log std included) as it was; the next full update moves the actor."""
    torch.manual_seed(0)
    role = ppo.Role("dodger", np.arange(2), (spaces.Box(-1, 1, (4,)), spaces.Box(-1, 1, (2,))),
                    4, script.Args(num_steps=4), torch.device("cpu"))  # fmt: skip
    for tensor in (role.obs, role.critic_in, role.actions):
        tensor.normal_()
    role.rewards[:] = np.arange(8, dtype=np.float32).reshape(4, 2)
    role.acted[:], role.live[:] = True, True

    def snapshot(module: torch.nn.Module) -> list[torch.Tensor]:
        return [p.detach().clone() for p in module.parameters()]

    actor, critic = snapshot(role.actor), snapshot(role.critic)
    role.update(3e-4, critic_only=True)
    assert all(torch.equal(a, b) for a, b in zip(actor, snapshot(role.actor), strict=True))
    assert not all(torch.equal(a, b) for a, b in zip(critic, snapshot(role.critic), strict=True))
    role.update(3e-4)
    assert not all(torch.equal(a, b) for a, b in zip(actor, snapshot(role.actor), strict=True))


def test_target_kl_stops_a_roles_update_after_the_epoch_that_passes_it() -> None:
    """--target-kl: once an epoch's mean approximate KL is above it, the role's update stops
    (one epoch with a tiny target); without it every epoch runs."""
    results = {}
    for target in (None, 1e-12):
        torch.manual_seed(0)
        args = script.Args(num_steps=4, update_epochs=4, target_kl=target)
        role = ppo.Role("dodger", np.arange(2), (spaces.Box(-1, 1, (4,)), spaces.Box(-1, 1, (2,))),
                        4, args, torch.device("cpu"))  # fmt: skip
        for tensor in (role.obs, role.critic_in, role.actions):
            tensor.normal_()
        role.rewards[:] = np.arange(8, dtype=np.float32).reshape(4, 2)
        role.acted[:], role.live[:] = True, True
        results[target] = role.update(3e-4)["epochs"]
    assert results == {None: 4.0, 1e-12: 1.0}


def test_an_anchored_pool_keeps_the_starting_policy_and_the_latest_snapshots() -> None:
    """--pool-anchor: the first snapshot stays in the pool for good; the other places hold the
    most recent ones. Without it the oldest leaves first."""
    for anchor, expected in ((True, [0, 3, 4]), (False, [2, 3, 4])):
        args = script.Args(pool=3, pool_anchor=anchor)
        role = ppo.Role("dodger", np.arange(2), (spaces.Box(-1, 1, (4,)), spaces.Box(-1, 1, (2,))),
                        4, args, torch.device("cpu"))  # fmt: skip
        for k in range(5):
            with torch.no_grad():
                role.actor.logstd.fill_(k)  # tells the snapshots apart
            role.snapshot()
        assert [int(member.logstd[0]) for member in role.pool] == expected
