"""render_mode="human": a game's windowed server (its viewer, e.g. `bevy-dodge-view`) is launched
in place of the headless one, with the same flags; it serves the same protocol and draws what the
client does. Checked up front, so a missing display or viewer fails with one clear line."""

from __future__ import annotations

import os

__all__ = ["ViewerUnavailableError", "viewer_binary"]


class ViewerUnavailableError(RuntimeError):
    """render_mode="human" cannot open a window here."""


def viewer_binary(viewer: str | None, *, server_url: str | None = None) -> str:
    """The binary to launch for render_mode="human": `viewer`, once a window can open (a display
    is set). The binary itself is looked up on launch (a missing one says how to install it)."""
    if viewer is None:
        raise ViewerUnavailableError(
            "render_mode='human' needs a windowed server, and this game has none; "
            "use render_mode='rgb_array'"
        )
    if server_url is not None:
        raise ValueError(
            f"render_mode='human' launches the game's windowed server ({viewer}); with server_url "
            f"the server is yours: start it as `{viewer} --port N` and leave render_mode unset"
        )
    if not os.environ.get("DISPLAY"):
        raise ViewerUnavailableError(
            "render_mode='human' opens a window, but no display is set (DISPLAY is empty): run on "
            "a desktop or under `xvfb-run -a`, or use render_mode='rgb_array'"
        )
    return viewer
