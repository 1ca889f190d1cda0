"""The in-process backend (`backend="native"`): a game's Python extension module
(`bevy_dodge_native` for `bevy-dodge`: the binary's name with `_` for `-`, then `_native`), built
from the same crate, app builder and command line as its server, stepped in this process with
no socket. `NativeClient` answers what `BevyGymServer` asks of a `Client` (spec, binary steps,
resets, observations, PNG frames), so every environment class works on either backend and the
same seeds and actions give byte-identical results on both (tests/test_native.py).

Nothing starts a thread: the extension steps the game in the calling thread (releasing the GIL
meanwhile) and an environment made before `fork` is safe in the child. Prefer the `spawn` or
`forkserver` start methods anyway (Gymnasium's AsyncVectorEnv(context="spawn")): each worker
then builds its own game from its pickled settings."""

from __future__ import annotations

import importlib
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from gymnasium import logger

from bevy_gym.protocol import Spec, StepResult
from bevy_gym.transport import ProtocolError, ServerDiedError

__all__ = [
    "BACKENDS",
    "NativeBackendMissingError",
    "NativeClient",
    "backend_kwargs",
    "check_backend",
    "check_render_mode",
    "load_module",
    "module_name",
    "register_native_hint",
]

BACKENDS = ("http", "native")

# How each game's extension is built, quoted when it is missing (filled by register_game).
_INSTALL_HINTS: dict[str, str] = {}


class NativeBackendMissingError(ModuleNotFoundError):
    """A game's extension module (the native backend) is not installed."""


def check_backend(backend: str) -> str:
    """`backend` if it is one of BACKENDS; ValueError in one line otherwise."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    return backend


def backend_kwargs(backend: str) -> dict[str, str]:
    """`backend` as a keyword for a registered env's constructor, only when not the default (a
    third party's env class may not take it)."""
    return {} if check_backend(backend) == "http" else {"backend": backend}


def check_render_mode(backend: str, render_mode: str | None) -> None:
    """Warn for `render_mode="human"` in process: the game's window is a process of its own (its
    view binary), so the game runs without one, as a "human" env on a machine with no display
    does (bevy_gym.human)."""
    if backend == "native" and render_mode == "human":
        logger.warn(
            "render_mode='human' with backend='native' opens no window (the game's window is a "
            "process of its own): the game runs headless; use backend='http' to watch it"
        )


def module_name(binary: str) -> str:
    """The extension module of a game server binary: `bevy-dodge` -> `bevy_dodge_native`."""
    return Path(binary).name.replace("-", "_") + "_native"


def register_native_hint(binary: str, how: str) -> None:
    """Say how the native backend of `binary` is installed (quoted when it is missing)."""
    _INSTALL_HINTS[binary] = how


def load_module(binary: str) -> ModuleType:
    """The extension module of `binary`; NativeBackendMissingError, saying how to build it."""
    name = module_name(binary)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        how = _INSTALL_HINTS.get(Path(binary).name) or (
            "its game's native crate: `pip install path/to/the/crate` (maturin, PyO3)"
        )
        raise NativeBackendMissingError(
            f"backend='native' for {binary!r} needs the extension module {name!r}, which is not "
            f"installed; build it with {how}, or use backend='http' (the default)",
            name=name,
        ) from None


class NativeClient:
    """One game in this process, answering as a bevy_gym server's `Client` does: the environment
    is built at once from the game binary's command line `args` (a bad flag is a ValueError
    quoting the game). Errors the server would answer 4xx are ProtocolError (with the server's
    `code`); a panic inside the game is ServerDiedError (a RuntimeError): the game is poisoned,
    and `restart_on_crash` replaces it as it replaces a crashed server."""

    def __init__(self, binary: str, args: Sequence[str] = ()) -> None:
        module = load_module(binary)
        self.url = f"native:{module.__name__}"
        try:
            self._env = module.make(list(args))
        except ValueError as exc:
            raise ValueError(_message(exc)) from None
        self._buffers: dict[str, tuple[np.ndarray, ...]] = {}

    @property
    def env(self) -> Any:
        """The extension's `NativeEnv` (its `release_gil` switch, for measurements)."""
        return self._env

    def close(self) -> None:
        """Drop the game's app (idempotent)."""
        self._env.close()

    def _call(self, what: str, method: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except ValueError as exc:
            code = exc.args[0] if len(exc.args) == 2 else None
            message = _message(exc)
            raise ProtocolError(
                self.url,
                f"{what}: {code or 'invalid'}: {message}",
                code=code,
                server_message=message,
            ) from None
        except RuntimeError as exc:
            raise ServerDiedError(self.url, f"{what}: {exc}") from None

    # -- what BevyGymServer asks -------------------------------------------------------------

    def spec(self) -> Spec:
        """The spec document, parsed."""
        return Spec.from_json(json.loads(self._call("spec", self._env.spec_json)))

    def state(self) -> Any:
        """The game's state document."""
        return json.loads(self._call("state", self._env.state_json))

    def reset(self, *, options: Mapping[str, Any] | None = None, **_: Any) -> StepResult:
        """Apply runtime options with a full reset (what `Client.reset` is used for)."""
        return self.reset_binary(obs="none", options=options)

    def step_binary(
        self,
        body: bytes,
        *,
        obs: str = "vector",
        reset: Sequence[int] | None = None,
        obs_shape: Sequence[int] | None = None,
        reuse: bool = False,
    ) -> StepResult:
        """One step from the binary action body; with `reuse`, the arrays are this client's own,
        overwritten by the next step (no allocation), else fresh ones."""
        out = self._out(obs) if reuse else None
        reset = None if reset is None or not len(reset) else [int(i) for i in reset]
        results = self._call("step", self._env.step, body, reset, obs, out)
        return _result(results, obs_shape)

    def reset_binary(
        self,
        *,
        obs: str = "vector",
        seed: int | None = None,
        arenas: Sequence[int] | None = None,
        options: Mapping[str, Any] | None = None,
        obs_shape: Sequence[int] | None = None,
    ) -> StepResult:
        """A reset of every arena (or `arenas`), seeded, with runtime options."""
        text = None if options is None else json.dumps(dict(options), separators=(",", ":"))
        if text is not None:
            self._buffers = {}  # options may change the shapes
        arenas = None if arenas is None else [int(i) for i in arenas]
        results = self._call("reset", self._env.reset, seed, arenas, text, obs)
        return _result(results, obs_shape)

    def observe_binary(
        self, *, obs: str = "vector", obs_shape: Sequence[int] | None = None
    ) -> StepResult:
        """The current results, changing nothing."""
        return _result(self._call("observe", self._env.observe, obs), obs_shape)

    def visual_observations(self) -> np.ndarray:
        """Every agent's image tiled left to right, (H, W·N, 4) uint8 RGBA (the PNG route's)."""
        from PIL import Image  # lazy: only rendering needs Pillow

        png = self._call("visual_observations", self._env.visual_observations)
        with Image.open(io.BytesIO(png)) as img:
            return np.asarray(img.convert("RGBA"), dtype=np.uint8).copy()

    def _out(self, obs: str) -> tuple[np.ndarray, ...]:
        """This client's arrays for `obs`, made on first use (and after the shapes change)."""
        buffers = self._buffers.get(obs)
        if buffers is None:
            fresh = self._call("observe", self._env.observe, obs)
            buffers = tuple(None if a is None else np.empty_like(a) for a in fresh)
            self._buffers = {obs: buffers}
        return buffers


def _result(results: tuple[Any, ...], obs_shape: Sequence[int] | None) -> StepResult:
    observations, rewards, terminated, truncated = results
    if observations is not None and obs_shape and observations.shape[1:] != tuple(obs_shape):
        observations = observations.reshape((len(rewards), *obs_shape))
    return StepResult(rewards, terminated, truncated, observations)


def _message(exc: BaseException) -> str:
    """The extension's message: its ValueErrors carry (code, message)."""
    return str(exc.args[1]) if len(exc.args) == 2 else str(exc)
