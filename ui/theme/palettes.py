"""The three palettes (light, dark, high contrast) and WCAG 2.2 contrast arithmetic.

Pure Python, no Qt: the palette test measures these exact values, and the stylesheet and
``QPalette`` are built from them. Every text role is drawn on the backgrounds listed in
``TEXT_PAIRS`` and must reach 4.5:1 there; every non-text indicator (focus ring, field borders,
the selected sidebar item's marker) in ``INDICATOR_PAIRS`` must reach 3:1 (WCAG 2.2 SC 1.4.3,
1.4.11 and 2.4.13's 3:1 for the focus indicator). Semantic colours (risk, overdue, ok) are never
the only signal: they always come with an icon and words (see ``ui.theme.apply.set_semantic``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Final

LIGHT_NAME: Final = "light"
DARK_NAME: Final = "dark"
HIGH_CONTRAST_NAME: Final = "high-contrast"
SYSTEM: Final = "system"
CHOICES: Final = (SYSTEM, LIGHT_NAME, DARK_NAME, HIGH_CONTRAST_NAME)


@dataclass(frozen=True)
class Palette:
    name: str
    window: str  # page background
    surface: str  # fields, tables, cards
    surface_alt: str  # alternate table rows, the sidebar, the header
    text: str
    muted: str  # captions and secondary facts
    border: str  # field and button borders (a UI component boundary: 3:1)
    divider: str  # decorative separators (no contrast requirement)
    accent: str  # the one accent colour: default buttons, the selected sidebar item
    on_accent: str  # text on the accent
    accent_text: str  # the accent used as text or an indicator on window/surface (links)
    focus: str  # the focus ring
    selection: str  # selected rows in tables and lists
    on_selection: str
    risk: str
    overdue: str
    ok: str
    disabled: str  # disabled text (exempt from 1.4.3, kept readable anyway: 3:1)


LIGHT: Final = Palette(
    name=LIGHT_NAME,
    window="#f5f6f8",
    surface="#ffffff",
    surface_alt="#eceff3",
    text="#1b2430",
    muted="#4e5968",
    border="#7c8695",
    divider="#d5dae1",
    accent="#1d5ea8",
    on_accent="#ffffff",
    accent_text="#1a5699",
    focus="#1d5ea8",
    selection="#d3e3f6",
    on_selection="#10243d",
    risk="#a8201a",
    overdue="#8a4a00",
    ok="#1d6a36",
    disabled="#767f8c",
)

DARK: Final = Palette(
    name=DARK_NAME,
    window="#1a1d22",
    surface="#23272e",
    surface_alt="#2b3038",
    text="#e8ebef",
    muted="#b0b8c3",
    border="#7d8795",
    divider="#3a404a",
    accent="#2f6bc2",
    on_accent="#ffffff",
    accent_text="#8fbcff",
    focus="#8fbcff",
    selection="#2c4a72",
    on_selection="#ffffff",
    risk="#ff8f87",
    overdue="#ffc46b",
    ok="#7fd59b",
    disabled="#8d95a1",
)

HIGH_CONTRAST: Final = Palette(
    name=HIGH_CONTRAST_NAME,
    window="#000000",
    surface="#000000",
    surface_alt="#0a0a0a",
    text="#ffffff",
    muted="#ffffff",
    border="#ffffff",
    divider="#ffffff",
    accent="#1aebff",
    on_accent="#000000",
    accent_text="#1aebff",
    focus="#ffff00",
    selection="#1aebff",
    on_selection="#000000",
    risk="#ffa3a3",
    overdue="#ffff00",
    ok="#3ff23f",
    disabled="#c0c0c0",
)

PALETTES: Final = {p.name: p for p in (LIGHT, DARK, HIGH_CONTRAST)}

# (foreground role, background role): text drawn there must reach 4.5:1.
_TEXT_ON_BACKGROUNDS = tuple(
    (fg, bg)
    for fg in ("text", "muted", "accent_text", "risk", "overdue", "ok")
    for bg in ("window", "surface", "surface_alt")
)
TEXT_PAIRS: Final = (*_TEXT_ON_BACKGROUNDS, ("on_accent", "accent"), ("on_selection", "selection"))
# (indicator role, background role): non-text indicators must reach 3:1.
INDICATOR_PAIRS: Final = (
    ("focus", "window"),
    ("focus", "surface"),
    ("focus", "surface_alt"),
    # A focused default button drops its accent fill for the surface (see the stylesheet), so
    # its ring sits between the page and the surface like every other ring.
    ("border", "window"),
    ("border", "surface"),
    ("disabled", "surface"),
    ("disabled", "window"),
)
TEXT_MINIMUM: Final = 4.5
INDICATOR_MINIMUM: Final = 3.0


def parse_hex(colour: str) -> tuple[int, int, int]:
    """``#rrggbb`` (or ``#rgb``) as three 0..255 channels; anything else is a ValueError."""
    value = colour.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    if len(value) != 6 or any(c not in "0123456789abcdefABCDEF" for c in value):
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2.2 relative luminance of an sRGB colour (0 black .. 1 white)."""

    def channel(c: int) -> float:
        s = c / 255.0
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: tuple[int, int, int] | str, b: tuple[int, int, int] | str) -> float:
    """WCAG contrast ratio (1..21) of two colours, given as RGB tuples or ``#rrggbb``."""
    la = relative_luminance(parse_hex(a) if isinstance(a, str) else a)
    lb = relative_luminance(parse_hex(b) if isinstance(b, str) else b)
    light, dark = max(la, lb), min(la, lb)
    return (light + 0.05) / (dark + 0.05)


def shortfalls(palette: Palette) -> list[str]:
    """Every pair of ``palette`` below its WCAG minimum, as readable lines (empty: all pass)."""
    out = []
    for pairs, minimum in ((TEXT_PAIRS, TEXT_MINIMUM), (INDICATOR_PAIRS, INDICATOR_MINIMUM)):
        for fg, bg in pairs:
            ratio = contrast_ratio(getattr(palette, fg), getattr(palette, bg))
            if ratio < minimum:
                out.append(f"{palette.name}: {fg} on {bg} is {ratio:.2f}:1 (< {minimum}:1)")
    return out


def roles() -> list[str]:
    return [f.name for f in fields(Palette) if f.name != "name"]
