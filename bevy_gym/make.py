"""Any bevy_gym server as an environment, without writing a class: `make` (Gymnasium, one
agent), `make_vec` (Gymnasium vector env, N arenas of one server) and `make_parallel`
(PettingZoo), from a registered id, a game binary or a running server's URL. Everything about
the game (agents, spaces, options) is read from its spec."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from gymnasium.vector import AutoresetMode

from bevy_gym.gym_env import BevyEnv
from bevy_gym.human import server_binary
from bevy_gym.native import backend_kwargs, check_render_mode
from bevy_gym.parallel_env import BevyParallelEnv
from bevy_gym.settings import GameSettings
from bevy_gym.transport import DEFAULT_TIMEOUT
from bevy_gym.vector_env import BevyVectorEnv

__all__ = [
    "gym_entry_point",
    "make",
    "make_parallel",
    "make_vec",
    "registered_entry_point",
    "vector_entry_point",
]

# Settings that ask for several agents: `make` is single-agent and says where they belong.
MULTI_AGENT_SETTINGS = ("num_agents", "agents", "num_envs", "arena_mode", "agents_per_arena")


def single_agent(options: Mapping[str, Any]) -> dict[str, Any]:
    """`options` for `make` (one agent, one arena): a count of 1 is dropped (it is what `make`
    builds anyway); a setting of several agents raises ValueError saying where it belongs."""
    asked = {k: options[k] for k in MULTI_AGENT_SETTINGS if k in options}
    several = {k: v for k, v in asked.items() if k == "arena_mode" or v != 1}
    if several:
        given = ", ".join(f"{k}={v!r}" for k, v in several.items())
        raise ValueError(
            f"bevy_gym.make is single-agent (one agent, one arena), got {given}: use "
            "make_parallel(..., num_agents=N) for N agents in one PettingZoo env, or "
            "make_vec(..., num_envs=N) for N one-agent arenas of one server"
        )
    return {k: v for k, v in options.items() if k not in asked}


def make(
    env_id: str | None = None,
    *,
    binary: str | None = None,
    url: str | None = None,
    obs_type: str = "vector",
    render_mode: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    restart_on_crash: bool = False,
    token: str | None = None,
    backend: str = "http",
    **options: Any,
) -> Any:
    """A Gymnasium Env: `make("bevy_gym/Dodge-v0")` (a registered id, through `gymnasium.make`),
    `make(binary="path/to/my-game", level=2)` (launches a one-agent server) or
    `make(url="http://127.0.0.1:PORT")` (a running one-agent server). `options` are the game's
    (and the server's, e.g. `max_episode_steps`) options by their `/spec` names. Settings of
    several agents (`num_agents=2`, ...) raise ValueError naming `make_parallel` and `make_vec`.
    `backend="native"` steps the game in this process (its extension module; bevy_gym.native)."""
    options = single_agent(options)
    if env_id is not None:
        import gymnasium

        from bevy_gym.registration import resolve

        given = _server_kwargs(timeout, restart_on_crash, token)
        return gymnasium.make(
            resolve(env_id), render_mode=render_mode, **backend_kwargs(backend), **given, **options
        )
    check_render_mode(backend, render_mode)
    binary = server_binary(binary, None if backend == "native" else render_mode, server_url=url)
    settings = GameSettings(
        binary,
        url,
        num_agents=1 if binary else None,
        obs_type=obs_type,
        options=options,
        backend=backend,
    )
    remote = settings.remote(timeout=timeout, restart_on_crash=restart_on_crash, token=token)
    return BevyEnv(remote, render_mode=render_mode)


def make_vec(
    env_id: str | None = None,
    *,
    num_envs: int = 1,
    binary: str | None = None,
    url: str | None = None,
    obs_type: str = "vector",
    render_mode: str | None = None,
    autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
    timeout: float = DEFAULT_TIMEOUT,
    restart_on_crash: bool = False,
    token: str | None = None,
    backend: str = "http",
    copy: bool = True,
    **options: Any,
) -> Any:
    """A Gymnasium VectorEnv of `num_envs` arenas of ONE server, stepped in one request: from a
    registered id (through `gymnasium.make_vec`), a game binary or a running server (which must
    run in separate arena mode with `num_envs` agents). `backend="native"` steps the game in this
    process; `copy=False` lets it return the same arrays every step (overwritten by the next
    one, as Gymnasium's vector envs do with copy=False)."""
    if env_id is not None:
        import gymnasium

        from bevy_gym.registration import resolve

        extra = backend_kwargs(backend) | _server_kwargs(timeout, restart_on_crash, token)
        extra |= {} if copy else {"copy": False}
        return gymnasium.make_vec(
            resolve(env_id),
            num_envs=num_envs,
            vectorization_mode="vector_entry_point",
            render_mode=render_mode,
            autoreset_mode=autoreset_mode,
            **extra,
            **options,
        )
    check_render_mode(backend, render_mode)
    binary = server_binary(binary, None if backend == "native" else render_mode, server_url=url)
    settings = GameSettings(
        binary,
        url,
        num_agents=num_envs,
        arena_mode="separate",
        obs_type=obs_type,
        options=options,
        backend=backend,
    )
    remote = settings.remote(timeout=timeout, restart_on_crash=restart_on_crash, token=token)
    return BevyVectorEnv(remote, render_mode=render_mode, autoreset_mode=autoreset_mode, copy=copy)


def make_parallel(
    env_id: str | None = None,
    *,
    binary: str | None = None,
    url: str | None = None,
    num_agents: int | None = None,
    arena_mode: str | None = None,
    obs_type: str = "vector",
    render_mode: str | None = None,
    max_cycles: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    restart_on_crash: bool = False,
    token: str | None = None,
    agents_per_arena: int | None = None,
    backend: str = "http",
    **options: Any,
) -> Any:
    """A PettingZoo ParallelEnv: `make_parallel("dodge", num_agents=4)` (a registered game, by
    short name or id), `make_parallel(binary="path/to/my-game", **options)` or
    `make_parallel(url="http://127.0.0.1:PORT")`. `max_cycles` is the server's
    `max_episode_steps` (it truncates every agent after that many steps); `agents_per_arena`
    groups separate arenas (e.g. a pursuer and an evader each). `backend="native"` steps the
    game in this process (its extension module; bevy_gym.native)."""
    if env_id is not None:
        if agents_per_arena is not None:
            options = {**options, "agents_per_arena": agents_per_arena}
        options = {
            **backend_kwargs(backend),
            **_server_kwargs(timeout, restart_on_crash, token),
            **options,
        }
        from pettingzoo.env_registry.registration import make as pz_make

        from bevy_gym.registration import resolve

        given = {"num_agents": num_agents, "arena_mode": arena_mode, "max_cycles": max_cycles}
        kwargs = {k: v for k, v in given.items() if v is not None}
        return pz_make(
            "parallel",
            resolve(env_id, "pettingzoo"),
            obs_type=obs_type,
            render_mode=render_mode,
            **kwargs,
            **options,
        )
    if max_cycles is not None:
        options = {**options, "max_episode_steps": max_cycles}
    check_render_mode(backend, render_mode)
    binary = server_binary(binary, None if backend == "native" else render_mode, server_url=url)
    settings = GameSettings(
        binary,
        url,
        num_agents=num_agents,
        arena_mode=arena_mode,
        obs_type=obs_type,
        options=options,
        agents_per_arena=agents_per_arena,
        backend=backend,
    )
    remote = settings.remote(timeout=timeout, restart_on_crash=restart_on_crash, token=token)
    env = BevyParallelEnv(remote, render_mode=render_mode)
    env.metadata = {**env.metadata, "name": remote.spec.game}
    return env


def _server_kwargs(timeout: float, restart_on_crash: bool, token: str | None) -> dict[str, Any]:
    """The connection settings given (not left at their defaults), for a registered env: a
    registered id passes them on rather than dropping them."""
    given = {"timeout": timeout, "restart_on_crash": restart_on_crash, "token": token}
    defaults = {"timeout": DEFAULT_TIMEOUT, "restart_on_crash": False, "token": None}
    return {k: v for k, v in given.items() if v != defaults[k]}


def registered_entry_point(
    factory: Callable[..., Any], metadata: Mapping[str, Any] | None = None
) -> Callable[..., Any]:
    """`gymnasium.make`'s entry point for a registered game built by `factory` (a game's env
    class, or `make`): gymnasium.make consumes `max_episode_steps` for its TimeLimit wrapper, so
    the server's own limit is switched off and any limit the user asks for, longer or shorter,
    is honoured. It shows `factory`'s arguments (help()) and metadata (read by gymnasium)."""

    def entry_point(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("max_episode_steps", 0)
        return factory(*args, **kwargs)

    entry_point.__doc__ = (
        f"`{factory.__qualname__}` as gymnasium.make's entry point: the registered TimeLimit "
        "replaces the server's own limit (max_episode_steps=0 unless given)."
    )
    entry_point.__signature__ = inspect.signature(factory)  # type: ignore[attr-defined]
    entry_point.metadata = dict(metadata or factory.metadata)  # type: ignore[attr-defined]
    return entry_point


gym_entry_point = registered_entry_point(make, BevyEnv.metadata)


def vector_entry_point(**kwargs: Any) -> BevyVectorEnv:
    """`gymnasium.make_vec`'s entry point for a registered game."""
    return make_vec(**kwargs)
