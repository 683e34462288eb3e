"""The student page's summary strip is as tall as its wrapped words need, at every width: a long
"Latest screening" (an instrument's full title, the result and the trend) wraps onto more lines
and the strip keeps that height when the window is short — the tables below give way (they
scroll) — instead of cutting the last line (docs/screenshots/trend-chart-and-table.png showed it
cut). Fictional words only."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QScrollArea, QTabWidget, QVBoxLayout, QWidget

from ui.pages.student_summary import Fact, StudentSummary

FACTS = [
    Fact("last_session", "Last session", "No sessions yet"),
    Fact("follow_ups", "Follow-ups", "None open", "ok"),
    Fact(
        "screening",
        "Latest screening",
        "Generalized Anxiety Disorder 7-item scale (GAD-7) 2026-10-01: 4 (minimal), "
        "↓ down 4 since 2026-09-15",
    ),
    Fact("referral", "Next referral follow-up", "None scheduled"),
]


@pytest.mark.parametrize("width", [1100, 900, 700, 560])
def test_the_summary_grows_with_its_wrapped_words(qtbot, width: int) -> None:
    # As in the main window: the page in a resizable scroll area (``page_scroll``), the summary
    # above a part with a minimum height (the student page's splitter), a short window.
    scroll = QScrollArea()
    qtbot.addWidget(scroll)
    scroll.setWidgetResizable(True)
    page = QWidget()
    layout = QVBoxLayout(page)
    summary = StudentSummary()
    tabs = QTabWidget()
    tabs.addTab(QWidget(), "Screenings")
    tabs.setMinimumHeight(380)
    layout.addWidget(summary)
    layout.addWidget(tabs, 1)
    scroll.setWidget(page)
    scroll.resize(1400, 500)
    scroll.show()
    qtbot.waitExposed(scroll)
    summary.set_facts(FACTS)  # the words arrive after the page is shown, as from the worker
    QApplication.processEvents()
    scroll.resize(width, 440)
    QApplication.processEvents()
    # A layout never gives a widget less than its minimum: held at what the words need at the
    # strip's width, the strip cannot be cut whatever its parent does.
    assert summary.minimumHeight() >= summary.layout().totalHeightForWidth(summary.width())
    value = summary.cells["screening"][2]
    needed = value.heightForWidth(value.width())
    inside = summary.contentsRect()
    bottom = value.geometry().bottom()
    assert value.height() >= needed and bottom <= inside.bottom(), (
        f"{width}: the words need {needed} px, have {value.height()} (to {bottom} of "
        f"{inside.bottom()})"
    )
