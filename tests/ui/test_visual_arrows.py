"""Combo boxes' drop-down arrows show in every palette, as spin boxes' do (docs/visual-system.md):
drawn as the heavy chevron in the palette's text colour (black or white), on the alternate
surface inside the field's border — not Qt's hairline grey triangle, thin in high contrast.

Measured on the rendered control: inside the drop-down button, the pixels at full text strength
(at least 80 % of the text's own contrast against the button's background) must form a mark. A
grey triangle has none of them; the chevron has a stroke of them."""

from __future__ import annotations

from collections import Counter

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QSpinBox,
    QStyle,
    QStyleOptionComboBox,
    QStyleOptionSpinBox,
    QVBoxLayout,
    QWidget,
)

from ui.theme.apply import apply_theme
from ui.theme.palettes import PALETTES, contrast_ratio, parse_hex

MIN_MARK = 8  # pixels at full text strength: a chevron's stroke (Qt's triangle has none)


def _full_strength(widget: QWidget, rect: QRect, text: str) -> int:
    """Pixels inside ``rect`` (less its border) whose contrast against the area's background
    (its commonest colour) is at least 80 % of the text colour's against that background."""
    image = widget.grab().toImage()
    ratio = image.devicePixelRatio()
    pixels = [
        image.pixelColor(int(x * ratio), int(y * ratio)).getRgb()[:3]
        for x in range(rect.left() + 2, rect.right() - 1)
        for y in range(rect.top() + 1, rect.bottom())
    ]
    background = Counter(pixels).most_common(1)[0][0]
    strong = 0.8 * contrast_ratio(parse_hex(text), background)
    return sum(1 for rgb in pixels if contrast_ratio(rgb, background) >= strong)


@pytest.mark.parametrize("name", sorted(PALETTES))
def test_combo_arrows_are_drawn_like_spin_arrows_in_every_palette(qtbot, name: str) -> None:
    palette = PALETTES[name]
    app = QApplication.instance()
    apply_theme(app, name)
    try:
        window = QWidget()
        qtbot.addWidget(window)
        combo = QComboBox()
        combo.addItems(["Moderate risk", "Low risk"])
        spin = QSpinBox()
        layout = QVBoxLayout(window)
        layout.addWidget(combo)
        layout.addWidget(spin)
        window.show()
        qtbot.waitExposed(window)
        style = combo.style()
        option = QStyleOptionComboBox()
        combo.initStyleOption(option)
        arrow = style.subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxArrow, combo
        )
        spin_option = QStyleOptionSpinBox()
        spin.initStyleOption(spin_option)
        down = style.subControlRect(
            QStyle.ComplexControl.CC_SpinBox, spin_option, QStyle.SubControl.SC_SpinBoxDown, spin
        )
        combo_mark = _full_strength(combo, arrow, palette.text)
        spin_mark = _full_strength(spin, down, palette.text)
        assert combo_mark >= MIN_MARK, f"{name}: the combo box's arrow has {combo_mark} pixels"
        assert combo_mark >= spin_mark > 0  # at least as strong as the spin box's chevron
    finally:
        apply_theme(app, "light")
