"""Starting and supervising one game-server process: find the binary, start it on a free port
(`--port 0`), read its URL from the first stdout line, and stop it on close(), on garbage
collection and at interpreter exit (and, via `--exit-with-parent`, when this process dies)."""

from __future__ import annotations

import functools
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sysconfig
import tempfile
import time
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

__all__ = [
    "BinaryNotFoundError",
    "ServerProcess",
    "ServerStartError",
    "find_binary",
    "option_flags",
    "print_spec",
    "register_install_hint",
]

DEFAULT_START_TIMEOUT = 60.0  # seconds; a cold start of a Bevy app is well under this
STOP_GRACE = 2.0  # seconds between SIGTERM and SIGKILL
STDERR_TAIL = 2000  # characters of the server's stderr quoted in errors


class BinaryNotFoundError(FileNotFoundError):
    """A server binary is not installed where we look. `binary` is the name (or path) asked for,
    `searched` the places looked in, in order (`$PATH` for the search path), and `install` how to
    install it, where a game's registration said so (`register_install_hint`)."""

    def __init__(
        self, binary: str, searched: Sequence[str] = (), install: str | None = None
    ) -> None:
        self.binary = binary
        self.searched = tuple(searched)
        self.install = install
        super().__init__(self._message())

    def _message(self) -> str:
        if not self.searched:  # an explicit path
            return f"server binary {self.binary!r} does not exist or is not executable"
        how = (
            f"Build and install it with {self.install}"
            if self.install
            else "Install the package that provides it"
        )
        return (
            f"server binary {self.binary!r} not found (looked in {', '.join(self.searched)}). "
            f"{how}, or pass its path explicitly (binary=...)."
        )

    def __reduce__(self) -> tuple[Any, ...]:  # pickles (e.g. across Ray) with its attributes
        return type(self), (self.binary, self.searched, self.install)


class ServerStartError(RuntimeError):
    """The server process exited or stayed silent before announcing its URL."""


# How each known binary is installed, quoted when it is missing. Filled by whoever knows the game
# (`register_game` adds every registered game's server and viewer): the launcher asks no one.
_INSTALL_HINTS: dict[str, str] = {}


def register_install_hint(binary: str, how: str) -> None:
    """Say how `binary` (a name, as `find_binary` is given it) is installed: `find_binary`'s
    BinaryNotFoundError then quotes `how` (e.g. "`make install` (or `pip install ./game`)")."""
    _INSTALL_HINTS[binary] = how


def find_binary(name: str, explicit: str | os.PathLike | None = None) -> str:
    """Locate a server binary: `explicit`, then the active interpreter's scripts dir, then PATH.
    BinaryNotFoundError says where it looked and, for a known binary, how to install it."""
    if explicit is not None:
        path = Path(explicit)
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
        raise BinaryNotFoundError(str(path))
    looked = []
    scripts = sysconfig.get_path("scripts")
    if scripts:
        candidate = Path(scripts) / name
        looked.append(str(candidate))
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    looked.append("$PATH")
    raise BinaryNotFoundError(name, looked, _INSTALL_HINTS.get(name))


def print_spec(
    binary: str, args: Sequence[str] = (), timeout: float = DEFAULT_START_TIMEOUT
) -> dict[str, Any]:
    """The `/spec` document a server started with `args` would publish, from `binary --print-spec`
    (no server is started). Invalid flags raise ValueError with the binary's own one-line reason.
    Cached per binary (path and modification time) and arguments."""
    try:
        mtime = os.stat(binary).st_mtime_ns
    except OSError as exc:
        raise BinaryNotFoundError(binary) from exc
    return json.loads(_print_spec_text(binary, mtime, tuple(args), timeout))


@functools.lru_cache(maxsize=256)
def _print_spec_text(binary: str, _mtime: int, args: tuple[str, ...], timeout: float) -> str:
    command = [binary, "--print-spec", *args]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        what = f"`{' '.join(command)}` printed no spec within {timeout:g} s"
        raise ServerStartError(what) from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        # clap puts its reason on the first line ("error: invalid value …"); a game's start
        # failure is its last line ("<game>: invalid start settings: …").
        reason = next((x for x in lines if x.startswith("error:")), lines[-1] if lines else "")
        raise ValueError(
            f"{Path(binary).name} refuses these settings: {reason.removeprefix('error: ')}"
            + (f" (flags: {' '.join(args)})" if args else "")
        )
    return done.stdout.decode("utf-8").strip()


def option_flags(options: Mapping[str, Any]) -> tuple[str, ...]:
    """Command-line flags for options, as every bevy_gym_server game names them: the option's
    name in kebab case, `=`, and the value (`{"image_size": 64}` → `--image-size=64`)."""
    flags = []
    for key, value in options.items():
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (int, float, str)):
            text = str(value)
        else:
            raise TypeError(f"option {key!r} is {value!r}; expected a number, a bool or a string")
        flags.append(f"--{key.replace('_', '-')}={text}")
    return tuple(flags)


def _stop(proc: subprocess.Popen, stderr: IO[bytes]) -> None:
    """Stop a server: close its stdin (it exits with its parent), then SIGTERM, then SIGKILL."""
    try:
        if proc.poll() is None:
            for stream in (proc.stdin, proc.stdout):
                try:
                    if stream is not None:
                        stream.close()
                except OSError:
                    pass
            try:
                proc.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=STOP_GRACE)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=STOP_GRACE)
        else:
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()
    except Exception:  # best effort (may run at interpreter exit): cleanup never raises
        pass
    finally:
        stderr.close()


class ServerProcess:
    """One running server started by us. `url` is where it listens; `close()` stops it.

    `args` are the game's own CLI flags; `--port 0 --exit-with-parent` are always added.
    `start_timeout` (seconds) bounds the whole start: printing the URL and accepting a connection.
    """

    def __init__(
        self,
        binary: str,
        args: Sequence[str] = (),
        start_timeout: float = DEFAULT_START_TIMEOUT,
    ) -> None:
        self.binary = binary
        self.args = ["--port", "0", "--exit-with-parent", *args]
        # stderr goes to an anonymous file: no pipe to fill up (and block the server), and its
        # tail is still there to quote if the server dies.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server
        self._proc = subprocess.Popen(
            [binary, *self.args],
            stdin=subprocess.PIPE,  # kept open: EOF tells the server we died (--exit-with-parent)
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            close_fds=True,
        )
        self._finalizer = weakref.finalize(self, _stop, self._proc, self._stderr)
        self.start_timeout = start_timeout
        deadline = time.monotonic() + start_timeout
        try:
            self.url = self._read_url(deadline)
            self._wait_ready(deadline)
        except BaseException:
            self.close()
            raise

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self._proc.pid

    @property
    def returncode(self) -> int | None:
        """The exit status once the server has exited, else None."""
        return self._proc.poll()

    def stderr_tail(self) -> str:
        """The last lines the server wrote to stderr."""
        try:
            self._stderr.flush()
            size = self._stderr.seek(0, os.SEEK_END)
            self._stderr.seek(max(0, size - STDERR_TAIL))
            return self._stderr.read().decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""

    def diagnose(self) -> tuple[str, int | None] | None:
        """(description, exit status) if the server has exited, else None (for the transport)."""
        code = self._wait_exit(0.5)
        if code is None:
            return None
        tail = self.stderr_tail()
        return (
            f"the server process {self.pid} ({self.binary}) exited with status {code}"
            + (f"; its stderr ends with:\n{tail}" if tail else ""),
            code,
        )

    def _wait_exit(self, timeout: float) -> int | None:
        try:
            return self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def _read_url(self, deadline: float) -> str:
        stdout = self._proc.stdout
        assert stdout is not None
        line = b""
        with selectors.DefaultSelector() as sel:
            sel.register(stdout, selectors.EVENT_READ)
            while not line.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise self._start_error(f"printed no URL within {self.start_timeout:g} s")
                if not sel.select(left):
                    continue
                # os.read: the buffered reader could swallow bytes past the line and block.
                chunk = os.read(stdout.fileno(), 1)
                if not chunk:
                    code = self._wait_exit(min(STOP_GRACE, max(0.0, deadline - time.monotonic())))
                    raise self._start_error(
                        f"exited with status {code} before printing its URL"
                        if code is not None
                        else "closed its stdout before printing its URL"
                    )
                line += chunk
        url = line.decode("utf-8", "replace").strip()
        if not url.startswith("http://"):
            raise self._start_error(f"printed {url!r} instead of its URL")
        return url

    def _wait_ready(self, deadline: float) -> None:
        # The protocol says the server answers once the URL is printed; a TCP connect confirms it
        # and catches a server that crashes right after printing.
        host, port = self.url.removeprefix("http://").rsplit(":", 1)
        while True:
            left = deadline - time.monotonic()
            try:
                # Each attempt is bounded by what is left, so none outlasts the deadline.
                socket.create_connection((host, int(port)), timeout=max(left, 0.001)).close()
                return
            except OSError as exc:
                if self.returncode is not None:
                    raise self._start_error(f"exited with status {self.returncode}") from exc
                if time.monotonic() >= deadline:
                    raise self._start_error(
                        f"accepted no connection within {self.start_timeout:g} s of starting"
                    ) from exc
                time.sleep(0.01)

    def _start_error(self, what: str) -> ServerStartError:
        tail = self.stderr_tail()
        command = " ".join([self.binary, *self.args])
        return ServerStartError(
            f"server `{command}` {what}" + (f"; its stderr ends with:\n{tail}" if tail else "")
        )

    @property
    def alive(self) -> bool:
        """Whether the process is still running."""
        return self._proc.poll() is None

    def close(self) -> None:
        """Stop the server (idempotent)."""
        self._finalizer()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ServerProcess(pid={self.pid}, url={getattr(self, 'url', None)!r})"
