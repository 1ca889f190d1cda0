"""The throughput cases: floors (a bare round trip from three clients), the bevy_rl-compatible path
(`/step` then `/state` with `requests`), the one-round-trip paths (JSON and binary), the
environment APIs (Env, ParallelEnv, make_vec), pixels (PNG and raw bytes) and three ways of
spreading 64 agents (one server, SuperSuit over several, several stepped concurrently).

Every case starts its own servers, drives them with random discrete actions drawn up front (the
policy costs nothing), resets what finishes the way its API does, and stops them at the end."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import gymnasium as gym
import numpy as np
from harness import Row, throughput_row

import bevy_gym  # noqa: F401 - registers the Gymnasium and PettingZoo ids
from bevy_gym import Client, ServerProcess
from bevy_gym.envs import dodge_v0
from bevy_gym.envs.dodge import ACTION_NAMES, DodgeEnv
from bevy_gym.protocol import decode_frame
from bevy_gym.transport import Transport

POOL = 64  # distinct random action batches, cycled
IMAGE = "84×84"
GROUP_FLOOR = "floor"
GROUP_COMPAT = "bevy_rl-compatible: /step then /state"
GROUP_ONE = "one round trip"
GROUP_API = "environment APIs"
GROUP_PIXELS = "pixels, 1 agent"
GROUP_SPREAD = "64 agents over several servers"

# (agents, arena mode) for the raw-path rows; shared 1 is the same game as separate 1.
CONFIGS = [(1, "separate"), (16, "separate"), (64, "separate"), (256, "separate"),
           (16, "shared"), (64, "shared"), (256, "shared")]  # fmt: skip


# Extra keyword arguments for every environment built here: run.py sets {"binary": path} to
# measure a given bevy-dodge build instead of the installed one.
ENV_KWARGS: dict[str, Any] = {}


def make_env(**kwargs: Any) -> gym.Env:
    """`gymnasium.make("bevy_gym/Dodge-v0", ...)`."""
    return gym.make("bevy_gym/Dodge-v0", **ENV_KWARGS, **kwargs)


def make_vec(num_envs: int, **kwargs: Any) -> gym.vector.VectorEnv:
    """`gymnasium.make_vec("bevy_gym/Dodge-v0", num_envs)`: arenas of one server."""
    return gym.make_vec(
        "bevy_gym/Dodge-v0",
        num_envs=num_envs,
        vectorization_mode="vector_entry_point",
        **ENV_KWARGS,
        **kwargs,
    )


def make_parallel(**kwargs: Any) -> Any:
    """`dodge_v0.parallel_env(...)`."""
    return dodge_v0.parallel_env(**ENV_KWARGS, **kwargs)


def server_args(agents: int, arena: str, *extra: str) -> list[str]:
    """bevy-dodge flags for a benchmark server (level 1, discrete actions, 1000-step episodes)."""
    return ["--agents", str(agents), "--arena-mode", arena, *extra]


def action_pool(agents: int, seed: int = 0) -> list[np.ndarray]:
    """POOL random Discrete(5) action batches of shape (agents,)."""
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 5, agents).astype(np.int32) for _ in range(POOL)]


def cycle(pool: list[Any]) -> Callable[[], Any]:
    """Returns the pool's items one after another, forever."""
    state = {"i": 0}

    def take() -> Any:
        i = state["i"]
        state["i"] = (i + 1) % len(pool)
        return pool[i]

    return take


@contextmanager
def server(binary: str, args: list[str]) -> Iterator[ServerProcess]:
    """One bevy-dodge server for the duration of a case."""
    proc = ServerProcess(binary, args)
    try:
        yield proc
    finally:
        proc.close()


def finished_arenas(done: np.ndarray, arena: str) -> list[int]:
    """Arenas to reset after a step: each finished one (separate), or the arena once all its
    agents are done (shared)."""
    if arena == "separate":
        return np.flatnonzero(done).tolist()
    return [0] if done.all() else []


# -- floors ---------------------------------------------------------------------------------------


class RawHttp:
    """The least an HTTP/1.1 client can do per round trip: one send of a prebuilt request, then
    recv until the Content-Length is in. No parsing beyond that; used only as the floor."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray(1 << 16)

    def roundtrip(self, request: bytes) -> int:
        """Send `request`, read one whole reply; returns its length in bytes."""
        self.sock.sendall(request)
        view = memoryview(self.buf)
        got = self.sock.recv_into(view)
        head_end = self.buf.find(b"\r\n\r\n", 0, got)
        head = bytes(self.buf[:head_end]).lower() + b"\r\n"  # header names are case-insensitive
        start = head.find(b"content-length: ") + 16
        length = int(head[start : head.find(b"\r\n", start)])
        while got < head_end + 4 + length:
            got += self.sock.recv_into(view[got:])
        return got

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()


def floors(binary: str) -> list[Row]:
    """A round trip to the cheapest endpoint (`GET /v1/observe?obs=none`: a 22-byte frame,
    nothing computed) from bevy_gym's own transport, from `requests` and from a raw socket."""
    rows = []
    route = "GET /v1/observe?obs=none"
    with server(binary, server_args(1, "separate")) as proc:
        transport = Transport(proc.url)
        rows.append(
            throughput_row(
                lambda: transport.request("GET", "/v1/observe", "obs=none"),
                1,
                Row("floor_transport", GROUP_FLOOR, f"bare round trip, {route}",
                    "bevy_gym Transport (raw socket)", note="the Env target's floor"),
            )
        )  # fmt: skip
        transport.close()
        requests = _requests()
        if requests is not None:
            session = requests.Session()
            url = f"{proc.url}/v1/observe?obs=none"
            rows.append(
                throughput_row(
                    lambda: session.get(url).content,
                    1,
                    Row("floor_requests", GROUP_FLOOR, f"bare round trip, {route}",
                        "requests.Session"),
                )
            )  # fmt: skip
            session.close()
        raw = RawHttp(proc.url)
        request = b"GET /v1/observe?obs=none HTTP/1.1\r\nHost: bench\r\n\r\n"
        rows.append(
            throughput_row(
                lambda: raw.roundtrip(request),
                1,
                Row("floor_socket", GROUP_FLOOR, f"bare round trip, {route}",
                    "raw socket (one send, one recv)", note="what the wire and server cost"),
            )
        )  # fmt: skip
        raw.close()
    return rows


def _requests() -> Any:
    try:
        import requests
    except ImportError:
        return None
    return requests


# -- the bevy_rl-compatible path ------------------------------------------------------------------


def compat_rows(binary: str) -> list[Row]:
    """bevy_rl's users' loop with `requests`: `GET /step?payload=...`, then `GET /state` for the
    observation source, both parsed as JSON. Finished arenas are reset with one more request."""
    requests = _requests()
    rows = []
    for agents, arena in CONFIGS:
        label = f"{agents} agent{'s' if agents > 1 else ''}, /step + /state (JSON)"
        row = Row(f"compat_{agents}_{arena}", GROUP_COMPAT, label,
                  "requests.Session" if requests else "http.client", obs="/state JSON",
                  arena=arena)  # fmt: skip
        with server(binary, server_args(agents, arena)) as proc:
            rows.append(throughput_row(_compat_step(proc.url, agents, arena), agents, row))
    return rows


def _compat_step(url: str, agents: int, arena: str) -> Callable[[], Any]:
    requests = _requests()
    take = cycle(action_pool(agents))
    done = np.zeros(agents, dtype=bool)
    if requests is not None:
        session = requests.Session()

        def get(path: str, params: dict[str, str] | None = None) -> Any:
            return session.get(url + path, params=params).json()

    else:  # pragma: no cover - requests ships with the training extras
        client = Client(url)

        def get(path: str, params: dict[str, str] | None = None) -> Any:
            from urllib.parse import urlencode

            query = urlencode(params) if params else ""
            return json.loads(client.transport.request("GET", path, query).body)

    def step() -> Any:
        actions = take()
        payload = json.dumps(
            [{"action": None if d else ACTION_NAMES[a]} for a, d in zip(actions, done, strict=True)]
        )
        results = get("/step", {"payload": payload})
        state = get("/state")
        for i, r in enumerate(results):
            done[i] = r["is_terminated"] or r.get("is_truncated", False)
        reset = finished_arenas(done, arena)
        if reset:
            get("/reset", {"arenas": ",".join(map(str, reset))} if arena == "separate" else None)
            done[reset if arena == "separate" else slice(None)] = False
        return state

    return step


# -- one round trip -------------------------------------------------------------------------------


def one_round_trip_rows(binary: str) -> list[Row]:
    """`POST /v1/step?obs=vector` through bevy_gym's Client (arrays, no per-agent Python), and
    the JSON `/step?observations=1` for one agent; finished arenas reset in the same request."""
    rows = []
    with server(binary, server_args(1, "separate")) as proc:
        client = Client(proc.url)
        take = cycle([[ACTION_NAMES[a] for a in x] for x in action_pool(1)])
        state = {"done": False}

        def json_step() -> None:
            if state["done"]:
                client.reset()
            res = client.step(take(), observations=True, num_agents=1)
            state["done"] = bool(res.done[0])

        rows.append(
            throughput_row(
                json_step, 1,
                Row("json_1", GROUP_ONE, "1 agent, GET /step?observations=1 (JSON)",
                    "bevy_gym Client", arena="separate", obs="vector (JSON)"),
            )
        )  # fmt: skip
    for agents, arena in CONFIGS:
        label = f"{agents} agent{'s' if agents > 1 else ''}, POST /v1/step (binary)"
        row = Row(f"binary_{agents}_{arena}", GROUP_ONE, label, "bevy_gym Client",
                  arena=arena, obs="vector")  # fmt: skip
        with server(binary, server_args(agents, arena)) as proc:
            rows.append(throughput_row(_binary_step(Client(proc.url), agents, arena), agents, row))
    return rows


def _binary_step(client: Client, agents: int, arena: str) -> Callable[[], Any]:
    bodies = cycle([a.tobytes() for a in action_pool(agents)])
    pending: list[list[int]] = [[]]
    shape = (72,)

    def step() -> Any:
        res = client.step_binary(bodies(), obs="vector", reset=pending[0], obs_shape=shape)
        pending[0] = finished_arenas(res.done, arena)
        return res

    return step


# -- environment APIs -----------------------------------------------------------------------------


def env_loop(env: gym.Env) -> Callable[[], Any]:
    """A Gymnasium training loop's env calls: step, and reset when the episode ends."""
    take = cycle([int(a[0]) for a in action_pool(1)])
    env.reset(seed=0)

    def step() -> Any:
        obs, reward, terminated, truncated, info = env.step(take())
        if terminated or truncated:
            env.reset()
        return obs

    return step


def parallel_loop(env: Any) -> Callable[[], Any]:
    """A PettingZoo loop: step the live agents, reset when none is left."""
    agents = env.possible_agents
    batches = action_pool(len(agents))
    take = cycle([{a: int(x) for a, x in zip(agents, b, strict=True)} for b in batches])
    env.reset(seed=0)

    def step() -> Any:
        out = env.step(take())
        if not env.agents:
            env.reset()
        return out

    return step


def vector_loop(envs: gym.vector.VectorEnv) -> Callable[[], Any]:
    """A vector env's step (next-step autoreset happens inside)."""
    take = cycle(action_pool(envs.num_envs))
    envs.reset(seed=0)
    return lambda: envs.step(take())


def bare_round_trip(env: Any) -> Callable[[], Any]:
    """The floor over an environment's own connection: `GET /v1/observe?obs=none`."""
    transport = env.remote.connect().transport
    return lambda: transport.request("GET", "/v1/observe", "obs=none")


def api_rows() -> list[Row]:
    """Env.step (1 agent, through gymnasium.make and directly), ParallelEnv.step (1 and 16
    agents) and make_vec (16, 64, 256 arenas on one server), vector observations."""
    rows = []
    with ExitStack() as stack:
        env = make_env()
        stack.callback(env.close)
        loop = env_loop(env)
        rows.append(
            throughput_row(
                loop,
                1,
                floor=bare_round_trip(env.unwrapped),
                row=Row(
                    "env_1",
                    GROUP_API,
                    "Env.step, gymnasium.make (with its wrappers)",
                    "bevy_gym",
                    arena="separate",
                    obs="vector",
                    target="≥ 5,000/s and ≥ ½ floor",
                ),
            )
        )
        raw_env = DodgeEnv(**ENV_KWARGS)
        stack.callback(raw_env.close)
        rows.append(
            throughput_row(
                env_loop(raw_env),
                1,
                Row(
                    "env_1_direct",
                    GROUP_API,
                    "Env.step, DodgeEnv (no wrappers)",
                    "bevy_gym",
                    arena="separate",
                    obs="vector",
                ),
            )
        )
    for agents, arena in ((1, "shared"), (16, "shared")):
        with ExitStack() as stack:
            par = make_parallel(num_agents=agents, arena_mode=arena)
            stack.callback(par.close)
            target = "≥ 5,000/s and ≥ ½ floor" if agents == 1 else ""
            loop = parallel_loop(par)
            rows.append(
                throughput_row(
                    loop,
                    agents,
                    floor=bare_round_trip(par) if agents == 1 else None,
                    row=Row(
                        f"parallel_{agents}",
                        GROUP_API,
                        "ParallelEnv.step (PettingZoo dicts)",
                        "bevy_gym",
                        arena=arena,
                        obs="vector",
                        target=target,
                    ),
                )
            )
    for agents in (16, 64, 256):
        with ExitStack() as stack:
            envs = make_vec(agents)
            stack.callback(envs.close)
            target = "≥ 100,000 agent-steps/s" if agents == 64 else ""
            rows.append(
                throughput_row(
                    vector_loop(envs),
                    agents,
                    Row(
                        f"make_vec_{agents}",
                        GROUP_API,
                        "gymnasium.make_vec, one server",
                        "bevy_gym",
                        arena="separate",
                        obs="vector",
                        target=target,
                    ),
                )
            )
    return rows


# -- pixels ---------------------------------------------------------------------------------------


def pixel_rows(binary: str) -> list[Row]:
    """84×84 images of one agent: as PNG (bevy_rl's `/step` + `/visual_observations`, decoded
    with Pillow) and as raw bytes in the binary frame (Env.step with obs_type="pixels"), RGB and
    grayscale; plus 16 arenas of raw RGB through make_vec."""
    from io import BytesIO

    from PIL import Image

    requests = _requests()
    rows = []
    for grayscale in (False, True):
        colour = "grayscale" if grayscale else "RGB"
        extra = ["--grayscale"] if grayscale else []
        with server(binary, server_args(1, "separate", *extra)) as proc:
            session = requests.Session() if requests else None
            take = cycle([json.dumps([{"action": ACTION_NAMES[a[0]]}]) for a in action_pool(1)])
            url = proc.url

            def png_step(
                session: Any = session, url: str = url, grey: bool = grayscale, take: Any = take
            ) -> Any:
                results = session.get(url + "/step", params={"payload": take()}).json()
                body = session.get(url + "/visual_observations").content
                with Image.open(BytesIO(body)) as img:
                    frame = np.asarray(img.convert("L" if grey else "RGB"))
                if results[0]["is_terminated"] or results[0]["is_truncated"]:
                    session.get(url + "/reset")
                return frame

            rows.append(
                throughput_row(
                    png_step,
                    1,
                    Row(
                        f"png_{colour.lower()}",
                        GROUP_PIXELS,
                        f"{IMAGE} {colour} as PNG: /step + /visual_observations + decode",
                        "requests.Session + Pillow",
                        arena="separate",
                        obs=f"{colour} PNG",
                    ),
                )
            )
            session.close()
        env = make_env(obs_type="pixels", grayscale=grayscale)
        try:
            target = "≥ 2,000/s" if not grayscale else ""
            rows.append(
                throughput_row(
                    env_loop(env),
                    1,
                    Row(
                        f"raw_{colour.lower()}",
                        GROUP_PIXELS,
                        f"{IMAGE} {colour} as raw bytes: Env.step (binary frame)",
                        "bevy_gym",
                        arena="separate",
                        obs=f"{colour} raw",
                        target=target,
                    ),
                )
            )
        finally:
            env.close()
    envs = make_vec(16, obs_type="pixels")
    try:
        rows.append(
            throughput_row(
                vector_loop(envs),
                16,
                Row(
                    "raw_rgb_16",
                    GROUP_PIXELS,
                    f"{IMAGE} RGB raw, make_vec 16 arenas",
                    "bevy_gym",
                    arena="separate",
                    obs="RGB raw",
                ),
            )
        )
    finally:
        envs.close()
    return rows


# -- several servers ------------------------------------------------------------------------------

SERVERS = 4
PER_SERVER = 16


def spread_rows(binary: str) -> list[Row]:
    """64 agents as 4 servers × 16 arenas: SuperSuit's concat_vec_envs_v1 (steps its copies one
    after another) vs sending every server its step before reading any reply (the servers work
    in parallel). make_vec 64 on one server is the reference row above."""
    rows = []
    total = SERVERS * PER_SERVER
    try:
        import supersuit as ss
    except ImportError:
        ss = None
    if ss is not None:
        par = make_parallel(num_agents=PER_SERVER, arena_mode="separate")
        vec = ss.pettingzoo_env_to_vec_env_v1(ss.black_death_v3(par))
        vec = ss.concat_vec_envs_v1(vec, SERVERS, num_cpus=0, base_class="gymnasium")
        try:
            rows.append(
                throughput_row(
                    vector_loop(vec),
                    total,
                    Row(
                        "supersuit_4x16",
                        GROUP_SPREAD,
                        "SuperSuit concat_vec_envs_v1, 4 servers × 16 (black_death_v3)",
                        "bevy_gym ParallelEnv",
                        arena="separate",
                        obs="vector",
                    ),
                )
            )
        finally:
            vec.close()
            par.close()
    with ExitStack() as stack:
        procs = [stack.enter_context(server(binary, server_args(PER_SERVER, "separate")))
                 for _ in range(SERVERS)]  # fmt: skip
        rows.append(
            throughput_row(
                _concurrent_step([p.url for p in procs]),
                total,
                Row(
                    "concurrent_4x16",
                    GROUP_SPREAD,
                    "4 servers × 16 stepped concurrently (send all, then receive all)",
                    "http.client + decode_frame",
                    arena="separate",
                    obs="vector",
                ),
            )
        )
    return rows


def _concurrent_step(urls: list[str]) -> Callable[[], Any]:
    conns = []
    for url in urls:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port))
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conns.append(conn)
    takes = [
        cycle([a.tobytes() for a in action_pool(PER_SERVER, seed=i)]) for i in range(len(urls))
    ]
    pending: list[list[int]] = [[] for _ in urls]
    headers = {"Content-Length": str(4 * PER_SERVER)}

    def step() -> np.ndarray:
        for conn, take, reset in zip(conns, takes, pending, strict=True):
            query = "obs=vector" + (f"&reset={','.join(map(str, reset))}" if reset else "")
            conn.request("POST", f"/v1/step?{query}", body=take(), headers=headers)
        observations = []
        for i, conn in enumerate(conns):
            res = decode_frame(conn.getresponse().read(), (72,))
            pending[i] = np.flatnonzero(res.done).tolist()
            observations.append(res.observations)
        return np.concatenate(observations)

    return step


def all_rows(binary: str, progress: Callable[[str], None]) -> list[Row]:
    """Every throughput case, in table order."""
    rows: list[Row] = []
    for name, fn in (
        ("floors", lambda: floors(binary)),
        ("bevy_rl-compatible path", lambda: compat_rows(binary)),
        ("one round trip", lambda: one_round_trip_rows(binary)),
        ("environment APIs", api_rows),
        ("pixels", lambda: pixel_rows(binary)),
        ("several servers", lambda: spread_rows(binary)),
    ):
        progress(name)
        rows.extend(fn())
    return rows
