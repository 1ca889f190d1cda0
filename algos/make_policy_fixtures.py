"""Regenerate the committed policy files that game/policy's parity tests read without torch: a
freshly initialised (torch.manual_seed(0)) DQN QNetwork and SAC Actor of the scripts' own
architectures for dodge, written by the scripts' own export path. No game server is needed:

    python algos/make_policy_fixtures.py  # game/policy/tests/fixtures/{dqn,sac}_tiny.safetensors
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import dqn
import gymnasium as gym
import numpy as np
import sac_continuous
import torch
from algos_utils import EVAL_SEED_OFFSET
from policy_export import RunInfo, export_policy

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


def make_fixtures(folder: Path = FIXTURES) -> list[Path]:
    """Write dqn_tiny.safetensors and sac_tiny.safetensors into `folder`; their paths."""
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
    return paths


if __name__ == "__main__":
    torch.set_num_threads(1)
    for path in make_fixtures():
        print(f"{path} ({path.stat().st_size // 1024} KiB)")
