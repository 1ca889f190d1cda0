"""Settings of any bevy_gym server, whatever the game: which binary (or which running server),
how many agents in which arena mode, what to observe, and the game's options. Everything else
(spaces, ranges, defaults) comes from the game itself through its spec."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bevy_gym.game_server import OBS_TYPES, GameServer
from bevy_gym.launcher import option_flags
from bevy_gym.link import Launch
from bevy_gym.native import check_backend
from bevy_gym.remote import make_remote
from bevy_gym.transport import DEFAULT_TIMEOUT, ProtocolError

__all__ = ["GameSettings"]


@dataclass(frozen=True)
class GameSettings:
    """One server's settings. Give `binary` (a name found in the active environment or on PATH,
    or a path) to launch one, or `server_url` to use a running one.

    `options` are the game's options and the server's (`action_repeat`, `max_episode_steps`),
    by their `/spec` names; they become flags (`--image-size=64`) for a launched server and reset
    options for a running one. `num_agents`, `arena_mode` and `agents_per_arena` (separate arenas
    of several agents, e.g. a dodger and its thrower) are flags too; for a running server the
    first two are checked against its spec instead. `policy` (a policy file) drives
    `policy_agents` (agent indices; default: every agent) inside a launched game: the server
    ignores the client's actions for them. `backend`: "http" (a server process, the default) or
    "native" (the game's extension module, in this process; see bevy_gym.native)."""

    binary: str | None = None
    server_url: str | None = None
    num_agents: int | None = None
    arena_mode: str | None = None
    obs_type: str = "vector"
    options: Mapping[str, Any] = field(default_factory=dict)
    agents_per_arena: int | None = None
    policy: str | None = None
    policy_agents: tuple[int, ...] | None = None
    backend: str = "http"

    def __post_init__(self) -> None:
        check_backend(self.backend)
        if self.backend == "native" and self.server_url is not None:
            raise ValueError(
                "backend='native' runs the game in this process: give binary (the game), not "
                "server_url (a running server is reached over HTTP)"
            )
        if self.backend == "native" and self.policy is not None:
            raise ValueError(
                "policy drives agents inside a game server; expected backend='http' for it "
                "(the native backend plays no in-game policy)"
            )
        if (self.binary is None) == (self.server_url is None):
            raise ValueError("give exactly one of binary (a game to launch) or server_url")
        if self.obs_type not in OBS_TYPES:
            raise ValueError(f"obs_type must be one of {OBS_TYPES}, got {self.obs_type!r}")
        if self.server_url is not None and self.policy is not None:
            raise ValueError(
                "policy drives agents of a server bevy_gym launches; start a running server "
                "with its own --policy flag instead"
            )

    def cli_args(self) -> tuple[str, ...]:
        """The flags that start a server with these settings."""
        layout = []
        if self.num_agents is not None:
            layout.append(f"--agents={self.num_agents}")
        if self.arena_mode is not None:
            layout.append(f"--arena-mode={self.arena_mode}")
        if self.agents_per_arena is not None:
            layout.append(f"--agents-per-arena={self.agents_per_arena}")
        if self.policy is not None:
            layout.append(f"--policy={self.policy}")
            # Named even when it is every agent: a windowed server reads `--policy` alone as
            # its own watch mode (no clients), and with the list it serves like the headless one.
            agents = self.policy_agents
            if agents is None and self.num_agents is not None:
                agents = tuple(range(self.num_agents))
            if agents is not None:
                layout.append("--policy-agents=" + ",".join(map(str, agents)))
        return (*layout, *option_flags(self.options))

    def launch(self) -> Launch:
        """How to start the server (`binary` as a path when it names one, else as a name)."""
        assert self.binary is not None
        path = Path(self.binary)
        explicit = self.binary if path.is_file() or len(path.parts) > 1 else None
        return Launch(path.name, self.cli_args(), binary=explicit)

    def remote(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        restart_on_crash: bool = False,
        token: str | None = None,
    ) -> GameServer:
        """The server: launched on first use (its spec read from `binary --print-spec`, so bad
        settings fail here), or `server_url`, configured through reset options and checked.
        With `backend="native"`, the game is built in this process now (bad settings fail here
        too)."""
        if self.binary is not None:
            return make_remote(
                launch=self.launch(),
                obs_type=self.obs_type,
                timeout=timeout,
                restart_on_crash=restart_on_crash,
                token=token,
                backend=self.backend,
            )
        remote = make_remote(
            self.server_url,
            obs_type=self.obs_type,
            options=dict(self.options),
            timeout=timeout,
            restart_on_crash=restart_on_crash,
            token=token,
        )
        self._check_layout(remote)
        return remote

    def _check_layout(self, remote: GameServer) -> None:
        spec = remote.spec
        for name, wanted, actual in (
            ("num_agents", self.num_agents, spec.num_agents),
            ("arena_mode", self.arena_mode, spec.arena_mode),
        ):
            if wanted is not None and wanted != actual:
                remote.close()
                raise ProtocolError(
                    str(self.server_url),
                    f"the server runs with {name}={actual!r}; expected {wanted!r} (it is fixed "
                    "when a server starts: start it with other flags, or let bevy_gym launch it)",
                )
