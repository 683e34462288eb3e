"""Issue 20: the screening trend chart writes each score over its dot, names date, score and band
in a tooltip, and the same points are listed in a table beside it (keyboard, screen reader)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QPoint

from clinician_desk.services.screenings.use_cases import AdministrationInput
from tests.support.day import fictional_student
from tests.support.ui import screenshots_dir
from tests.support.visual import layout_problems, settle

SCREENSHOTS = screenshots_dir()


def _gad7(total: int) -> dict[str, int]:
    answers = [min(3, max(0, total - 3 * i)) for i in range(7)]
    assert sum(answers) == total
    return {str(i + 1): a for i, a in enumerate(answers)}


def test_trend_chart_has_values_tooltip_and_table(qtbot, unlocked_window) -> None:
    window = unlocked_window
    sid = fictional_student(window)
    screenings = window.ctx.services.screenings
    for day, total in ((date(2026, 9, 1), 12), (date(2026, 9, 15), 8), (date(2026, 10, 1), 4)):
        window.ctx.tasks.call_db_blocking(
            lambda d=day, t=total: screenings.record(AdministrationInput(sid, "GAD-7", d, _gad7(t)))
        )
    window.open_student(sid)
    page = window.student_page
    qtbot.waitUntil(lambda: page.trend_model.rowCount() == 3, timeout=20_000)
    page.tabs.setCurrentIndex(1)
    chart = page.chart
    assert [v for _d, v in chart.points] == [12.0, 8.0, 4.0]
    rows = [tuple(page.trend_model.index(r, c).data() for c in range(3)) for r in range(3)]
    assert rows[0][:2] == ("2026-09-01", "12") and rows[2][:2] == ("2026-10-01", "4")
    assert all(row[2] for row in rows)  # each score's band in words
    where = chart.positions()[1]
    tip = chart.tooltip_at(QPoint(int(where.x()), int(where.y())))
    assert tip.startswith("2026-09-15: score 8"), tip
    assert chart.tooltip_at(QPoint(1, 1)) == ""
    image = chart.grab().toImage()
    # The score is written above its dot: some text-coloured pixels sit just above the dot.
    above = [
        image.pixelColor(int(where.x()) + dx, int(where.y()) - dy).lightness()
        for dx in range(-4, 5)
        for dy in range(8, 16)
    ]
    assert min(above) < 100, "no value drawn over the point"
    # The summary's words wrap whole above the tabs: a long instrument title in "Latest
    # screening" takes the lines it needs instead of being cut at the strip's height.
    settle(qtbot, window)
    summary = [p for p in layout_problems(window, "trend") if "summary_" in p]
    assert summary == [], summary
    sizes = [(w, h) for w in (1100, 1024, 900, 800) for h in (720, 600, 520)]
    for width, height in sizes:  # narrower windows wrap to more lines, still whole
        window.resize(width, height)
        settle(qtbot, window)
        where = f"{width}x{height} ({window.width()}x{window.height()})"
        summary = [p for p in layout_problems(window, where) if "summary_" in p]
        assert summary == [], summary
    window.resize(1100, window.height())
    settle(qtbot, window)
    page.grab().save(str(SCREENSHOTS / "trend-chart-and-table.png"))
