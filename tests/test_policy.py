"""The policy file that algos/ writes for the game (algos/policy_export.py): its tensors and
metadata follow the format, a forward pass written here in numpy from the format's description
alone reproduces PyTorch's stored outputs and actions, the scripts write it with --save-model and
from a checkpoint, and `bevy-dodge --policy` plays the same episodes as the Python evaluation."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import torch

import bevy_gym
from bevy_gym.launcher import ServerProcess, option_flags
from tests.conftest import REPO

ALGOS = REPO / "algos"
FIXTURES = REPO / "game" / "policy" / "tests" / "fixtures"
FIXTURE_NAMES = {"dqn": "dqn_tiny.safetensors", "sac": "sac_tiny.safetensors"}
SCRIPTS = {"dqn": "dqn", "sac": "sac_continuous"}
METADATA_KEYS = {
    "format", "format_version", "algorithm", "layers", "output", "observation_space",
    "action_space", "game", "env_id", "options", "eval_seed", "created_by",
}  # fmt: skip
LEARN = ["--total-timesteps", "2000", "--learning-starts", "500", "--num-envs", "4"]
RUNS = {  # tiny CPU runs, name: (algorithm, arguments)
    # the acceptance line: no learning yet, and level 1 throws from a fixed point, so
    # its episodes are alike; the level 2 runs (random throws, some learning) make seeds matter
    "dqn-level1": ("dqn", ["--env", "dodge", "--level", "1", "--total-timesteps", "2000"]),
    "dqn-level2": ("dqn", ["--env", "dodge", "--level", "2", *LEARN]),
    "sac-level2": ("sac", ["--env", "dodge", "--level", "2", *LEARN]),
}
EPISODES = 5  # evaluation episodes compared between Python and the game
BOX = {"type": "Box", "low": -1.0, "high": 1.0, "dtype": "float32"}  # dodge's spaces, /spec form
OBSERVATION_SPACE = {**BOX, "shape": [72]}
ACTION_SPACES = {"dqn": {"type": "Discrete", "n": 5}, "sac": {**BOX, "shape": [3]}}


def algos_module(name: str) -> ModuleType:
    """Import algos/{name}.py as the scripts see their siblings (algos/ on sys.path)."""
    if str(ALGOS) not in sys.path:
        sys.path.insert(0, str(ALGOS))
    return importlib.import_module(name)


def numpy_policy(
    tensors: dict[str, np.ndarray], metadata: dict[str, str], obs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The outputs and actions for `obs`, from the format's description only: each layer is
    y = act(x Wᵀ + b); "argmax" takes the lowest index of the largest output, "scaled" maps
    y * scale + bias. In float64, so PyTorch's float32 rounding is what differs."""
    activations = {"relu": lambda v: np.maximum(v, 0.0), "tanh": np.tanh, "none": lambda v: v}
    x = obs.astype(np.float64)
    for layer in json.loads(metadata["layers"]):
        weight, bias = tensors[layer["weight"]], tensors[layer["bias"]]
        x = activations[layer["activation"]](x @ weight.astype(np.float64).T + bias)
    if metadata["output"] == "argmax":
        return x, np.argmax(x, axis=1).astype(np.float64)
    assert metadata["output"] == "scaled", metadata["output"]
    scale, bias = tensors[metadata["output_scale"]], tensors[metadata["output_bias"]]
    actions = x * scale + bias
    return actions, actions


def check_policy_file(path: Path, algorithm: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Assert that the file at `path` follows the format and that `numpy_policy` reproduces its
    stored outputs (≤ 1e-5) and actions; its tensors and metadata."""
    policy_export = algos_module("policy_export")
    tensors, metadata = policy_export.read_policy(path)
    expected = METADATA_KEYS | ({"output_scale", "output_bias"} if algorithm == "sac" else set())
    assert set(metadata) == expected
    assert metadata["format"] == "bevy_gym.policy" and metadata["format_version"] == "1"
    assert metadata["algorithm"] == algorithm
    assert metadata["output"] == {"dqn": "argmax", "sac": "scaled"}[algorithm]
    assert all(t.dtype == np.float32 for t in tensors.values())

    assert json.loads(metadata["observation_space"]) == OBSERVATION_SPACE
    assert json.loads(metadata["action_space"]) == ACTION_SPACES[algorithm]
    assert metadata["game"] == "dodge" and metadata["env_id"].startswith("bevy_gym/Dodge")
    options = json.loads(metadata["options"])
    assert {"level", "action_repeat", "max_episode_steps"} <= set(options)
    assert int(metadata["eval_seed"]) >= 10_000  # the scripts' seed + EVAL_SEED_OFFSET

    # Only the acting network: the layers' tensors, SAC's action scale and bias, the test set.
    layers = json.loads(metadata["layers"])
    names = {name for layer in layers for name in (layer["weight"], layer["bias"])}
    if algorithm == "sac":
        names |= {metadata["output_scale"], metadata["output_bias"]}
        assert layers[-1]["activation"] == "tanh"
    assert set(tensors) == names | {"test.observations", "test.outputs", "test.actions"}
    assert not any(name.startswith("fc_logstd") for name in tensors)

    obs = tensors["test.observations"]
    rng = np.random.default_rng(0)  # the format's seeded test inputs, uniform in the bounds
    assert np.array_equal(obs, rng.uniform(-1.0, 1.0, size=(16, 72)).astype(np.float32))
    outputs, actions = numpy_policy(tensors, metadata, obs)
    out_dim = 5 if algorithm == "dqn" else 3
    assert tensors["test.outputs"].shape == (16, out_dim)
    np.testing.assert_allclose(outputs, tensors["test.outputs"], rtol=1e-6, atol=1e-5)
    if algorithm == "dqn":
        assert tensors["test.actions"].shape == (16,)
        np.testing.assert_array_equal(actions, tensors["test.actions"])
    else:
        assert tensors["test.actions"].shape == (16, 3)
        np.testing.assert_allclose(actions, tensors["test.actions"], rtol=1e-6, atol=1e-5)
    return tensors, metadata


@pytest.mark.parametrize("algorithm", ["dqn", "sac"])
def test_committed_fixture_follows_the_format_and_is_current(algorithm: str, tmp_path: Path):
    committed = FIXTURES / FIXTURE_NAMES[algorithm]
    tensors, metadata = check_policy_file(committed, algorithm)
    assert committed.stat().st_size < 512 * 1024  # small enough to commit

    # `python algos/make_policy_fixtures.py` writes the same (regenerate it when this fails).
    fresh = algos_module("make_policy_fixtures").make_fixtures(tmp_path)
    (path,) = [p for p in fresh if p.name == committed.name]
    again, again_metadata = check_policy_file(path, algorithm)
    assert again_metadata == metadata
    assert set(again) == set(tensors)
    for name, tensor in tensors.items():
        np.testing.assert_allclose(again[name], tensor, rtol=0, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("algorithm", ["dqn", "sac"])
def test_the_numpy_check_catches_a_wrong_weight_or_activation(algorithm: str):
    policy_export = algos_module("policy_export")
    tensors, metadata = policy_export.read_policy(FIXTURES / FIXTURE_NAMES[algorithm])
    layers = json.loads(metadata["layers"])
    wrong = dict(tensors)
    wrong[layers[-1]["bias"]] = tensors[layers[-1]["bias"]] + 1e-3
    outputs, _ = numpy_policy(wrong, metadata, tensors["test.observations"])
    assert np.abs(outputs - tensors["test.outputs"]).max() > 1e-5
    layers[0]["activation"] = "tanh"
    swapped = dict(metadata, layers=json.dumps(layers))
    outputs, _ = numpy_policy(tensors, swapped, tensors["test.observations"])
    assert np.abs(outputs - tensors["test.outputs"]).max() > 1e-5


def test_spaces_in_the_spec_form_and_unsupported_ones_refused():
    from gymnasium import spaces

    space_spec = algos_module("policy_export").space_spec
    assert space_spec(spaces.Discrete(5)) == {"type": "Discrete", "n": 5}
    assert space_spec(spaces.Box(0.0, 255.0, (84, 84, 3), np.uint8)) == {
        "type": "Box", "shape": [84, 84, 3], "low": 0.0, "high": 255.0, "dtype": "uint8",
    }  # fmt: skip
    with pytest.raises(ValueError, match="one low"):
        space_spec(spaces.Box(np.array([0, -1], np.float32), np.array([1, 1], np.float32)))
    with pytest.raises(ValueError, match="starting at 0"):
        space_spec(spaces.Discrete(3, start=1))
    with pytest.raises(TypeError):
        space_spec(spaces.MultiDiscrete([2, 2]))


def test_export_replaces_the_file_whole_and_leaves_no_temporary(tmp_path: Path):
    policy_export = algos_module("policy_export")
    path = tmp_path / "policy.safetensors"
    path.write_bytes(b"an older, broken file")
    fixtures = algos_module("make_policy_fixtures")
    dqn = algos_module("dqn")
    torch.manual_seed(0)
    env = type("Env", (), {})()
    env.single_observation_space = fixtures.OBSERVATION
    env.single_action_space = fixtures.DQN_ACTIONS
    info = policy_export.RunInfo(
        fixtures.OBSERVATION, fixtures.DQN_ACTIONS, "dodge", "bevy_gym/Dodge-v0",
        fixtures.DQN_OPTIONS, 10_001, "test",
    )  # fmt: skip
    policy_export.export_policy(path, dqn.policy_net(dqn.QNetwork(env)), info)
    check_policy_file(path, "dqn")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["policy.safetensors"]
    assert oct(path.stat().st_mode & 0o077) != "0o0", "the file must not be private"


def test_export_policy_needs_a_checkpoint(tmp_path: Path):
    proc = run_script("dqn", ["--export-policy", str(tmp_path / "p.safetensors")], tmp_path)
    assert proc.returncode != 0 and "--export-policy needs --eval-checkpoint" in proc.stderr
    assert not (tmp_path / "p.safetensors").exists()


# Against the real game server: the scripts write the file; the game plays it.


def run_script(name: str, args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run algos/{name}.py in `cwd` on the CPU with W&B off (the caller checks the exit)."""
    env = dict(os.environ, WANDB_MODE="disabled")
    return subprocess.run(
        [sys.executable, str(ALGOS / f"{name}.py"), *args, "--no-cuda"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The run folder of each of RUNS, trained with --save-model."""
    runs = {}
    for name, (algorithm, args) in RUNS.items():
        cwd = tmp_path_factory.mktemp(name)
        script_args = [*args, "--save-model", "--eval-frequency", "0"]
        proc = run_script(SCRIPTS[algorithm], script_args, cwd)
        assert proc.returncode == 0, proc.stderr[-3000:]
        (runs[name],) = (cwd / "runs").iterdir()
    return runs


@pytest.mark.retrain
@pytest.mark.server
@pytest.mark.parametrize("name", RUNS)
def test_save_model_leaves_a_policy_file(name: str, trained: dict[str, Path]):
    algorithm, args = RUNS[name]
    run = trained[name]
    assert (run / f"{SCRIPTS[algorithm]}.cleanrl_model").is_file()
    _, metadata = check_policy_file(run / "policy.safetensors", algorithm)
    options = json.loads(metadata["options"])  # the server's effective options, not only ours
    assert options["level"] == int(args[args.index("--level") + 1])
    assert options["action_repeat"] == 4
    assert options["max_episode_steps"] == 1000
    assert metadata["eval_seed"] == "10001" and metadata["created_by"] == f"{SCRIPTS[algorithm]}.py"
    assert not [p for p in run.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.retrain
@pytest.mark.server
@pytest.mark.parametrize("name", ["dqn-level1", "sac-level2"])
def test_export_from_a_checkpoint_writes_the_same_file(
    name: str, trained: dict[str, Path], tmp_path: Path
):
    algorithm = RUNS[name][0]
    run, out = trained[name], tmp_path / "exported.safetensors"
    checkpoint = run / f"{SCRIPTS[algorithm]}.cleanrl_model"
    export = ["--eval-checkpoint", str(checkpoint), "--export-policy", str(out)]
    proc = run_script(SCRIPTS[algorithm], [*export, "--eval-episodes", "0"], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "episodes: return" not in proc.stdout  # --eval-episodes 0: export only
    tensors, metadata = check_policy_file(out, algorithm)
    saved, saved_metadata = check_policy_file(run / "policy.safetensors", algorithm)
    assert metadata == saved_metadata
    assert set(tensors) == set(saved)
    for key, tensor in tensors.items():
        np.testing.assert_array_equal(tensor, saved[key], err_msg=key)


def game_supports_policies(binary: str) -> bool:
    """Whether this bevy-dodge has the in-game policy (`--policy` in its help)."""
    done = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30)
    return "--policy" in done.stdout


def run_in_game(binary: str, policy: Path, *flags: str) -> dict[str, float]:
    """`bevy-dodge --policy POLICY FLAGS…`: its one JSON line of evaluation results."""
    command = [binary, "--policy", str(policy), *flags]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    result = json.loads(lines[0])
    assert set(result) == {"episodes", "mean_return", "std_return", "mean_length", "std_length"}
    return result


def python_evaluation(algorithm: str, run: Path, eval_seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The script's own `--eval-checkpoint` evaluation of the run's checkpoint, in-process for
    full precision: EPISODES separate arenas of one server, seeded `eval_seed`."""
    utils = algos_module("algos_utils")
    script = algos_module(SCRIPTS[algorithm])
    device = torch.device("cpu")
    checkpoint_path = str(run / f"{SCRIPTS[algorithm]}.cleanrl_model")
    seed = eval_seed - utils.EVAL_SEED_OFFSET
    args = script.Args(eval_checkpoint=checkpoint_path, seed=seed, eval_episodes=EPISODES)
    checkpoint, saved = utils.load_checkpoint(args, device)
    envs = script.make_env(saved, 1)
    net = script.QNetwork(envs) if algorithm == "dqn" else script.Actor(envs)
    envs.close()
    net.load_state_dict(checkpoint["q_network" if algorithm == "dqn" else "actor"])
    act = algos_module("policy_export").act_float64(script.policy_net(net))
    return utils.evaluate(script.make_env, act, saved, device)


def reference_player(
    binary: str, policy: Path, episodes: int, seed: int, options: dict
) -> tuple[np.ndarray, np.ndarray]:
    """What `bevy-dodge --policy POLICY --agents N --arena-mode separate --episodes N --seed S`
    must do, from the file alone (numpy, in float64 as the format says): start the server with
    the run's options and that seed, act from its first observations (no other reset), and keep
    each arena's first episode, its length counting the last step and its return summing every
    reward."""
    tensors, metadata = algos_module("policy_export").read_policy(policy)
    arenas = ["--agents", str(episodes), "--arena-mode", "separate", "--seed", str(seed)]
    server = ServerProcess(binary, [*arenas, *option_flags(options)])
    try:
        remote = bevy_gym.make_remote(server.url)
        obs = remote.observe("vector")
        returns, lengths = np.zeros(episodes), np.zeros(episodes, int)
        finished = np.zeros(episodes, bool)
        while not finished.all():
            x = obs.reshape(episodes, -1).astype(np.float64)
            for layer in json.loads(metadata["layers"]):
                weight, bias = (tensors[layer[k]].astype(np.float64) for k in ("weight", "bias"))
                x = x @ weight.T + bias
                x = {"relu": np.maximum(x, 0), "tanh": np.tanh(x), "none": x}[layer["activation"]]
            if metadata["output"] == "argmax":
                actions = np.argmax(x, axis=1)
            else:
                names = (metadata["output_scale"], metadata["output_bias"])
                scale, shift = (tensors[name].astype(np.float64) for name in names)
                actions = (x * scale + shift).astype(np.float32)
            res = remote.step(actions)
            returns += np.where(finished, 0.0, res.rewards.astype(np.float64))
            lengths += ~finished
            finished |= res.done
            obs = res.observations
        remote.close()
    finally:
        server.close()
    return returns, lengths


@pytest.mark.retrain
@pytest.mark.server
@pytest.mark.parametrize("name", RUNS)
def test_the_file_alone_reproduces_the_python_evaluation(
    name: str, trained: dict[str, Path], dodge_binary: str
):
    """The file says enough (options, eval_seed, network) for a player without torch to play
    the Python evaluation's episodes: the procedure the game's --episodes mode follows."""
    algorithm = RUNS[name][0]
    policy = trained[name] / "policy.safetensors"
    _, metadata = check_policy_file(policy, algorithm)
    eval_seed, options = int(metadata["eval_seed"]), json.loads(metadata["options"])
    returns, lengths = reference_player(dodge_binary, policy, EPISODES, eval_seed, options)
    expected_returns, expected_lengths = python_evaluation(algorithm, trained[name], eval_seed)
    np.testing.assert_array_equal(lengths, expected_lengths)
    np.testing.assert_allclose(returns, expected_returns, rtol=0, atol=1e-3)


@pytest.mark.retrain
@pytest.mark.server
@pytest.mark.parametrize("name", RUNS)
def test_the_game_plays_the_policy_as_python_evaluates_it(
    name: str, trained: dict[str, Path], dodge_binary: str
):
    assert game_supports_policies(dodge_binary), "bevy-dodge --help lists no --policy"
    algorithm = RUNS[name][0]
    policy = trained[name] / "policy.safetensors"
    _, metadata = check_policy_file(policy, algorithm)

    # The acceptance line: one JSON line, the same twice (SAC's game also needs its
    # continuous actions, whether or not the game takes them from the file).
    options = json.loads(metadata["options"])
    game = option_flags({key: options[key] for key in ("level", "action_space")})
    first = run_in_game(dodge_binary, policy, "--episodes", "5", "--seed", "3", *game)
    assert first["episodes"] == 5
    assert run_in_game(dodge_binary, policy, "--episodes", "5", "--seed", "3", *game) == first

    # The Python evaluation's set-up in the game: one episode per separate arena, seeded
    # eval_seed, with the training run's game options.
    eval_seed = int(metadata["eval_seed"])
    arenas = ["--agents", str(EPISODES), "--arena-mode", "separate", "--episodes", str(EPISODES)]
    game = run_in_game(
        dodge_binary, policy, *arenas, "--seed", str(eval_seed), *option_flags(options)
    )
    returns, lengths = python_evaluation(algorithm, trained[name], eval_seed)
    assert game["episodes"] == EPISODES
    assert game["mean_length"] == pytest.approx(lengths.mean(), abs=1e-9), (game, lengths)
    assert abs(game["mean_return"] - returns.mean()) <= 1e-3, (game, returns)
    assert game["std_length"] == pytest.approx(lengths.std(), abs=1e-6), (game, lengths)
