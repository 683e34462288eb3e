"""Choosing and applying the palette: the system's scheme, or the clinician's override.

``apply_theme(app, choice)`` sets the Fusion style (the one Qt style that honours a palette and a
style sheet alike on Windows, macOS and Linux), a ``QPalette`` and the style sheet built from the
chosen ``Palette``, the app icon for every window, and redraws every attached icon. ``choice`` is
``system`` (the default), ``light``, ``dark`` or ``high-contrast`` — kept in the window settings,
never anything about students.

``system`` follows, in this order: a high-contrast desktop (Windows contrast themes via
``SystemParametersInfo``; GNOME's ``high-contrast`` setting or a ``HighContrast`` GTK theme), then
``QStyleHints.colorScheme()`` (dark or light) — and re-applies when the desktop switches.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping

from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from clinician_desk.bundled.paths import resource_path
from ui.theme import icons
from ui.theme.palettes import (
    CHOICES,
    DARK_NAME,
    HIGH_CONTRAST_NAME,
    LIGHT_NAME,
    PALETTES,
    SYSTEM,
    Palette,
)
from ui.theme.state import _state, current_choice, current_palette
from ui.theme.stylesheet import build_stylesheet

__all__ = ["current_choice", "current_palette"]  # re-exported for pages and models

SEMANTIC_KINDS = ("risk", "overdue", "ok")
TEXT_ROLES = ("title", "section", "body", "caption")


def resolve(choice: str, *, dark: bool, high_contrast: bool) -> Palette:
    """The palette for a settings choice given what the desktop asks for."""
    if choice not in CHOICES:
        choice = SYSTEM  # an unknown value in the settings file: follow the system
    if choice != SYSTEM:
        return PALETTES[choice]
    if high_contrast:
        return PALETTES[HIGH_CONTRAST_NAME]
    return PALETTES[DARK_NAME if dark else LIGHT_NAME]


def system_is_dark() -> bool:
    """Whether the desktop asks for a dark scheme.

    Until the desktop reports a change (``colorSchemeChanged``), read from the palette the
    platform gave the application before ours replaced it: Qt builds it from the same scheme, and
    asking ``QStyleHints.colorScheme()`` directly converts a Qt-namespace enum, which builds all
    ~95 of them (~95 ms of cold start)."""
    known = _state.get("system_dark")
    if isinstance(known, bool):
        return known
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return False
    window = QGuiApplication.palette().color(QPalette.ColorRole.Window)
    dark = window.lightness() < 128
    _state["system_dark"] = dark
    return dark


def system_wants_high_contrast(environ: Mapping[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    if "highcontrast" in environ.get("GTK_THEME", "").replace("-", "").lower():
        return True
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return _windows_high_contrast()
    if "GNOME" in environ.get("XDG_CURRENT_DESKTOP", "").upper():  # pragma: no cover
        return _gnome_high_contrast()
    return False


def _windows_high_contrast() -> bool:  # pragma: no cover - Windows only
    import ctypes
    from ctypes import wintypes

    class HIGHCONTRAST(ctypes.Structure):
        _fields_ = (
            ("cbSize", wintypes.UINT),
            ("dwFlags", wintypes.DWORD),
            ("lpszDefaultScheme", wintypes.LPWSTR),
        )

    hc = HIGHCONTRAST()
    hc.cbSize = ctypes.sizeof(HIGHCONTRAST)
    spi_gethighcontrast, hcf_on = 0x0042, 0x00000001
    ok = ctypes.windll.user32.SystemParametersInfoW(  # type: ignore[attr-defined]
        spi_gethighcontrast, hc.cbSize, ctypes.byref(hc), 0
    )
    return bool(ok) and bool(hc.dwFlags & hcf_on)


def _gnome_high_contrast() -> bool:  # pragma: no cover - GNOME only
    try:
        out = subprocess.run(
            ["gsettings", "get", "org.gnome.desktop.a11y.interface", "high-contrast"],
            capture_output=True,
            text=True,
            timeout=2,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return out.strip() == "true"


def qpalette(p: Palette) -> QPalette:
    pal = QPalette()
    role = QPalette.ColorRole
    pairs = {
        role.Window: p.window,
        role.WindowText: p.text,
        role.Base: p.surface,
        role.AlternateBase: p.surface_alt,
        role.Text: p.text,
        role.Button: p.surface,
        role.ButtonText: p.text,
        role.Highlight: p.selection,
        role.HighlightedText: p.on_selection,
        role.ToolTipBase: p.surface,
        role.ToolTipText: p.text,
        role.PlaceholderText: p.muted,
        role.Link: p.accent_text,
        role.LinkVisited: p.accent_text,
        role.BrightText: p.risk,
        role.Light: p.surface,
        role.Midlight: p.surface_alt,
        role.Mid: p.border,
        role.Dark: p.border,
        role.Shadow: p.text,
        role.Accent: p.accent,
    }
    for r, colour in pairs.items():
        pal.setColor(r, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.WindowText, role.Text, role.ButtonText):
        pal.setColor(disabled, r, QColor(p.disabled))
    return pal


def app_icon() -> QIcon:
    return QIcon(str(resource_path("icons", "clinician-desk.svg")))


def apply_theme(app: QApplication, choice: str = SYSTEM) -> Palette:
    """Apply the palette for ``choice`` to the whole application; returns the palette used."""
    palette = resolve(choice, dark=system_is_dark(), high_contrast=system_wants_high_contrast())
    _state["palette"], _state["choice"] = palette, choice if choice in CHOICES else SYSTEM
    base = app.font().pointSizeF()
    sheet = build_stylesheet(palette, base if base > 0 else 10.0)
    if app.styleSheet() == sheet:
        return palette  # already applied: re-polishing every live widget would gain nothing
    if not app.styleSheet() and app.style().name().lower() != "fusion":
        # Once, before any sheet: with a sheet set, app.style() is Qt's style-sheet proxy.
        app.setStyle("Fusion")
    app.setPalette(qpalette(palette))
    app.setStyleSheet(sheet)
    if app.windowIcon().isNull():
        app.setWindowIcon(app_icon())
    for widget in app.allWidgets():
        icons.redraw(widget)
        for action in QWidget.actions(widget):  # a subclass may shadow actions()
            icons.redraw(action)
    _watch_system(app)
    return palette


def _watch_system(app: QApplication) -> None:
    if _state["watching"]:
        return
    hints = QGuiApplication.styleHints()
    if hints is None:
        return
    _state["watching"] = True

    def changed(scheme: object) -> None:
        _state["system_dark"] = getattr(scheme, "name", "") == "Dark"
        if current_choice() == SYSTEM:
            apply_theme(app, SYSTEM)

    hints.colorSchemeChanged.connect(changed)


def _repolish(widget: QWidget) -> None:
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


def set_text_role(label: QLabel, role: str) -> QLabel:
    """Put a label on the type scale (``title``, ``section``, ``body``, ``caption``)."""
    if role not in TEXT_ROLES:
        raise ValueError(f"unknown text role {role!r}")
    label.setProperty("textRole", role)
    _repolish(label)
    return label


def set_semantic(label: QLabel, kind: str | None) -> None:
    """Colour a label for a state (``risk``, ``overdue``, ``ok``) or back to plain (``None``).

    The label's own words say the state; the colour only repeats it (never colour alone)."""
    if kind is not None and kind not in SEMANTIC_KINDS:
        raise ValueError(f"unknown semantic kind {kind!r}")
    if label.property("semantic") == kind:
        return
    label.setProperty("semantic", kind)
    _repolish(label)


def set_invalid(field: QWidget, invalid: bool) -> None:
    """Mark a field whose text cannot be read (a risk-coloured border; the message says why)."""
    if bool(field.property("invalid")) == invalid:
        return
    field.setProperty("invalid", invalid)
    _repolish(field)


def semantic_hex(kind: str) -> str:
    """``#rrggbb`` of a semantic colour, for the few views drawn as HTML."""
    return semantic_colour(kind).name()


def semantic_colour(kind: str) -> QColor:
    """The current palette's colour for ``risk``, ``overdue`` or ``ok`` (for item models)."""
    if kind not in SEMANTIC_KINDS:
        raise ValueError(f"unknown semantic kind {kind!r}")
    return QColor(getattr(current_palette(), kind))


def mark_empty_state(label: QLabel) -> QLabel:
    label.setProperty("emptyState", True)
    label.setWordWrap(True)
    _repolish(label)
    return label
