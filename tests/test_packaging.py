"""The installed layout: `envs/` is importable only as `bevy_gym.envs` (nothing generic lands in
site-packages), the library never imports torch, and `import bevy_gym` registers the ids."""

from __future__ import annotations

import subprocess
import sys


def run(code: str, cwd: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_envs_is_only_importable_as_bevy_gym_envs(tmp_path):
    out = run(
        "import importlib.util, bevy_gym.envs.dodge_v0 as m; "
        "print(importlib.util.find_spec('envs')); print(m.__name__)",
        cwd=str(tmp_path),  # outside the repo: only what is installed is visible
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["None", "bevy_gym.envs.dodge_v0"]


def test_bevy_gym_never_imports_torch_or_ray(tmp_path):
    """Only `bevy_gym.rllib` (the rllib extra) imports ray, and only when it is imported."""
    out = run(
        "import sys, bevy_gym, bevy_gym.envs.dodge_v0, bevy_gym.envs.dodge, bevy_gym.envs.tag_v0; "
        "print('torch' in sys.modules, 'ray' in sys.modules)",
        cwd=str(tmp_path),
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]


def test_import_registers_gymnasium_and_pettingzoo_ids(tmp_path):
    out = run(
        "import gymnasium, bevy_gym; from pettingzoo.env_registry import registration as r; "
        "s = gymnasium.spec('bevy_gym/Dodge-v0'); "
        "print(s.entry_point, s.vector_entry_point, s.max_episode_steps, "
        "'bevy_gym/dodge-v0' in r.parallel_registry, 'bevy_gym/dodge-v0' in r.aec_registry)",
        cwd=str(tmp_path),
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "bevy_gym.envs.dodge:make_env",
        "bevy_gym.envs.dodge:DodgeVectorEnv",
        "1000",
        "True",
        "True",
    ]
