"""Pixel policies in the game (policy file format version 2, algos/sac_pixels.py): the committed
fixture follows the format and its float64 policy reproduces PyTorch's outputs; `--save-model`
and `--export-policy` write the file; `bevy-dodge --policy` plays it from the game's own images,
the same JSON line twice, and the same episodes as the script's `--eval-checkpoint` evaluation."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.test_policy import FIXTURES, algos_module, run_in_game, run_script

PIXEL_FIXTURE = FIXTURES / "pixels_tiny.safetensors"
EPISODES = 6  # evaluation episodes compared between Python and the game
TRAIN = [
    "--env", "dodge", "--total-timesteps", "2000", "--learning-starts", "1000",
    "--num-envs", "4", "--eval-episodes", "2", "--eval-frequency", "0", "--save-model",
]  # fmt: skip


def float64_outputs(path: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The file's float64 policy (`act_float64`, what the game computes) on its test frames."""
    policy_export = algos_module("policy_export")
    net = policy_export.read_policy_net(path)
    tensors, _ = policy_export.read_policy(path)
    frames = torch.as_tensor(tensors["test.observations"])
    stacks = policy_export.stacks_of_frames(frames)
    return policy_export.act_float64(net)(stacks).double().numpy(), tensors


def test_the_pixel_fixture_is_format_2_current_and_matches_pytorch(tmp_path: Path):
    policy_export = algos_module("policy_export")
    tensors, metadata = policy_export.read_policy(PIXEL_FIXTURE)
    assert metadata["format_version"] == "2"
    image = json.loads(metadata["image"])
    assert image == {
        "height": 32, "width": 32, "channels": 3, "frame_stack": 2, "divide_by": 255.0,
        "source": "raster", "options": {"grayscale": False, "image_size": 32},
    }  # fmt: skip
    kinds = [layer.get("type", "dense") for layer in json.loads(metadata["layers"])]
    assert kinds == ["conv2d", "conv2d", "flatten", "dense", "layer_norm", "dense", "dense"]
    assert tensors["test.observations"].shape == (4, 2, 32, 32, 3)
    assert PIXEL_FIXTURE.stat().st_size < 256 * 1024  # small enough to commit

    outputs, _ = float64_outputs(PIXEL_FIXTURE)
    np.testing.assert_allclose(outputs, tensors["test.outputs"], rtol=0, atol=1e-5)
    # A wrong stride would not pass: the check can fail.
    layers = json.loads(metadata["layers"])
    layers[0]["stride"] = 1
    net = dataclasses.replace(
        policy_export.read_policy_net(PIXEL_FIXTURE),
        layers=[policy_export.layer_from_json(layer) for layer in layers],
    )
    with pytest.raises(RuntimeError):  # the dense layer no longer fits the maps
        policy_export.act_float64(net)(
            policy_export.stacks_of_frames(torch.as_tensor(tensors["test.observations"]))
        )

    # `python algos/make_policy_fixtures.py` writes the same (regenerate it when this fails).
    fresh = algos_module("make_policy_fixtures").make_fixtures(tmp_path)
    (path,) = [p for p in fresh if p.name == PIXEL_FIXTURE.name]
    again, again_metadata = policy_export.read_policy(path)
    assert again_metadata == metadata
    for name, tensor in tensors.items():
        np.testing.assert_allclose(again[name], tensor, rtol=0, atol=1e-6, err_msg=name)


def test_vector_policies_are_still_written_as_version_1():
    policy_export = algos_module("policy_export")
    for name in ("dqn_tiny", "sac_tiny"):
        net = policy_export.read_policy_net(FIXTURES / f"{name}.safetensors")
        assert net.format_version == 1 and net.image is None


@pytest.fixture(scope="module")
def pixel_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny sac_pixels run with --save-model (some updates, so the encoder is not at its
    initialisation)."""
    cwd = tmp_path_factory.mktemp("sac_pixels")
    proc = run_script("sac_pixels", TRAIN, cwd)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (run,) = (cwd / "runs").iterdir()
    return run


def python_evaluation(run: Path, episodes: int) -> tuple[np.ndarray, np.ndarray]:
    """`sac_pixels.py --eval-checkpoint` in process, at full precision: the policy file's float64
    policy on `episodes` separate arenas seeded with the run's eval seed."""
    utils, script = algos_module("algos_utils"), algos_module("sac_pixels")
    device = torch.device("cpu")
    args = script.Args(eval_checkpoint=str(run / "sac_pixels.cleanrl_model"))
    checkpoint, saved = utils.load_checkpoint(args, device)
    saved = dataclasses.replace(saved, eval_episodes=episodes)
    envs = script.make_env(saved, 1)
    channels = saved.frame_stack * envs.single_observation_space.shape[-1]
    obs_shape = (channels, saved.image_size, saved.image_size)
    critic = script.Critic(obs_shape, int(np.prod(envs.single_action_space.shape)), saved)
    actor = script.Actor(envs, saved)
    critic.load_state_dict(checkpoint["critic"])
    actor.load_state_dict(checkpoint["actor"])
    net = script.policy_net(critic.encoder, actor, script.image_input(saved, envs))
    envs.close()
    act = algos_module("policy_export").act_float64(net)
    return script.evaluate_pixels(saved, act, device)


@pytest.mark.retrain
@pytest.mark.server
def test_save_model_and_export_write_the_pixel_policy(pixel_run: Path, tmp_path: Path):
    policy_export = algos_module("policy_export")
    saved = pixel_run / "policy.safetensors"
    tensors, metadata = policy_export.read_policy(saved)
    assert metadata["format_version"] == "2" and metadata["algorithm"] == "sac"
    image = json.loads(metadata["image"])
    assert (image["height"], image["width"], image["channels"], image["frame_stack"]) == (
        64, 64, 1, 3,
    )  # fmt: skip
    assert image["options"] == {"grayscale": True, "image_size": 64}
    assert json.loads(metadata["observation_space"])["dtype"] == "uint8"
    outputs, _ = float64_outputs(saved)
    np.testing.assert_allclose(outputs, tensors["test.outputs"], rtol=0, atol=1e-5)

    out = tmp_path / "exported.safetensors"
    checkpoint = pixel_run / "sac_pixels.cleanrl_model"
    export = ["--eval-checkpoint", str(checkpoint), "--export-policy", str(out)]
    proc = run_script("sac_pixels", [*export, "--eval-episodes", "0"], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    exported, exported_metadata = policy_export.read_policy(out)
    assert exported_metadata == metadata
    for name, tensor in tensors.items():
        np.testing.assert_array_equal(exported[name], tensor, err_msg=name)


@pytest.mark.retrain
@pytest.mark.server
def test_the_game_plays_the_pixel_policy_as_python_evaluates_it(pixel_run: Path, dodge_binary: str):
    policy = pixel_run / "policy.safetensors"
    # The acceptance line: the image options come from the file.
    flags = ["--episodes", "5", "--seed", "3", "--level", "2", "--action-space", "continuous"]
    first = run_in_game(dodge_binary, policy, *flags)
    assert first["episodes"] == 5
    assert run_in_game(dodge_binary, policy, *flags) == first

    _, metadata = algos_module("policy_export").read_policy(policy)
    arenas = ["--agents", str(EPISODES), "--arena-mode", "separate", "--episodes", str(EPISODES)]
    game = run_in_game(dodge_binary, policy, *arenas, "--seed", metadata["eval_seed"], *flags[4:])
    returns, lengths = python_evaluation(pixel_run, EPISODES)
    assert game["mean_length"] == pytest.approx(lengths.mean(), abs=1e-9), (game, lengths)
    assert game["std_length"] == pytest.approx(lengths.std(), abs=1e-6), (game, lengths)
    assert abs(game["mean_return"] - returns.mean()) <= 1e-3, (game, returns)


@pytest.mark.server
def test_a_pixel_policy_drives_one_agent_while_python_drives_the_other():
    """As in a Python learner's training against a frozen pixel policy: the game renders the
    driven agent's images itself and moves it (unlike the client's standing action), the same
    with the same seed."""
    from bevy_gym.settings import GameSettings

    def agent_0_sees(policy: bool) -> list[np.ndarray]:
        settings = GameSettings(
            binary="bevy-dodge",
            num_agents=2,
            arena_mode="separate",
            options={"level": 2, "action_space": "continuous", "image_size": 32},
            policy=str(PIXEL_FIXTURE) if policy else None,
            policy_agents=(0,) if policy else None,
        )
        remote = settings.remote()
        try:
            assert remote.spec.pixel_observation_space.shape == (32, 32, 3)
            res = remote.reset(seed=1)
            seen = [np.asarray(res.observations[0]).copy()]
            for _ in range(30):
                actions = [np.zeros(3, np.float32), np.array([1.0, 0.0, -1.0], np.float32)]
                res = remote.step(actions)  # with the policy, agent_0's action is the policy's
                seen.append(np.asarray(res.observations[0]).copy())
        finally:
            remote.close()
        return seen

    driven, standing = agent_0_sees(True), agent_0_sees(False)
    assert not all(np.array_equal(a, b) for a, b in zip(driven, standing, strict=True))
    again = agent_0_sees(True)
    assert all(np.array_equal(a, b) for a, b in zip(driven, again, strict=True))


@pytest.mark.server
def test_the_committed_pixel_policy_plays_the_documented_episodes(dodge_binary: str):
    """docs/policy_in_game.md's parity table: the first arenas of its 100-episode evaluation
    (separate arenas seeded 10001 play alike whatever their number) in the game, as Python
    played them (docs/results/sac_pixels_policy_parity.log)."""
    results = FIXTURES.parents[3] / "docs" / "results"
    log = (results / "sac_pixels_policy_parity.log").read_text().splitlines()
    (lengths,) = [
        json.loads(line.split(": ", 1)[1]) for line in log if line.startswith("python lengths")
    ]
    arenas = ["--agents", "5", "--arena-mode", "separate", "--episodes", "5", "--seed", "10001"]
    game = run_in_game(
        dodge_binary, results / "sac_pixels_dodge_level2.safetensors", *arenas,
        "--level", "2", "--action-space", "continuous",
    )  # fmt: skip
    assert game["mean_length"] == pytest.approx(np.mean(lengths[:5]), abs=1e-9)
    assert game["std_length"] == pytest.approx(np.std(lengths[:5]), abs=1e-9)


@pytest.mark.retrain
@pytest.mark.server
def test_a_second_game_plays_its_pixel_policy_as_python_evaluates_it(tmp_path: Path):
    """Tag's evader from pixels (its RGB images, another game's options): nothing of dodge's."""
    from bevy_gym.launcher import find_binary

    proc = run_script("sac_pixels", ["--env", "tag-evader", *TRAIN[2:]], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (run,) = (tmp_path / "runs").iterdir()
    policy = run / "policy.safetensors"
    _, metadata = algos_module("policy_export").read_policy(policy)
    assert json.loads(metadata["image"])["options"] == {"image_size": 64}  # tag has no grayscale
    roles = ["--pursuers", "0", "--bot-pursuers", "1"]
    arenas = ["--agents", str(EPISODES), "--arena-mode", "separate", "--episodes", str(EPISODES)]
    flags = [*roles, *arenas, "--seed", metadata["eval_seed"]]
    game = run_in_game(find_binary("bevy-tag"), policy, *flags)
    assert run_in_game(find_binary("bevy-tag"), policy, *flags) == game
    returns, lengths = python_evaluation(run, EPISODES)
    assert game["mean_length"] == pytest.approx(lengths.mean(), abs=1e-9), (game, lengths)
    assert game["std_length"] == pytest.approx(lengths.std(), abs=1e-6), (game, lengths)
    assert abs(game["mean_return"] - returns.mean()) <= 1e-3, (game, returns)
