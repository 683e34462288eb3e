"""The bundled icon set (Lucide, ISC licence: resources/icons/lucide/LICENSE) drawn in the palette.

Icons are named by what they mean here (``ICONS``), not by their file, so a page asks for
``icon("lock")``. Lucide draws with ``stroke="currentColor"``; the colour is substituted with the
palette's text (or a semantic) colour and the SVG rendered at 1x and 2x, so icons follow the
light, dark and high-contrast palettes and stay sharp at 200 %. ``attach`` remembers an icon's
name on the button or action so a palette change redraws it.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Final

from clinician_desk.bundled.paths import resource_path
from ui.theme.state import current_palette

if TYPE_CHECKING:  # imported where used: QImage and QPainter build their enums on import
    from PySide6.QtCore import QObject
    from PySide6.QtGui import QIcon, QPixmap
    from PySide6.QtWidgets import QLabel

LUCIDE_VERSION: Final = "1.62.0"  # npm lucide-static; docs/decisions/0120-icon-set.md
ICONS: Final = {
    "caseload": "users",
    "handoff": "users",
    "student": "user",
    "note": "notebook-pen",
    "screening": "clipboard-list",
    "print": "printer",
    "sync": "refresh-cw",
    "lock": "lock",
    "unlocked": "lock-open",
    "search": "search",
    "new-note": "file-plus",
    "drafts": "files",
    "import": "file-up",
    "quit": "log-out",
    "risk": "triangle-alert",
    "overdue": "clock-alert",
    "ok": "circle-check",
    "add-student": "user-plus",
    "synced": "cloud",
    "not-synced": "cloud-off",
    "info": "info",
    "error": "circle-x",
    "safety": "shield-check",
}
ICON_PROPERTY: Final = "themeIcon"  # the meaning an attached icon was drawn for
COLOUR_PROPERTY: Final = "themeIconColour"  # a palette role; unset = the text colour
SIZE_PROPERTY: Final = "themeIconSize"  # a label's picture size
SIZES: Final = (16, 20, 24, 32, 48)


def svg_path(meaning: str) -> str:
    return str(resource_path("icons", "lucide", f"{ICONS[meaning]}.svg"))


@cache
def _svg(meaning: str) -> bytes:
    with open(svg_path(meaning), "rb") as f:
        return f.read()


def svg_in_colour(meaning: str, colour: str) -> bytes:
    """The icon's SVG with its stroke colour set (Lucide strokes ``currentColor``)."""
    return _svg(meaning).replace(b"currentColor", colour.encode("ascii"))


@cache
def icon_in_colour(meaning: str, colour: str) -> QIcon:
    from PySide6.QtCore import QByteArray, QRectF
    from PySide6.QtGui import QIcon, QImage, QPainter, QPixmap
    from PySide6.QtSvg import QSvgRenderer  # here: importing QtSvg costs ~30 ms of cold start

    renderer = QSvgRenderer(QByteArray(svg_in_colour(meaning, colour)))
    if not renderer.isValid():  # a damaged install: no icon rather than a crash
        return QIcon()
    result = QIcon()
    for size in SIZES:
        for scale in (1, 2):
            image = QImage(size * scale, size * scale, QImage.Format.Format_ARGB32_Premultiplied)
            image.fill(0)  # transparent (naming Qt.GlobalColor builds every Qt enum: ~45 ms)
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            renderer.render(painter, QRectF(0, 0, size * scale, size * scale))
            painter.end()
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(scale)
            result.addPixmap(pixmap)
    return result


def icon(meaning: str, role: str = "text") -> QIcon:
    """The icon for ``meaning`` in the current palette's ``role`` colour."""
    return icon_in_colour(meaning, getattr(current_palette(), role))


def attach(target: QObject, meaning: str, role: str = "text", *, later: bool = False) -> None:
    """Give a button or action its icon and remember it, so a palette change redraws it.
    ``later``: only remember it (drawn by the next ``redraw``, e.g. at the first unlock)."""
    target.setProperty(ICON_PROPERTY, meaning)
    target.setProperty(COLOUR_PROPERTY, role)
    if not later:
        target.setIcon(icon(meaning, role))  # type: ignore[attr-defined]


def attach_label(
    label: QLabel, meaning: str, size: int = 16, role: str = "text", *, later: bool = False
) -> None:
    """Show an icon as a label's picture (beside words that say the same), redrawn like
    ``attach``."""
    label.setProperty(ICON_PROPERTY, meaning)
    label.setProperty(COLOUR_PROPERTY, role)
    label.setProperty(SIZE_PROPERTY, size)
    if later:
        label.clear()
    else:
        label.setPixmap(pixmap(meaning, size, role, label.devicePixelRatioF()))


def redraw(target: QObject) -> None:
    from PySide6.QtWidgets import QLabel

    meaning = target.property(ICON_PROPERTY)
    if not (isinstance(meaning, str) and meaning in ICONS):
        return
    role = target.property(COLOUR_PROPERTY)
    role = role if isinstance(role, str) else "text"
    if isinstance(target, QLabel):
        size = target.property(SIZE_PROPERTY)
        size = size if isinstance(size, int) else 16
        target.setPixmap(pixmap(meaning, size, role, target.devicePixelRatioF()))
    elif hasattr(target, "setIcon"):
        target.setIcon(icon(meaning, role))


def pixmap(meaning: str, size: int, role: str = "text", ratio: float = 1.0) -> QPixmap:
    from PySide6.QtCore import QSize

    return icon(meaning, role).pixmap(QSize(size, size), ratio)
