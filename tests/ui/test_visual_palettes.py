"""Issue 24: every page in every palette meets WCAG 2.2 AA, measured on the rendered window.

The palettes' own values are checked pair by pair (text 4.5:1, indicators 3:1); then each page,
filled with the demo generator's fictional data, is rendered in light, dark and high contrast and
the contrast of every visible text widget is measured from the pixels, and the focus ring of each
kind of control is measured as the change between its unfocused and focused pixels.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from tests.support.visual import (
    PAGES,
    contrast_problems,
    fill_demo,
    first_student_id,
    focus_ring_problems,
    show_page,
)
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


@pytest.mark.slow
def test_every_page_in_every_palette_is_readable_and_shows_focus(qtbot, unlocked_window):
    window = unlocked_window
    window.resize(1280, 800)
    fill_demo(window)
    student = first_student_id(window)
    app = QApplication.instance()
    problems: list[str] = []
    try:
        for name in ("light", "dark", "high-contrast"):
            window.set_appearance(name)
            for page in PAGES:
                show_page(qtbot, window, page, student)
                problems += contrast_problems(window, f"{name}/{page}")
            show_page(qtbot, window, "student", student)
            page = window.student_page
            controls = [window.header.lock_button, window.nav]
            controls += [b for b in page.findChildren(type(window.header.lock_button))][:3]
            for control in controls:
                if control.isVisible() and control.isEnabled():
                    problems += [
                        f"{name}: {p}" for p in focus_ring_problems(qtbot, window, control)
                    ]
    finally:
        apply_theme(app, "light")
    assert problems == [], "\n".join(problems)
