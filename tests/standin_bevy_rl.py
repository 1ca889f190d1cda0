"""A stand-in for a game built with the ORIGINAL bevy_rl crate (0.10-0.16), reproducing its wire
behaviour byte for byte as described in shared/reference/bevy_rl_protocol.md: GET-only routes,
text/plain JSON, one-step-lagged /step replies, 200 with serde-style text for bad payloads, empty
4xx bodies, no /spec. The only mock in the test suite. Run it by hand: `python
tests/standin_bevy_rl.py` serves on 127.0.0.1:7878 like bevy_rl."""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np

# The toy game: agents walk on a grid; reward = -distance from the origin after the move; an
# agent leaving the 5-cell radius is terminated. Enough to see lag, rewards and termination.
MOVES = {"IDLE": (0, 0), "UP": (0, 1), "DOWN": (0, -1), "LEFT": (-1, 0), "RIGHT": (1, 0)}
RADIUS = 5
TILE = 16  # pixels per agent image side (the PNG is TILE·N × TILE, RGBA)


class LegacyGameState:
    """The game and bevy_rl's stored per-agent rewards/terminations (never cleared per step)."""

    def __init__(self, num_agents: int) -> None:
        self.num_agents = num_agents
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.positions = [[float(i), 0.0] for i in range(self.num_agents)]
        self.rewards = [0.0] * self.num_agents
        self.terminated = [False] * self.num_agents
        self.steps = 0
        self.state = self.snapshot()

    def apply(self, actions: list[str | None]) -> None:
        """The game's EventControl: parse the action strings, move, set reward and termination."""
        for i, action in enumerate(actions):
            if action is None or self.terminated[i]:
                continue
            token = action.strip()
            if token.startswith("["):
                dx, dy = (float(v) for v in json.loads(token)[:2])
            else:
                dx, dy = MOVES.get(token, (0, 0))  # unknown tokens are a no-op, as in the shooter
            self.positions[i][0] += dx
            self.positions[i][1] += dy
            distance = float(np.hypot(*self.positions[i]))
            # f32 like bevy_rl's AgentState.reward, widened when printed
            self.rewards[i] = float(np.float32(-distance))
            self.terminated[i] = distance > RADIUS
        self.steps += 1
        self.state = self.snapshot()

    def snapshot(self) -> dict:
        return {
            "agents": [
                {"health": 0.0 if t else 100.0, "location": list(p)}
                for p, t in zip(self.positions, self.terminated, strict=True)
            ],
            "steps": self.steps,
        }

    def results(self) -> list[dict]:
        return [
            {"is_terminated": t, "reward": r}
            for r, t in zip(self.rewards, self.terminated, strict=True)
        ]


def _dumps(value: object) -> bytes:
    # serde_json::Value without preserve_order: sorted keys, compact.
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _payload_error(raw: str, num_agents: int) -> str | None:
    """The text bevy_rl answers (with status 200) for a payload it cannot use, else None."""
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        return f"expected value at line {exc.lineno} column {exc.colno}"
    if not isinstance(doc, list):
        return "invalid type: map, expected a sequence at line 1 column 1"
    for item in doc:
        if not isinstance(item, dict):
            return "invalid type: integer, expected struct AgentAction at line 1 column 2"
        action = item.get("action")
        if action is not None and not isinstance(action, str):
            kind = "integer" if isinstance(action, int) else "value"
            return f"invalid type: {kind} `{action}`, expected a string at line 1 column 12"
    if len(doc) != num_agents:
        return "Invalid number of actions"
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # hyper keeps connections alive
    disable_nagle_algorithm = True  # headers and body go out separately: no 40 ms stalls
    server: StandInServer

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: bytes = b"", ctype: str | None = "text/plain") -> None:
        self.send_response(status)
        if ctype is not None and body:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-request-id", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(body)
        if self.server.drop_after_reply:
            # Simulate a server dropping an idle kept-alive connection without saying so.
            self.close_connection = True

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        game = self.server.game
        if parts.path == "/step":
            query = parse_qs(parts.query, keep_blank_values=True)
            if "payload" not in query:
                return self._send(400)
            if self.server.hang_seconds:
                time.sleep(self.server.hang_seconds)  # bevy_rl has no timeouts
            raw = query["payload"][0]
            error = _payload_error(raw, game.num_agents)
            if error is not None:
                return self._send(200, error.encode())
            actions = [item.get("action") for item in json.loads(raw)]
            with game.lock:
                # One-step lag: the reply carries the previous pause's stored results, and the
                # action is applied after the reply is produced.
                body = _dumps(game.results())
                game.apply(actions)
            return self._send(200, body)
        if parts.path == "/reset":
            with game.lock:
                game.reset()
                body = _dumps(game.results())
            return self._send(200, body)
        if parts.path == "/state":
            with game.lock:
                body = _dumps(game.state)
            return self._send(200, body)
        if parts.path == "/visual_observations":
            return self._send(200, self._png(), "image/png")
        return self._send(404)

    def do_POST(self) -> None:
        known = {"/step", "/reset", "/state", "/visual_observations"}
        self._send(405 if urlsplit(self.path).path in known else 404)

    def _png(self) -> bytes:
        from PIL import Image

        game = self.server.game
        image = np.zeros((TILE, TILE * game.num_agents, 4), np.uint8)
        for i in range(game.num_agents):
            image[:, i * TILE : (i + 1) * TILE] = (40 * (i + 1) % 256, 100, 200, 255)
        out = io.BytesIO()
        Image.fromarray(image).save(out, format="PNG")
        return out.getvalue()


class StandInServer(ThreadingHTTPServer):
    """The stand-in server; `url` once started. `port=0` picks a free port."""

    daemon_threads = True

    def __init__(self, num_agents: int = 2, port: int = 0, hang_seconds: float = 0.0) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.game = LegacyGameState(num_agents)
        self.hang_seconds = hang_seconds
        self.drop_after_reply = False
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self._thread: threading.Thread | None = None

    def start(self) -> StandInServer:
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


if __name__ == "__main__":
    server = StandInServer(num_agents=2, port=7878)
    print(server.url, flush=True)
    server.serve_forever()
