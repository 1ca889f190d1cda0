"""A PettingZoo ParallelEnv for any bevy_rl-compatible server: maps the server's per-agent arrays
to PettingZoo's dicts, removes done agents from `agents`, and offers render() and state(); and
`aec_env`, the AEC version with the action-bounds guard its spaces call for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from gymnasium import logger, spaces
from pettingzoo import AECEnv, ParallelEnv
from pettingzoo.utils import parallel_to_aec, wrappers

from bevy_gym.game_server import GameServer, check_remote, check_started

__all__ = ["BevyParallelEnv", "aec_env", "check_render_mode"]


def check_render_mode(render_mode: str | None, metadata: Mapping[str, Any]) -> str | None:
    """Validate `render_mode`; "human" where the game has no window (not in `metadata`) is
    accepted with a warning and ignored."""
    if render_mode is None or render_mode in metadata["render_modes"]:
        return render_mode
    if render_mode == "human":
        logger.warn("render_mode='human' is not supported (no windowed server); use 'rgb_array'")
        return None
    raise ValueError(f"render_mode must be one of {metadata['render_modes']}, got {render_mode!r}")


def state_space_of(observation_spaces: Sequence[spaces.Space]) -> spaces.Box | None:
    """The global state: every agent's vector observation, flattened and concatenated in agent
    order (agents' observations may differ in size)."""
    if not all(isinstance(space, spaces.Box) for space in observation_spaces):
        return None
    size = sum(int(np.prod(space.shape)) for space in observation_spaces)
    low = min(float(space.low.min()) for space in observation_spaces)
    high = max(float(space.high.max()) for space in observation_spaces)
    return spaces.Box(low, high, (size,), observation_spaces[0].dtype)


class BevyParallelEnv(ParallelEnv):
    """PettingZoo ParallelEnv over a bevy_rl-compatible server.

    `remote` is the server (`bevy_gym.make_remote(...)`; for an original bevy_rl game,
    `make_remote(url, legacy=LegacyGame(...))`). `max_cycles`, if given, truncates every agent
    after that many steps, counted here: for servers that do not truncate (bevy_rl); bevy_gym
    servers truncate themselves (their `max_episode_steps` option).

    `step(actions)` takes one action for each agent in `agents` (None: its no-op), and raises
    ValueError naming any live agent left out and any key that is no agent of the game. An
    agent leaves `agents` when it terminates or truncates (PettingZoo's convention); actions
    still sent for it are ignored, with a warning the first time. step() before reset() raises
    ResetNeeded, any use after close() ClosedEnvironmentError (nothing is relaunched)."""

    metadata: dict[str, Any] = {
        "render_modes": ["rgb_array", "human"],
        "name": "bevy_gym_parallel",
        "is_parallelizable": True,
        "render_fps": 15,
    }

    def __init__(
        self,
        remote: GameServer,
        *,
        render_mode: str | None = None,
        max_cycles: int | None = None,
    ) -> None:
        self.render_mode = check_render_mode(render_mode, self.metadata)
        self._remote = check_remote(remote)
        self.possible_agents = list(remote.spec.agent_ids)
        self.agents: list[str] = []
        self._index = {a: i for i, a in enumerate(self.possible_agents)}
        self._observation_spaces = {
            a: remote.observation_space(i) for i, a in enumerate(self.possible_agents)
        }
        self._action_spaces = {
            a: remote.action_space(i) for i, a in enumerate(self.possible_agents)
        }
        self.state_space = state_space_of(remote.spec.observation_spaces)
        self.max_cycles = max_cycles
        self._cycles = 0
        self._noop: list[Any] | None = None  # the no-op batch, filled in per step
        self._started = False  # reset() has been called
        self._live: set[str] = set()  # `agents` as a set, for the per-step key check
        self._warned_done = False

    # Spaces are built once: PettingZoo requires the same object on every call.
    def observation_space(self, agent: str) -> spaces.Space:
        """The observation space of `agent`."""
        return self._observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        """The action space of `agent`."""
        return self._action_spaces[agent]

    @property
    def remote(self) -> GameServer:
        """The server behind this environment."""
        return self._remote

    def reset(
        self, seed: int | None = None, options: dict | None = None
    ) -> tuple[dict[str, Any], dict[str, dict]]:
        """Reset every agent; `seed` reseeds the server, `options` are runtime options."""
        res = self._remote.reset(seed=seed, options=options)
        self.agents = list(self.possible_agents)
        self._live = set(self.agents)
        self._started = True
        self._cycles = 0
        assert res.observations is not None
        observations = {a: res.observations[i] for i, a in enumerate(self.possible_agents)}
        return observations, {a: {} for a in self.agents}

    def step(self, actions: Mapping[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        """Step the live agents; the others send the remote's no-op (index 0, zeros or null)."""
        if not self._started:
            check_started(self, self._remote, self._started)
        live = self.agents
        if not isinstance(actions, Mapping) or actions.keys() != self._live:
            self._check_agents(actions)
        if self._noop is None:
            # A list, not the no-op array: assigning into an int array would silently truncate
            # 2.5 to 2 before the remote gets to check the actions; copied per step, not rebuilt.
            self._noop = list(self._remote.noop_actions())
        batch = self._noop.copy()
        index = self._index
        for agent in live:
            action = actions.get(agent)
            if action is not None:
                batch[index[agent]] = action
        res = self._remote.step(batch)
        assert res.observations is not None
        terminations = res.terminated.tolist()  # Python bools
        truncations = res.truncated.tolist()
        rewards = res.rewards.tolist()  # Python floats
        if self.max_cycles is not None:
            self._cycles += 1
            if self._cycles >= self.max_cycles:
                truncations = [True] * len(truncations)
        # The hot path of every PettingZoo step: zip(strict=True) and list(ndarray) each cost
        # about a microsecond here (measured), against a ~45 µs round trip to stay within 2× of.
        obs = res.observations
        if len(live) == len(self.possible_agents):
            # Every agent is live (the usual case): agent order is array order, no gather needed.
            observations = {a: obs[i] for i, a in enumerate(live)}
        else:
            idx = [index[a] for a in live]
            terminations = [terminations[i] for i in idx]
            truncations = [truncations[i] for i in idx]
            rewards = [rewards[i] for i in idx]
            observations = {a: obs[i] for a, i in zip(live, idx, strict=False)}
        restart = self._remote.last_restart
        infos: dict[str, dict] = {
            a: ({"server_restarted": restart} if restart else {}) for a in live
        }
        if True in terminations or True in truncations:
            self.agents = [
                a for a, t, u in zip(live, terminations, truncations, strict=False) if not (t or u)
            ]
            self._live = set(self.agents)
        return (
            observations,
            dict(zip(live, rewards, strict=False)),
            dict(zip(live, terminations, strict=False)),
            dict(zip(live, truncations, strict=False)),
            infos,
        )

    def _check_agents(self, actions: Any) -> None:
        """The slow path of step's key check: what is wrong with the keys of `actions`."""
        if not isinstance(actions, Mapping):
            raise TypeError(
                f"step() takes a dict of one action per agent in env.agents, got "
                f"{type(actions).__name__}"
            )
        missing = [a for a in self.agents if a not in actions]
        unknown = [k for k in actions if k not in self._index]
        if missing or unknown:
            wrong = [f"unknown agents {unknown}"] if unknown else []
            wrong += [f"no action for live agents {missing}"] if missing else []
            raise ValueError(
                f"step() actions: {' and '.join(wrong)}; expected one action for each agent "
                f"in env.agents {self.agents}"
            )
        done = [k for k in actions if k not in self._live]
        if done and not self._warned_done:
            self._warned_done = True
            logger.warn(
                f"step() got actions for agents that are done {done}: ignored. An agent leaves "
                "env.agents when it terminates or truncates; step only env.agents (PettingZoo's "
                "convention; warned once)"
            )

    def state(self) -> np.ndarray:
        """Every agent's vector observation, concatenated in agent order (see `state_space`)."""
        return np.concatenate([np.ravel(o) for o in self._remote.observe("vector")])

    def render(self) -> np.ndarray | None:
        """Every agent's top-down RGB frame side by side: (H, W·N, 3) uint8."""
        if self.render_mode != "rgb_array":
            if self.render_mode is None:
                logger.warn("render() called without render_mode; pass render_mode='rgb_array'")
            return None  # "human": the game's own window shows every step
        frames = self._remote.frames()
        return frames[0] if len(frames) == 1 else np.concatenate(list(frames), axis=1)

    def close(self) -> None:
        """Stop the server if this environment launched it (safe to call twice)."""
        self._remote.close()


def aec_env(par: ParallelEnv) -> AECEnv:
    """`par` as an AEC env (PettingZoo's `parallel_to_aec`), with the out-of-bounds action guard
    its action spaces call for: `AssertOutOfBoundsWrapper` when every agent acts in a Discrete
    space, `ClipOutOfBoundsWrapper` when every one acts in a Box, none for a mix (no one
    wrapper of PettingZoo's fits both)."""
    aec = parallel_to_aec(par)
    kinds = {type(par.action_space(agent)) for agent in par.possible_agents}
    if kinds == {spaces.Discrete}:
        return wrappers.AssertOutOfBoundsWrapper(aec)
    if kinds == {spaces.Box}:
        return wrappers.ClipOutOfBoundsWrapper(aec)
    return aec
