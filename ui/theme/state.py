"""The palette in use and the settings choice that picked it (one place, read by the icons and
the item models, written only by ``ui.theme.apply.apply_theme``)."""

from __future__ import annotations

from ui.theme.palettes import LIGHT, SYSTEM, Palette

_state: dict[str, object] = {"palette": LIGHT, "choice": SYSTEM, "watching": False}


def current_palette() -> Palette:
    palette = _state["palette"]
    assert isinstance(palette, Palette)
    return palette


def current_choice() -> str:
    return str(_state["choice"])
