"""What a registered game's binary says about its options: `option_schema("dodge")` runs the
game's `--print-spec` with the settings of the variant a name resolves to. Above both the
registry (which names games and runs nothing) and the launcher (which runs binaries)."""

from __future__ import annotations

from typing import Any

from bevy_gym.launcher import find_binary, option_flags, print_spec
from bevy_gym.registration import game_of, resolve

__all__ = ["option_schema"]


def option_schema(name: str) -> dict[str, Any]:
    """The options a registered game declares (JSON Schema by name), from its binary's spec
    with the settings of the variant `name` resolves to (a game's bare defaults may not start)."""
    game = game_of(name)
    variant = next(v for v in game.variants if v.id == resolve(name))
    options = {k: v for k, v in variant.kwargs.items() if k != "obs_type"}
    spec = print_spec(find_binary(game.binary), option_flags(options))
    return dict(spec.get("option_schema", {}))
