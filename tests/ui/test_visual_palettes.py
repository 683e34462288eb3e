"""Issue 24: every page in every palette meets WCAG 2.2 AA, measured on the rendered window.

The palettes' own values are checked pair by pair (text 4.5:1, indicators 3:1); then each page,
filled with the demo generator's fictional data, is rendered in light, dark and high contrast and
the contrast of every visible text widget is measured from the pixels, and the focus ring of each
kind of control is measured as the change between its unfocused and focused pixels.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from tests.support.day import fictional_student
from tests.support.visual import focus_ring_problems, show_page
from ui.theme.apply import apply_theme, resolve
from ui.theme.palettes import (
    DARK,
    HIGH_CONTRAST,
    LIGHT,
    PALETTES,
    Palette,
    contrast_ratio,
    shortfalls,
)


@pytest.mark.parametrize("name", sorted(PALETTES))
def test_palette_pairs_meet_wcag_aa(name: str) -> None:
    assert shortfalls(PALETTES[name]) == []


def test_the_contrast_arithmetic_is_wcag_s() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#fff", "#ffffff") == pytest.approx(1.0)
    with pytest.raises(ValueError, match="not a #rrggbb"):
        contrast_ratio("red", "#ffffff")


def test_a_palette_below_aa_is_reported() -> None:
    grey = Palette(**{**LIGHT.__dict__, "name": "weak", "muted": "#9aa0a6", "focus": "#c8d0da"})
    found = shortfalls(grey)
    assert any("muted on window" in line for line in found)
    assert any("focus on surface" in line for line in found)


def test_system_choice_follows_the_desktop() -> None:
    assert resolve("system", dark=False, high_contrast=False) is LIGHT
    assert resolve("system", dark=True, high_contrast=False) is DARK
    assert resolve("system", dark=False, high_contrast=True) is HIGH_CONTRAST
    assert resolve("light", dark=True, high_contrast=True) is LIGHT  # the override wins
    assert resolve("no-such-theme", dark=True, high_contrast=False) is DARK


@pytest.mark.slow  # ~10 s: three palette switches re-polish every widget
def test_focus_rings_show_in_every_palette(qtbot, unlocked_window):
    """Every page's text contrast is measured in tests/ui/test_visual_screenshots.py (while
    rendering the pictures); here the focus ring of each kind of control, in each palette."""
    window = unlocked_window
    student = fictional_student(window)
    show_page(qtbot, window, "student", student)
    page = window.student_page
    controls = [
        window.header.lock_button,  # a push button
        window.header.tool_buttons[0],  # a tool button
        page.new_note_button,
        page.instrument_combo,
    ]
    problems: list[str] = []
    try:
        for name in ("light", "dark", "high-contrast"):
            window.set_appearance(name)
            show_page(qtbot, window, "student", student)
            for control in controls:
                if control.isVisible() and control.isEnabled():
                    found = focus_ring_problems(qtbot, window, control)
                    problems += [f"{name}: {p}" for p in found]
            # The sidebar: a ring on the current item, not an outline of the whole sidebar.
            nav = window.nav
            item = nav.visualItemRect(nav.currentItem())
            item.moveTopLeft(nav.viewport().mapTo(window, item.topLeft()))
            problems += [
                f"{name}: {p}" for p in focus_ring_problems(qtbot, window, nav, ring_on=item)
            ]
            show_page(qtbot, window, "sync", student)
            problems += [
                f"{name}: {p}"
                for p in focus_ring_problems(qtbot, window, window.sync_page.code_edit)
            ]
    finally:
        apply_theme(QApplication.instance(), "light")
    assert problems == [], "\n".join(problems)


def test_the_focus_check_fails_a_ring_that_does_not_contrast(qtbot):
    from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

    window = QWidget()
    qtbot.addWidget(window)
    button = QPushButton("Fictional action")
    other = QPushButton("Other")
    layout = QVBoxLayout(window)
    layout.addWidget(button)
    layout.addWidget(other)
    # A "ring" in nearly the border colour: the kind of focus style the check must refuse.
    window.setStyleSheet(
        "QWidget { background: #ffffff; } QPushButton { border: 1px solid #7c8695; }"
        "QPushButton:focus { border: 1px solid #7d8796; }"
    )
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    assert focus_ring_problems(qtbot, window, button) != []
    window.setStyleSheet(
        "QWidget { background: #ffffff; } QPushButton { border: 1px solid #7c8695; padding: 1px; }"
        "QPushButton:focus { border: 2px solid #1d5ea8; padding: 0px; }"
    )
    assert focus_ring_problems(qtbot, window, button) == []


def test_the_contrast_check_measures_what_is_drawn(qtbot):
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    from tests.support.visual import contrast_problems

    window = QWidget()
    qtbot.addWidget(window)
    pale = QLabel("Pale fictional words, hard to read")
    pale.setObjectName("pale_label")
    dark = QLabel("Dark fictional words, easy to read")
    dark.setObjectName("dark_label")
    layout = QVBoxLayout(window)
    layout.addWidget(pale)
    layout.addWidget(dark)
    window.setStyleSheet(
        "QWidget { background: #ffffff; } #pale_label { color: #a8a8a8; }"
        " #dark_label { color: #1b2430; }"
    )
    window.show()
    qtbot.waitExposed(window)
    found = contrast_problems(window, "probe")
    assert len(found) == 1 and "pale_label" in found[0]


# ~1 s alone, up to ~9 s late in a full run: each switch re-polishes every live widget.
@pytest.mark.slow
def test_following_the_system_switches_when_the_desktop_does(qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication

    from ui.theme.apply import current_palette

    app = QApplication.instance()
    hints = QGuiApplication.styleHints()
    try:
        apply_theme(app, "system")
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert current_palette() is DARK
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert current_palette() is LIGHT
        apply_theme(app, "high-contrast")  # an override ignores the desktop's switches
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert current_palette() is HIGH_CONTRAST
    finally:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
        apply_theme(app, "system")
    assert current_palette() is LIGHT
