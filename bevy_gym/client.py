"""The protocol's operations on one server (docs/protocol.md): the bevy_rl routes (/step, /reset,
/state, /visual_observations), which also work against servers built with the original bevy_rl
crate, and the bevy_gym extensions (/spec and the binary /v1 routes)."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import numpy as np

from bevy_gym.protocol import OBS_KINDS, Spec, StepResult, decode_frame, parse_results
from bevy_gym.transport import DEFAULT_TIMEOUT, ProtocolError, Response, Transport

__all__ = ["Client"]


def _query(**params: Any) -> str:
    """URL query from the non-None parameters; lists become `a,b,c`, dicts compact JSON."""
    parts = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, Mapping):
            value = json.dumps(value, separators=(",", ":"), sort_keys=True)
        elif isinstance(value, (list, tuple, np.ndarray)):
            value = ",".join(str(int(v)) for v in value)
        elif isinstance(value, bool):
            value = int(value)
        # quote() encodes "+", which form decoding would turn into a space; commas stay readable.
        parts.append(f"{key}={quote(str(value), safe=',')}")
    return "&".join(parts)


class Client:
    """A client of one bevy_rl-compatible server at `url` (or over an existing `transport`).

    Every method makes one request. JSON replies are validated: bevy_rl answers bad input with
    HTTP 200 and serde's error text, which surfaces here as a ProtocolError quoting that text."""

    def __init__(
        self,
        url: str | None = None,
        *,
        transport: Transport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if transport is None:
            if url is None:
                raise ValueError("pass a server url or a transport")
            transport = Transport(url, timeout=timeout)
        self.transport = transport

    @property
    def url(self) -> str:
        """The server's base URL."""
        return self.transport.url

    def close(self) -> None:
        """Close the connection."""
        self.transport.close()

    # -- helpers -----------------------------------------------------------------------------

    def _call(self, method: str, path: str, query: str = "", body: bytes | None = None) -> Response:
        resp = self.transport.request(method, path, query, body)
        self.transport.raise_for_error(method, path, resp)
        return resp

    def _json(self, method: str, path: str, query: str = "") -> Any:
        resp = self._call(method, path, query)
        try:
            return json.loads(resp.body)
        except ValueError:
            # Legacy bevy_rl: a malformed payload is answered 200 with serde's message as text.
            text = bytes(resp.body[:2000]).decode("utf-8", "replace").strip()
            raise ProtocolError(
                self.url,
                f"{method} {path}: expected JSON, the server said: {text or '(empty body)'}",
                status=resp.status,
                server_message=text,
            ) from None

    def _results(self, method: str, path: str, query: str, num_agents: int | None) -> StepResult:
        doc = self._json(method, path, query)
        try:
            return parse_results(doc, num_agents)
        except ValueError as exc:
            raise ProtocolError(self.url, f"{method} {path}: {exc}") from None

    def _frame(self, resp: Response, path: str, obs_shape: Sequence[int] | None) -> StepResult:
        try:
            return decode_frame(resp.body, obs_shape)
        except ValueError as exc:
            raise ProtocolError(self.url, f"POST {path}: {exc}") from None

    # -- bevy_rl routes ----------------------------------------------------------------------

    def spec(self) -> Spec | None:
        """`GET /spec` parsed, or None for a legacy bevy_rl server (404: no such route)."""
        resp = self.transport.request("GET", "/spec")
        if resp.status == 404:
            return None
        self.transport.raise_for_error("GET", "/spec", resp)
        try:
            return Spec.from_json(json.loads(resp.body))
        except (ValueError, KeyError, TypeError) as exc:
            raise ProtocolError(self.url, f"GET /spec: not a valid spec ({exc!r})") from None

    def step(
        self,
        actions: Sequence[str | None],
        *,
        observations: bool = False,
        num_agents: int | None = None,
    ) -> StepResult:
        """`GET /step?payload=[{"action": ...}, ...]`: one action string (or None) per agent."""
        payload = json.dumps([{"action": a} for a in actions], separators=(",", ":"))
        query = _query(payload=payload, observations=True if observations else None)
        return self._results("GET", "/step", query, num_agents)

    def reset(
        self,
        *,
        seed: int | None = None,
        arenas: Sequence[int] | None = None,
        options: Mapping[str, Any] | None = None,
        observations: bool = False,
        method: str = "GET",
        num_agents: int | None = None,
    ) -> StepResult:
        """`GET /reset` (bevy_rl ≤0.9 wants `method="POST"`), with the optional extensions."""
        query = _query(
            seed=seed, arenas=arenas, options=options, observations=True if observations else None
        )
        return self._results(method, "/reset", query, num_agents)

    def state(self) -> Any:
        """`GET /state`: the game's own JSON (None before a legacy game first sets it)."""
        return self._json("GET", "/state")

    def visual_observations(self) -> np.ndarray:
        """`GET /visual_observations`: the tiled PNG as an (H, W·N, 4) uint8 RGBA array."""
        from PIL import Image  # lazy: only rendering needs Pillow

        resp = self._call("GET", "/visual_observations")
        try:
            with Image.open(io.BytesIO(resp.body)) as img:
                return np.asarray(img.convert("RGBA"), dtype=np.uint8).copy()
        except OSError as exc:
            raise ProtocolError(self.url, f"GET /visual_observations: not a PNG ({exc})") from None

    # -- binary extension --------------------------------------------------------------------

    def step_binary(
        self,
        body: bytes,
        *,
        obs: str = "vector",
        reset: Sequence[int] | None = None,
        obs_shape: Sequence[int] | None = None,
        reuse: bool = False,
    ) -> StepResult:
        """`POST /v1/step`: every agent's encoded actions; arenas in `reset` are reset instead.
        (`reuse` is the native backend's: every reply here is a fresh buffer anyway.)"""
        # The per-step call: the query is built by hand (the same text `_query` would build).
        query = _OBS_QUERY.get(obs) or f"obs={_check_obs(obs)}"
        if reset is not None and len(reset):
            query += "&reset=" + ",".join([str(int(i)) for i in reset])
        resp = self.transport.request("POST", "/v1/step", query, body)
        if not 200 <= resp.status < 300:
            self.transport.raise_for_error("POST", "/v1/step", resp)
        try:
            return decode_frame(resp.body, obs_shape)
        except ValueError as exc:
            raise ProtocolError(self.url, f"POST /v1/step: {exc}") from None

    def reset_binary(
        self,
        *,
        obs: str = "vector",
        seed: int | None = None,
        arenas: Sequence[int] | None = None,
        options: Mapping[str, Any] | None = None,
        obs_shape: Sequence[int] | None = None,
    ) -> StepResult:
        """`POST /v1/reset`: like `reset`, answered with a binary frame."""
        query = _query(obs=_check_obs(obs), seed=seed, arenas=arenas, options=options)
        resp = self._call("POST", "/v1/reset", query, b"")
        return self._frame(resp, "/v1/reset", obs_shape)

    def observe_binary(
        self, *, obs: str = "vector", obs_shape: Sequence[int] | None = None
    ) -> StepResult:
        """`GET /v1/observe`: the current frame, changing nothing."""
        resp = self._call("GET", "/v1/observe", _query(obs=_check_obs(obs)))
        return self._frame(resp, "/v1/observe", obs_shape)


_OBS_QUERY = {kind: f"obs={kind}" for kind in OBS_KINDS}


def _check_obs(obs: str) -> str:
    if obs not in OBS_KINDS:
        raise ValueError(f"obs must be one of {sorted(OBS_KINDS)}, got {obs!r}")
    return obs
