"""HTTP transport to one bevy_rl / bevy_gym server: a small keep-alive HTTP/1.1 client written on
a raw socket (not `http.client`, which only lends its exception types). Each request goes out in
one `sendall` on a TCP_NODELAY socket; the reply head is parsed by hand (status line,
Content-Type, Content-Length, Connection, Transfer-Encoding; chunked and read-to-close bodies are
handled too) and the body is read into a fresh bytearray. Why: a step is one round trip, and
`http.client` spent most of it in Python (headers via `email.parser`, a POST's head and body in
two sends): about 2x slower per step, `requests` about 15x (docs/python.md, "Transport").
Also: a timeout on every call, one reconnect on a dropped idle connection, and errors that name
the server URL and what happened (refused, died, timed out, protocol error)."""

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


MAX_REPLY_HEAD = 64 << 10  # bytes; a reply head longer than this is not from our server
RECV_CHUNK = 64 << 10  # bytes per recv() while the reply head is incomplete
_NO_BODY = {204, 304}


class _Connection:
    """One keep-alive HTTP/1.1 connection with the least Python per round trip: the request
    (head and body) goes out in ONE send; the reply head is parsed by hand (status, Content-Type,
    Content-Length, Connection, Transfer-Encoding) and the body lands in a fresh bytearray.

    Raises what http.client raised in the same situations, so Transport's handling is unchanged:
    RemoteDisconnected (peer closed before replying), BadStatusLine, IncompleteRead, and the
    socket's own OSError/TimeoutError."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        # Small requests and replies: Nagle's algorithm would add up to 40 ms per round trip.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.extra = bytearray()  # bytes read past the end of the previous reply

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()

    def roundtrip(
        self, head: bytes, body: bytes | None, limit: float, method: str
    ) -> tuple[int, str, bytearray, bool]:
        """Send one request; returns (status, content type, body, server will close)."""
        if limit != self.timeout:
            self.sock.settimeout(limit)
            self.timeout = limit
        self.sock.sendall(head + body if body else head)
        while True:
            status, fields, will_close = self._read_head()
            if not 100 <= status < 200:
                break  # 1xx replies (100 Continue) are interim: the real one follows
        ctype = fields.get(b"content-type", b"").split(b";")[0].strip().lower().decode("latin-1")
        if method == "HEAD" or status in _NO_BODY:
            return status, ctype, bytearray(), will_close
        if b"chunked" in fields.get(b"transfer-encoding", b"").lower():
            return status, ctype, self._read_chunked(), will_close
        length = fields.get(b"content-length")
        if length is None:
            return status, ctype, self._read_to_close(), True
        try:
            n = int(length)
        except ValueError:
            raise http.client.HTTPException(f"bad Content-Length {length!r}") from None
        return status, ctype, self._read_exact(n), will_close

    def _read_head(self) -> tuple[int, dict[bytes, bytes], bool]:
        data = self.extra
        end = data.find(b"\r\n\r\n")
        while end < 0:
            if len(data) > MAX_REPLY_HEAD:
                raise http.client.HTTPException("reply head over 64 KiB")
            chunk = self.sock.recv(RECV_CHUNK)
            if not chunk:
                if not data:
                    raise http.client.RemoteDisconnected(
                        "Remote end closed connection without response"
                    )
                raise http.client.IncompleteRead(bytes(data))
            data += chunk
            end = data.find(b"\r\n\r\n", max(0, len(data) - len(chunk) - 3))
        lines = bytes(data[:end]).split(b"\r\n")
        self.extra = data[end + 4 :]
        parts = lines[0].split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
            raise http.client.BadStatusLine(lines[0].decode("latin-1", "replace"))
        fields = {}
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if sep:
                fields[name.strip().lower()] = value.strip()
        connection = fields.get(b"connection", b"").lower()
        if parts[0] == b"HTTP/1.0":
            will_close = b"keep-alive" not in connection
        else:
            will_close = b"close" in connection
        return int(parts[1]), fields, will_close

    def _read_exact(self, n: int) -> bytearray:
        extra = self.extra
        if len(extra) >= n:
            body = extra[:n]  # a fresh bytearray (slicing copies)
            self.extra = extra[n:]
            return body
        body = bytearray(n)
        got = len(extra)
        body[:got] = extra
        self.extra = bytearray()
        view = memoryview(body)
        while got < n:
            k = self.sock.recv_into(view[got:])
            if k == 0:
                raise http.client.IncompleteRead(bytes(body[:got]), n - got)
            got += k
        return body

    def _read_line(self) -> bytes:
        while True:
            i = self.extra.find(b"\r\n")
            if i >= 0:
                line = bytes(self.extra[:i])
                del self.extra[: i + 2]
                return line
            chunk = self.sock.recv(RECV_CHUNK)
            if not chunk:
                raise http.client.IncompleteRead(bytes(self.extra))
            self.extra += chunk

    def _read_chunked(self) -> bytearray:
        body = bytearray()
        while True:
            size = int(self._read_line().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self._read_line():  # trailers, up to the blank line
                    pass
                return body
            body += self._read_exact(size)
            self._read_line()

    def _read_to_close(self) -> bytearray:
        body = self.extra
        self.extra = bytearray()
        while True:
            chunk = self.sock.recv(RECV_CHUNK)
            if not chunk:
                return body
            body += chunk


def _request_head(method: str, target: str, host: str, body: bytes | None, auth: str) -> bytes:
    """The request line and headers, ready to send (`auth` is '' or 'Authorization: ...\\r\\n')."""
    length = f"Content-Length: {len(body)}\r\n" if body is not None else ""
    return f"{method} {target} HTTP/1.1\r\nHost: {host}\r\n{auth}{length}\r\n".encode("latin-1")


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
        self._auth_lines = f"Authorization: Bearer {token}\r\n" if token else ""
        self._netloc = parts.netloc  # the Host header
        self._conn: _Connection | None = None
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
            conn = _Connection(self.host, self.port, self.timeout)
            self._conn = conn
            self._used = False
        limit = self.timeout if timeout is None else timeout
        head = _request_head(method, target, self._netloc, body, self._auth_lines)
        self._used = True
        status, ctype, data, will_close = conn.roundtrip(head, body, limit, method)
        if will_close:
            self.close()
        return Response(status, ctype, data)

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
