"""Where one game server comes from and the one connection to it: launched by us on first use
(`Launch`) or already running at a URL, its process, its client, pickling and closing. Knows
nothing about what is said over the connection (see game_server.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gymnasium.error import ClosedEnvironmentError

from bevy_gym.client import Client
from bevy_gym.launcher import DEFAULT_START_TIMEOUT, ServerProcess, find_binary
from bevy_gym.native import NativeClient, check_backend, load_module
from bevy_gym.transport import DEFAULT_TIMEOUT, Transport

__all__ = ["Launch", "ServerLink"]


@dataclass(frozen=True)
class Launch:
    """How to start a server: the binary's name (or explicit path) and the game's CLI flags."""

    name: str
    args: tuple[str, ...] = ()
    binary: str | None = None
    start_timeout: float = DEFAULT_START_TIMEOUT  # seconds for the whole start


class ServerLink:
    """One server, launched on first use from `launch` or reached at `server_url`; with
    `backend="native"`, the game of `launch` built in this process by its extension module
    (`NativeClient`), with no process and no socket.

    `timeout` (seconds) bounds every request; `token` is sent with every request (servers run
    with --token). Pickle-safe: a copy keeps the settings but drops the process and socket, so it
    launches its own server (or reconnects to `server_url`) on first use. After `close()` it
    connects no more: every use raises ClosedEnvironmentError, and nothing is launched."""

    def __init__(
        self,
        server_url: str | None = None,
        *,
        launch: Launch | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        token: str | None = None,
        backend: str = "http",
    ) -> None:
        if (server_url is None) == (launch is None):
            raise ValueError("give exactly one of server_url (a running server) or launch")
        self.backend = check_backend(backend)
        if backend == "native" and launch is None:
            raise ValueError(
                "backend='native' runs the game in this process: give the game (binary=...), "
                "not server_url (a running server is reached over HTTP)"
            )
        self.server_url = server_url
        self.launch = launch
        self.timeout = timeout
        self.token = token
        # Resolve the binary (or the extension) now: a missing one fails at construction.
        self.binary = None
        if backend == "native":
            assert launch is not None
            load_module(launch.name)
        elif launch:
            self.binary = find_binary(launch.name, launch.binary)
        self._process: ServerProcess | None = None
        self._client: Client | None = None
        self._closed = False

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_process"] = None
        state["_client"] = None
        return state

    @property
    def launched(self) -> bool:
        """Whether bevy_gym starts (and owns) the server, rather than connecting to a URL."""
        return self.launch is not None

    @property
    def process(self) -> ServerProcess | None:
        """The server process we launched, if any (None until first use and after close)."""
        return self._process

    @property
    def closed(self) -> bool:
        """Whether `close()` was called: the link launches and connects no more."""
        return self._closed

    def check_open(self) -> None:
        """ClosedEnvironmentError if `close()` was called."""
        if self._closed:
            raise ClosedEnvironmentError(
                "this environment is closed: close() stopped its server, so it cannot reset, "
                "step or render again (nothing is relaunched); make a new environment"
            )

    def connect(self, on_open: Callable[[Client], None] | None = None) -> Client:
        """The open client; on first call, launch or connect, then run `on_open(client)` (e.g.
        a spec check). If anything fails, the connection and any launched server are closed.
        After `close()`, ClosedEnvironmentError: a closed environment never launches a server."""
        if self._client is not None:
            return self._client
        self.check_open()
        client: Client | NativeClient
        if self.backend == "native":
            assert self.launch is not None
            client = NativeClient(self.launch.name, self.launch.args)
        elif self.launch is not None:
            assert self.binary is not None
            self._process = ServerProcess(
                self.binary, self.launch.args, start_timeout=self.launch.start_timeout
            )
            transport = Transport(
                self._process.url,
                timeout=self.timeout,
                diagnose=self._process.diagnose,
                token=self.token,
            )
            client = Client(transport=transport)
        else:
            assert self.server_url is not None
            transport = Transport(self.server_url, timeout=self.timeout, token=self.token)
            client = Client(transport=transport)
        try:
            if on_open is not None:
                on_open(client)  # type: ignore[arg-type]
        except BaseException:
            client.close()
            self.disconnect()
            raise
        self._client = client  # type: ignore[assignment]
        return client  # type: ignore[return-value]

    def close(self) -> None:
        """Close the connection and stop the server if we launched it, for good (idempotent):
        later uses raise ClosedEnvironmentError."""
        self._closed = True
        self.disconnect()

    def disconnect(self) -> None:
        """Close the connection and stop the server if we launched it; the next use connects
        (or launches) again. What a restart after a crash does; `close()` ends the link."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._process is not None:
            self._process.close()
            self._process = None
