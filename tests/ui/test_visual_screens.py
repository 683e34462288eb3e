"""Issue 24: the screens outside the workspace — the first-run setup wizard, the unlock page and
every dialog (``tests/support/dialogs.py``) — get the same checks as the pages.

* Contrast: each is rendered in light, dark and high contrast and every visible text is measured
  from the pixels (≥ 4.5:1, 3:1 for disabled text), as ``test_visual_screenshots.py`` does for
  the pages.
* Scaling: the wizard and the unlock page at 100/125/150/200 % on 1366x768 and 1920x1080 (the
  window at the logical work area, as in ``test_visual_scaling.py``); each dialog at its own size
  and at the smallest work area it is shown in: no widget leaves the dialog, overlaps a sibling
  or clips its text, and the dialog fits the screen. Nothing is excused: no list of known
  exceptions.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from tests.support.dialogs import every_dialog
from tests.support.visual import contrast_problems, layout_problems, scrolled_through
from ui import i18n
from ui.theme.apply import apply_theme

PALETTES = ("light", "dark", "high-contrast")
SCREENS = ((1366, 768), (1920, 1080))
SCALES = (1.0, 1.25, 1.5, 2.0)
TASKBAR = 48


def _areas():
    for w, h in SCREENS:
        for scale in SCALES:
            yield f"{w}x{h}@{int(scale * 100)}%", int(w / scale), int(h / scale) - TASKBAR


def test_setup_wizard_and_unlock_page_in_every_palette_and_scale(qtbot, window, unlocked_window):
    unlocked_window.lock_action.trigger()
    qtbot.waitUntil(lambda: not unlocked_window.ctx.unlocked, timeout=20_000)
    screens = (("setup wizard", window), ("unlock page", unlocked_window))
    found: list[str] = []
    try:
        for palette in PALETTES:
            apply_theme(QApplication.instance(), palette)
            QApplication.processEvents()
            for name, shown in screens:
                found += contrast_problems(shown, f"{name}/{palette}")
    finally:
        apply_theme(QApplication.instance(), "light")
    too_big: set[str] = set()
    for where, width, height in _areas():
        for name, shown in screens:
            shown.resize(width, height)
            QApplication.processEvents()
            if shown.width() > width or shown.height() > height:
                too_big.add(f"{where}/{name}")
            found += layout_problems(shown, f"{where}/{name}")
    assert found == [], "\n".join(found)
    assert too_big == set(), f"window larger than the screen: {too_big}"


def _shown_dialogs(qtbot, window):
    dialogs = list(every_dialog(window.ctx, window))
    for _name, dialog in dialogs:
        dialog.show()
        qtbot.waitExposed(dialog)
    return dialogs


def _close(window, dialogs) -> None:
    for _name, dialog in dialogs:
        dialog.reject()
        dialog.deleteLater()
    window.ctx.tasks.wait_idle(10_000)


@pytest.mark.slow  # 4.5 s quiet, 11 s loaded: every dialog, 3 palettes, scrolling forms scrolled
def test_every_dialog_in_every_palette_and_at_its_size(qtbot, unlocked_window):
    found: list[str] = []
    dialogs = _shown_dialogs(qtbot, unlocked_window)
    try:
        for palette in PALETTES:
            apply_theme(QApplication.instance(), palette)
            QApplication.processEvents()
            for name, dialog in dialogs:
                for _position in scrolled_through(dialog):  # a scrolling form: every part
                    found += contrast_problems(dialog, f"{name}/{palette}")
    finally:
        apply_theme(QApplication.instance(), "light")
    found = list(dict.fromkeys(found))  # a widget shown at two positions is named once
    QApplication.processEvents()
    for name, dialog in dialogs:
        found += layout_problems(dialog, name)
    _close(unlocked_window, dialogs)
    assert found == [], "\n".join(found)


@pytest.fixture(params=["en", "es"])
def language(request):
    i18n.install(request.param)
    i18n.install_qt(request.param)
    try:
        yield request.param
    finally:
        i18n.install("en")
        i18n.install_qt("en")


def test_every_dialog_fits_the_smallest_screen(qtbot, unlocked_window, language):
    """Every dialog, in English and in (longer) Spanish, can shrink to the smallest work area
    (683 x 336 logical px: 1366x768 at 200 %): a form taller than that scrolls
    (``ui.widgets.scrolling_form``) with its buttons outside the scrolling part, so they stay
    visible; nothing is wider than the screen."""
    smallest_h = min(h for _w, _s, h in _areas())
    smallest_w = min(w for _a, w, _h in _areas())
    dialogs = _shown_dialogs(qtbot, unlocked_window)
    too_big = {
        f"{name} {dialog.minimumSizeHint().toTuple()}"
        for name, dialog in dialogs
        if dialog.minimumSizeHint().height() > smallest_h
        or dialog.minimumSizeHint().width() > smallest_w
    }
    squeezed: list[str] = []
    for name, dialog in dialogs:  # at the smallest size too: nothing leaves it or is cut
        dialog.resize(dialog.minimumSizeHint().width(), smallest_h)
        QApplication.processEvents()
        squeezed += layout_problems(dialog, f"{name} at {smallest_w}x{smallest_h}")
    _close(unlocked_window, dialogs)
    assert too_big == set(), f"larger than the smallest screen: {too_big}"
    assert squeezed == [], "\n".join(squeezed)
