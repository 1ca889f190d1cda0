"""render_mode="human": a game's windowed server (its viewer, e.g. `bevy-dodge-view`) is launched
in place of the headless one, with the same flags; it serves the same protocol and draws what the
client does. Where no window can open (no display, no viewer installed, or a server the user
started), the environment runs headless as usual and a warning says, in one line, what is
missing: the official checkers (Gymnasium's `check_env`, PettingZoo's `render_test`) build a
"human" env on every machine, and a run should not die for want of a window."""

from __future__ import annotations

import os
from pathlib import Path

from gymnasium import logger

from bevy_gym.launcher import BinaryNotFoundError, find_binary
from bevy_gym.registration import games

__all__ = ["server_binary", "view_of", "viewer_binary"]


def view_of(binary: str) -> str:
    """The windowed server of the game whose headless server is `binary`: the view a registered
    game names, else the convention `<binary>-view` (beside it, when `binary` is a path)."""
    path = Path(binary)
    for game in games():
        if game.binary == path.name and game.viewer is not None:
            return str(path.with_name(game.viewer)) if len(path.parts) > 1 else game.viewer
    return str(path.with_name(f"{path.name}-view"))


def server_binary(
    binary: str | None, render_mode: str | None, *, server_url: str | None = None
) -> str | None:
    """The server to launch for `binary`: with render_mode="human" its windowed server when a
    window can open here (else one warning, and `binary`), otherwise `binary` itself."""
    if render_mode != "human" or (binary is None and server_url is None):
        return binary
    viewer = view_of(binary) if binary is not None else None
    if server_url is not None:
        viewer_binary(viewer or "the game's view", server_url=server_url)
        return binary
    return viewer_binary(viewer) or binary


def viewer_binary(viewer: str | None, *, server_url: str | None = None) -> str | None:
    """The windowed server to launch for render_mode="human" (its path), or None (after one
    warning that says why) when no window can open here."""
    why = None
    if viewer is None:
        why = "this game has no windowed server; use render_mode='rgb_array'"
    elif server_url is not None:
        why = (
            f"the server at {server_url} is yours, not launched here: start it as `{viewer}` "
            "to see it"
        )
    elif not os.environ.get("DISPLAY"):
        why = (
            "no display is set (DISPLAY is empty): run on a desktop or under `xvfb-run -a`, or "
            "use render_mode='rgb_array'"
        )
    else:
        try:
            path = Path(viewer)
            return find_binary(path.name, viewer if len(path.parts) > 1 else None)
        except BinaryNotFoundError as exc:
            why = str(exc)
    logger.warn(f"render_mode='human' opens no window, the game runs headless: {why}")
    return None
