"""Regenerate the committed policy files that game/policy's parity tests read without torch: a
freshly initialised (torch.manual_seed(0)) DQN QNetwork and SAC Actor of the scripts' own
architectures for dodge, and a small pixel policy (format version 2) that uses every layer type
with stride and padding on RGB frames, written by the scripts' own export path. No game server is
needed:

    python algos/make_policy_fixtures.py  # game/policy/tests/fixtures/*_tiny.safetensors

(dqn_tiny, sac_tiny, pixels_tiny. The pixel script's own encoder is too large to commit:
tests/test_pixel_policy.py exports a freshly trained one and plays it in the game instead.)
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import dqn
import gymnasium as gym
import numpy as np
import sac_continuous
import torch
import torch.nn as nn
from algos_utils import EVAL_SEED_OFFSET
from policy_export import (
    Conv2d,
    Flatten,
    ImageInput,
    Layer,
    LayerNorm,
    PolicyNet,
    RunInfo,
    export_policy,
    stacks_of_frames,
)

FIXTURES = Path(__file__).resolve().parent.parent / "game" / "policy" / "tests" / "fixtures"
OBSERVATION = gym.spaces.Box(-1.0, 1.0, (72,), np.float32)  # dodge's vector observation
DQN_ACTIONS = gym.spaces.Discrete(5)  # IDLE, UP, DOWN, LEFT, RIGHT
SAC_ACTIONS = gym.spaces.Box(-1.0, 1.0, (3,), np.float32)  # [vx, vy, sprint]
# The scripts' defaults (dodge's own action_repeat and max_episode_steps, the scripts' levels and
# seed); a real export records the effective options from the server's spec instead.
DODGE_DEFAULTS = {"action_repeat": 4, "max_episode_steps": 1000}
DQN_OPTIONS = {"level": 1, "action_space": "discrete", **DODGE_DEFAULTS}
SAC_OPTIONS = {"level": 2, "action_space": "continuous", **DODGE_DEFAULTS}
SEED = 1
# The pixel fixture: two stacked 32-px RGB frames (dodge's smallest image), as the game renders
# them with these options.
PIXEL_IMAGE = ImageInput(
    height=32, width=32, channels=3, frame_stack=2, options={"grayscale": False, "image_size": 32}
)
PIXEL_OBSERVATION = gym.spaces.Box(0, 255, (32, 32, 3), np.uint8)
PIXEL_OPTIONS = {**SAC_OPTIONS, "image_size": 32, "grayscale": False}


class TinyPixelActor(nn.Module):
    """Convolutions with stride and padding, a flatten, a linear layer with LayerNorm and tanh
    (as sac_pixels' encoder ends), and a tanh-scaled mean head: every layer type of format 2."""

    def __init__(self) -> None:
        super().__init__()
        stacked = PIXEL_IMAGE.frame_stack * PIXEL_IMAGE.channels
        self.convs = nn.Sequential(
            nn.Conv2d(stacked, 8, 5, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(8, 8, 3, stride=2),
            nn.ReLU(),
            nn.Flatten(),
        )
        self.head = nn.Sequential(nn.Linear(8 * 7 * 7, 16), nn.LayerNorm(16))
        self.trunk = nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))

    def forward(self, stacks: torch.Tensor) -> torch.Tensor:
        features = torch.tanh(self.head(self.convs(stacks.float() / 255.0)))
        return torch.tanh(self.trunk(features))  # actions in [-1, 1]: scale 1, bias 0


def pixel_policy_net(actor: TinyPixelActor) -> PolicyNet:
    tensors = dict(actor.state_dict())
    tensors["action_scale"], tensors["action_bias"] = torch.ones(3), torch.zeros(3)
    return PolicyNet(
        algorithm="sac",
        tensors=tensors,
        layers=[
            Conv2d("convs.0.weight", "convs.0.bias", 2, 1, "relu"),
            Conv2d("convs.2.weight", "convs.2.bias", 2, 0, "relu"),
            Flatten(),
            Layer("head.0.weight", "head.0.bias", "none"),
            LayerNorm("head.1.weight", "head.1.bias", 1e-5, "tanh"),
            Layer("trunk.0.weight", "trunk.0.bias", "relu"),
            Layer("trunk.2.weight", "trunk.2.bias", "tanh"),
        ],
        output="scaled",
        forward=lambda frames: actor(stacks_of_frames(frames)),
        output_scale="action_scale",
        output_bias="action_bias",
        image=PIXEL_IMAGE,
    )


def make_fixtures(folder: Path = FIXTURES) -> list[Path]:
    """Write dqn_tiny, sac_tiny and pixels_tiny (.safetensors) into `folder`; their paths."""
    runs = [
        (dqn, DQN_ACTIONS, "bevy_gym/Dodge-v0", DQN_OPTIONS, "dqn_tiny"),
        (sac_continuous, SAC_ACTIONS, "bevy_gym/DodgeContinuous-v0", SAC_OPTIONS, "sac_tiny"),
    ]
    paths = []
    for script, actions, env_id, options, name in runs:
        # The networks read only the single spaces of the env they are given.
        env = SimpleNamespace(single_observation_space=OBSERVATION, single_action_space=actions)
        torch.manual_seed(0)
        net = script.QNetwork(env) if script is dqn else script.Actor(env)
        info = RunInfo(
            observation_space=OBSERVATION,
            action_space=actions,
            game="dodge",
            env_id=env_id,
            options=options,
            eval_seed=SEED + EVAL_SEED_OFFSET,
            created_by=f"{Path(__file__).name} ({Path(script.__file__).name} networks)",
        )
        path = folder / f"{name}.safetensors"
        paths.append(Path(export_policy(path, script.policy_net(net), info)))
    torch.manual_seed(0)
    info = RunInfo(
        observation_space=PIXEL_OBSERVATION,
        action_space=SAC_ACTIONS,
        game="dodge",
        env_id="bevy_gym/DodgeContinuous-v0",
        options=PIXEL_OPTIONS,
        eval_seed=SEED + EVAL_SEED_OFFSET,
        created_by=f"{Path(__file__).name} (every layer type of format 2)",
    )
    path = folder / "pixels_tiny.safetensors"
    paths.append(Path(export_policy(path, pixel_policy_net(TinyPixelActor()), info)))
    return paths


if __name__ == "__main__":
    torch.set_num_threads(1)
    for path in make_fixtures():
        print(f"{path} ({path.stat().st_size // 1024} KiB)")
