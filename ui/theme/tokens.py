"""The visual system's scales (docs/visual-system.md): spacing in pixels, type as font ratios.

Pixels here are device-independent: Qt multiplies them by the screen's scale factor, so the same
numbers hold at 100 % and at 200 %. Type sizes are ratios of the desktop's own base font, so a
clinician who enlarged the system font gets every role enlarged with it.
"""

from __future__ import annotations

from typing import Final

# Spacing scale: every margin, gap and padding in the app is one of these.
SPACE_XS: Final = 4
SPACE_S: Final = 8
SPACE_M: Final = 12
SPACE_L: Final = 16
SPACE_XL: Final = 24
SPACE_XXL: Final = 32
SPACING_SCALE: Final = (SPACE_XS, SPACE_S, SPACE_M, SPACE_L, SPACE_XL, SPACE_XXL)

# Type scale: role -> (size as a ratio of the base font, weight).
TYPE_SCALE: Final = {
    "title": (1.6, 600),  # page title
    "section": (1.2, 600),  # section heading inside a page or dialog
    "body": (1.0, 400),
    "caption": (0.9, 400),  # secondary facts, hints, timestamps
}
MIN_CAPTION_PT: Final = 8.5  # captions never shrink below this, whatever the base font

RADIUS: Final = 4  # corner radius of buttons, fields and cards
ICON_SIZE: Final = 18  # icons on buttons and in the sidebar
HEADER_ICON_SIZE: Final = 20
SIDEBAR_WIDTH: Final = 196


def type_size(role: str, base_pt: float) -> float:
    """The point size of a type role for a desktop base font of ``base_pt`` points."""
    ratio, _weight = TYPE_SCALE[role]
    size = base_pt * ratio
    return max(size, MIN_CAPTION_PT) if role == "caption" else size
