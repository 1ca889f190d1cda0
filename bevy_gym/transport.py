"""HTTP transport to one bevy_rl / bevy_gym server: a keep-alive `http.client` connection, a
timeout on every call, one reconnect on a dropped idle connection, and errors that name the server
URL and what happened (refused, died, timed out, protocol error)."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = [
    "DEFAULT_TIMEOUT",
    "ProtocolError",
    "Response",
    "ServerDiedError",
    "ServerError",
    "ServerRefusedError",
    "ServerTimeoutError",
    "Transport",
]

DEFAULT_TIMEOUT = 60.0  # seconds; generous because a pixel reset of many arenas can take a while

# Failures that mean "the peer closed a kept-alive connection": safe to retry once on a fresh one.
_DROPPED = (
    http.client.RemoteDisconnected,
    http.client.BadStatusLine,
    ConnectionResetError,
    ConnectionAbortedError,
    BrokenPipeError,
)


class ServerError(RuntimeError):
    """Base class of every error talking to a server; the message names the server URL."""

    def __init__(self, url: str, what: str) -> None:
        super().__init__(f"bevy_gym server {url}: {what}")
        self.url = url


class ServerRefusedError(ServerError):
    """Nothing accepts connections at the URL."""


class ServerDiedError(ServerError):
    """The server process exited (or closed the connection mid-request)."""

    def __init__(self, url: str, what: str, returncode: int | None = None) -> None:
        super().__init__(url, what)
        self.returncode = returncode


class ServerTimeoutError(ServerError):
    """No reply within the call's timeout."""


class ProtocolError(ServerError):
    """The server answered, but with an error status or a body that is not what the protocol says.

    `code` is the server's error code (`invalid_action`, ...) when it sent one, `status` the HTTP
    status, `server_message` the server's own message (or legacy bevy_rl's 200 error text)."""

    def __init__(
        self,
        url: str,
        what: str,
        *,
        status: int | None = None,
        code: str | None = None,
        server_message: str | None = None,
    ) -> None:
        super().__init__(url, what)
        self.status = status
        self.code = code
        self.server_message = server_message


@dataclass(frozen=True)
class Response:
    """One HTTP reply: status, content type (without parameters) and the raw body."""

    status: int
    content_type: str
    body: bytearray


class Transport:
    """One persistent HTTP/1.1 connection to `url`.

    `diagnose` is asked, when a call fails at the socket level, whether the server process is known
    to have died; it returns a description such as "exited with status 101; stderr: ..." or None.
    The connection is opened lazily and dropped when pickled, so a Transport is safe to copy."""

    def __init__(
        self,
        url: str,
        timeout: float = DEFAULT_TIMEOUT,
        diagnose: Callable[[], tuple[str, int | None] | None] | None = None,
        token: str | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"server URL must look like http://HOST:PORT, got {url!r}")
        self.url = url.rstrip("/")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.timeout = timeout
        self.diagnose = diagnose
        # Sent on every request when the server was started with --token (non-loopback servers).
        self._auth = {"Authorization": f"Bearer {token}"} if token else {}
        self._conn: http.client.HTTPConnection | None = None
        self._used = False  # whether the current connection already carried a request

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_conn"] = None
        state["_used"] = False
        return state

    def close(self) -> None:
        """Close the connection (a later call reopens it)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
            self._used = False

    def request(
        self,
        method: str,
        path: str,
        query: str = "",
        body: bytes | None = None,
        timeout: float | None = None,
    ) -> Response:
        """Send one request and read the whole reply; raises a ServerError subclass on failure.

        Error statuses are returned, not raised: the caller decides (see `raise_for_error`)."""
        target = f"{path}?{query}" if query else path
        for attempt in (0, 1):
            reused = self._used
            try:
                return self._roundtrip(method, target, body, timeout)
            except _DROPPED as exc:
                self.close()
                # Retry once only when a kept-alive connection was closed by the peer while idle;
                # a fresh connection failing means the server itself is gone.
                if attempt == 0 and reused:
                    continue
                raise self._died(method, path, f"connection closed ({exc!r})") from exc
            except ConnectionRefusedError as exc:
                self.close()
                died = self.diagnose() if self.diagnose else None
                if died is not None:
                    raise ServerDiedError(self.url, f"{method} {path}: {died[0]}", died[1]) from exc
                raise ServerRefusedError(
                    self.url, f"{method} {path}: connection refused (is the server running?)"
                ) from exc
            except TimeoutError as exc:  # socket.timeout is TimeoutError since Python 3.10
                self.close()
                died = self.diagnose() if self.diagnose else None
                if died is not None:
                    raise ServerDiedError(self.url, f"{method} {path}: {died[0]}", died[1]) from exc
                limit = self.timeout if timeout is None else timeout
                raise ServerTimeoutError(
                    self.url, f"{method} {path}: no reply within {limit:g} s"
                ) from exc
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise self._died(method, path, f"connection failed ({exc!r})") from exc
        raise AssertionError("unreachable")

    def _roundtrip(
        self, method: str, target: str, body: bytes | None, timeout: float | None
    ) -> Response:
        conn = self._conn
        if conn is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            conn.connect()
            # Small requests and replies: Nagle's algorithm would add up to 40 ms per round trip.
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._conn = conn
            self._used = False
        limit = self.timeout if timeout is None else timeout
        conn.sock.settimeout(limit)
        headers = {"Content-Length": str(len(body))} if body is not None else {}
        headers.update(self._auth)
        conn.request(method, target, body=body, headers=headers)
        self._used = True
        resp = conn.getresponse()
        length = resp.length
        if not length:
            # Empty or unknown-length body: read() also marks the response finished, which the
            # connection requires before the next request.
            data = bytearray(resp.read())
        else:
            # Read straight into a writable buffer: arrays built on it need no extra copy.
            data = bytearray(length)
            view = memoryview(data)
            got = 0
            while got < length:
                n = resp.readinto(view[got:])
                if n == 0:
                    raise http.client.IncompleteRead(bytes(data[:got]), length - got)
                got += n
        ctype = (resp.getheader("Content-Type") or "").split(";")[0].strip().lower()
        if resp.will_close:
            self.close()
        return Response(resp.status, ctype, data)

    def _died(self, method: str, path: str, what: str) -> ServerError:
        died = self.diagnose() if self.diagnose else None
        if died is not None:
            return ServerDiedError(self.url, f"{method} {path}: {died[0]}", died[1])
        return ServerDiedError(self.url, f"{method} {path}: {what}")

    def raise_for_error(self, method: str, path: str, resp: Response) -> None:
        """Raise ProtocolError for a non-2xx reply, quoting the server's JSON `error` message."""
        if 200 <= resp.status < 300:
            return
        text = bytes(resp.body[:2000]).decode("utf-8", "replace").strip()
        code = message = None
        try:
            payload = json.loads(text)
            if isinstance(payload, dict):
                code = payload.get("code")
                message = payload.get("error")
        except ValueError:
            pass
        if message is None:
            message = text or "(empty body)"
        label = f"{resp.status} {code}" if code else str(resp.status)
        raise ProtocolError(
            self.url,
            f"{method} {path}: HTTP {label}: {message}",
            status=resp.status,
            code=code,
            server_message=message,
        )
