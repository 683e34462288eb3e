"""The screening trend chart follows the palette: its bands, frame, line and values are drawn in
the palette's colours, and each band keeps the palette's text readable (≥ 4.5:1) and the line
visible (≥ 3:1), measured from the rendered pixels in light, dark and high contrast."""

from __future__ import annotations

import itertools
from datetime import date

import numpy as np
import pytest
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication

from ui.theme.apply import apply_theme
from ui.theme.palettes import PALETTES, contrast_ratio
from ui.widgets.trend_chart import TrendChartWidget


@pytest.mark.parametrize("name", sorted(PALETTES))
def test_trend_chart_bands_follow_the_palette(qtbot, name: str) -> None:
    app = QApplication.instance()
    palette = apply_theme(app, name)
    try:
        chart = TrendChartWidget()
        qtbot.addWidget(chart)
        chart.resize(420, 260)
        # Five bands (PHQ-9's 5/10/15/20); the points stay in the lowest band, so each band's
        # middle is plain fill.
        chart.set_series(
            "PHQ-9", [(date(2026, 9, 1), 2.0), (date(2026, 10, 1), 3.0)], 27, [5, 10, 15, 20]
        )
        image = chart.grab().toImage()
        plot = chart._plot(QFontMetrics(chart.font()))
        edges = [0.0, 5.0, 10.0, 15.0, 20.0, 27.0]
        found = []
        for low, high in itertools.pairwise(edges):
            middle = (low + high) / 2
            y = int(plot.bottom() - middle / chart.maximum * plot.height())
            x = int(plot.left() + plot.width() * 0.75)
            pixel = image.pixelColor(x, y)
            rgb = (pixel.red(), pixel.green(), pixel.blue())
            text = contrast_ratio(palette.text, rgb)
            line = contrast_ratio(palette.accent_text, rgb)
            if text < 4.5 or line < 3.0:
                found.append(f"band {low:g}–{high:g} {rgb}: text {text:.2f}:1, line {line:.2f}:1")
        # The chart is not a light picture on a dark page: its background is the palette's.
        corner = image.pixelColor(image.width() - 2, image.height() - 2)
        background = np.array([corner.red(), corner.green(), corner.blue()])
        assert contrast_ratio(palette.surface, tuple(int(c) for c in background)) < 1.1
        assert found == [], f"{name}:\n" + "\n".join(found)
    finally:
        apply_theme(app, "light")
