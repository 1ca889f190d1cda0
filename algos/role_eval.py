"""Evaluations of roles trained together (algos/ppo_roles.py): deterministic episodes of given
policies, one episode per separate arena of a fresh server, against the game's scripted bots or
against each other, and the cross-play matrix of two roles' snapshots through training."""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch
from policy_export import act_float64

from bevy_gym import GameSettings

Policy = Callable[[np.ndarray], np.ndarray]  # observations (n, d) -> n actions
SNAPSHOT = re.compile(r"^(?P<role>.+)_(?P<step>\d+)\.pt$")


def role_of(agent_id: str) -> str:
    """The role an agent id names: its prefix before the last `_` (`pursuer_0` -> `pursuer`)."""
    return agent_id.rsplit("_", 1)[0]


def stats(values: np.ndarray) -> tuple[float, float]:
    """Mean and standard error."""
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(len(values))) if len(
        values
    ) > 1 else 0.0


def play_episodes(
    binary: str,
    options: Mapping[str, Any],
    policies: Mapping[str, Policy],
    episodes: int,
    seed: int,
    agents_per_arena: int = 1,
) -> dict[str, dict[str, float]]:
    """`episodes` deterministic episodes, one per separate arena of `agents_per_arena` agents,
    every agent driven by its role's policy; per role (and "arena": each arena's longest agent)
    the mean length and return with standard errors, and how often an episode ended by
    termination rather than truncation."""
    names, returns, lengths, terminated = episode_outcomes(
        binary, options, policies, episodes, seed, agents_per_arena
    )
    results = {}
    for role in dict.fromkeys(names):
        mine = np.array([name == role for name in names])
        (length, length_se), (ret, ret_se) = stats(lengths[mine]), stats(returns[mine])
        results[role] = {
            "episodes": int(mine.sum()),
            "length": length,
            "length_se": length_se,
            "return": ret,
            "return_se": ret_se,
            "terminated": float(terminated[mine].mean()),
        }
    arena_length = lengths.reshape(episodes, agents_per_arena).max(axis=1)
    length, length_se = stats(arena_length.astype(float))
    results["arena"] = {"episodes": episodes, "length": length, "length_se": length_se}
    return results


def episode_outcomes(
    binary: str,
    options: Mapping[str, Any],
    policies: Mapping[str, Policy],
    episodes: int,
    seed: int,
    agents_per_arena: int = 1,
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Each agent's role, return, length and whether it terminated, over one episode per
    arena of a fresh server seeded `seed`: what the game's `--episodes` mode plays with
    `--agents episodes·agents_per_arena --arena-mode separate --seed seed`."""
    settings = GameSettings(
        binary=binary,
        num_agents=episodes * agents_per_arena,
        arena_mode="separate",
        agents_per_arena=agents_per_arena if agents_per_arena > 1 else None,
        options=dict(options),
    )
    remote = settings.remote()
    try:
        names = [role_of(i) for i in remote.spec.agent_ids]
        if len(policies) == 1:  # one role against bots: whatever the ids, it drives every agent
            names = list(policies) * len(names)
        missing = sorted(set(names) - set(policies))
        if missing:
            raise ValueError(f"no policy for role(s) {missing} of {sorted(set(names))}")
        res = remote.reset(seed=seed)
        obs = list(res.observations)
        batch = list(remote.noop_actions())
        n = len(names)
        done, terminated = np.zeros(n, bool), np.zeros(n, bool)
        returns, lengths = np.zeros(n), np.zeros(n, np.int64)
        while not done.all():
            for role, act in policies.items():
                idx = [k for k, name in enumerate(names) if name == role and not done[k]]
                if idx:
                    for k, a in zip(idx, act(np.stack([obs[k] for k in idx])), strict=True):
                        batch[k] = a
            res = remote.step(batch)
            live = ~done
            returns += np.where(live, res.rewards, 0.0)
            lengths += live
            ended = live & (res.terminated | res.truncated)
            terminated |= ended & res.terminated
            done |= ended
            obs = list(res.observations)
    finally:
        remote.close()
    return names, returns, lengths, terminated


def snapshot_files(folder: str, roles: list[str], count: int) -> dict[str, list[tuple[int, str]]]:
    """Up to `count` saved snapshots per role (`{role}_{step}.pt`), evenly spaced, the last
    included: (step, path) in step order."""
    found: dict[str, list[tuple[int, str]]] = {r: [] for r in roles}
    for name in os.listdir(folder):
        match = SNAPSHOT.match(name)
        if match and match["role"] in found:
            found[match["role"]].append((int(match["step"]), os.path.join(folder, name)))
    picked = {}
    for role, files in found.items():
        files.sort()
        if not files:
            raise SystemExit(f"no snapshots of {role} in {folder} (train with --save-model)")
        keep = np.unique(np.linspace(0, len(files) - 1, min(count, len(files))).round().astype(int))
        picked[role] = [files[k] for k in keep]
    return picked


def snapshot_policy(actor: torch.nn.Module, path: str) -> Policy:
    """A role's deterministic policy (as its policy file computes it) from a saved snapshot."""
    net = copy.deepcopy(actor)
    net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    act = act_float64(net.policy_net())
    return lambda obs: act(torch.as_tensor(obs)).numpy()


def cross_play(
    game: Any,
    options: Mapping[str, Any],
    roles: Mapping[str, Any],
    files: Mapping[str, list[tuple[int, str]]],
    episodes: int,
    seed: int,
) -> dict[str, Any]:
    """Every snapshot of the first role against every snapshot of the second, in the training
    arenas: the mean episode length of each pair (rows: first role's snapshots)."""
    if len(roles) != 2:
        raise SystemExit(f"cross-play takes a game of two roles; this one has {sorted(roles)}")
    first, second = list(roles)
    table = []
    for step_a, path_a in files[first]:
        row = []
        for step_b, path_b in files[second]:
            policies = {
                first: snapshot_policy(roles[first].actor, path_a),
                second: snapshot_policy(roles[second].actor, path_b),
            }
            result = play_episodes(
                game.binary, options, policies, episodes, seed, game.roles.agents_per_arena
            )
            row.append(result)
            arena = result["arena"]
            print(
                f"{first}@{step_a} vs {second}@{step_b}: "
                f"mean length {arena['length']:.1f} ± {arena['length_se']:.1f}"
            )
        table.append(row)
    return {
        "rows": {"role": first, "steps": [s for s, _ in files[first]]},
        "columns": {"role": second, "steps": [s for s, _ in files[second]]},
        "episodes": episodes,
        "results": table,
    }
