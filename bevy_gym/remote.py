"""Building the right `GameServer` in one call (`make_remote`): where the server comes from
(a URL, or launched by bevy_gym) and which protocol it speaks (bevy_gym's, or original bevy_rl
described by a `LegacyGame`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bevy_gym.bevy_gym_server import BevyGymServer
from bevy_gym.game_server import GameServer
from bevy_gym.launcher import print_spec
from bevy_gym.legacy import LegacyGame, LegacyServer
from bevy_gym.link import Launch, ServerLink
from bevy_gym.protocol import Spec
from bevy_gym.transport import DEFAULT_TIMEOUT

__all__ = ["make_remote"]


def make_remote(
    server_url: str | None = None,
    *,
    launch: Launch | None = None,
    spec: Spec | None = None,
    legacy: LegacyGame | None = None,
    obs_type: str = "vector",
    options: Mapping[str, Any] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    restart_on_crash: bool = False,
    token: str | None = None,
    backend: str = "http",
) -> GameServer:
    """A `GameServer` for the environment classes, e.g. `BevyParallelEnv(make_remote(url))`.

    Give `server_url` (a running server) or `launch` (bevy_gym starts one on first use). With
    `legacy`, the server is an original bevy_rl game (`LegacyServer`); otherwise a bevy_gym server
    (`BevyGymServer`) whose spec, unless given, comes from the binary itself (`--print-spec`, so
    nothing is started yet and bad flags fail here) or is read from the server at `server_url`.
    `timeout` (seconds) bounds every request; `token` is sent with each one. `backend="native"`
    builds the game of `launch` in this process (its extension module) instead of launching it."""
    link = ServerLink(server_url, launch=launch, timeout=timeout, token=token, backend=backend)
    if legacy is None:
        if spec is None and launch is not None and link.binary is not None:
            spec = Spec.from_json(print_spec(link.binary, launch.args, launch.start_timeout))
        return BevyGymServer(
            link, spec=spec, obs_type=obs_type, options=options, restart_on_crash=restart_on_crash
        )
    if backend != "http":
        raise ValueError("legacy bevy_rl servers are reached over HTTP; expected backend='http'")
    if obs_type != "vector":
        raise ValueError("legacy bevy_rl servers support obs_type='vector' (from /state)")
    given = {"spec": spec, "options": options, "restart_on_crash": restart_on_crash}
    if any(given.values()):
        raise ValueError(
            f"legacy bevy_rl servers take no {', '.join(k for k, v in given.items() if v)}: "
            "the LegacyGame is their spec, and bevy_rl has no runtime options or restarts"
        )
    return LegacyServer(link, legacy)
