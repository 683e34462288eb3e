"""Issue 20, the last items: one time format on screens and in prints, the service picker in
plain words, the add-student dialog without a dead parameter, and restoring a backup from the
lock screen (a vault that will not open). All data is fictional."""

from __future__ import annotations

import inspect
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest


@pytest.fixture
def pacific(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_printed_documents_and_screens_write_times_one_way(pacific) -> None:
    from clinician_desk.reports.clinical import fmt_time
    from ui.times import shown_time

    summer, winter = datetime(2026, 9, 14, 17, 5, tzinfo=UTC), "2026-12-01T17:05:00Z"
    assert fmt_time(summer) == shown_time(summer) == "2026-09-14 10:05 PDT"
    assert fmt_time(winter) == shown_time(winter) == "2026-12-01 09:05 PST"
    # A zone without an abbreviation is written as its offset from UTC.
    assert fmt_time(summer, ZoneInfo("America/Sao_Paulo")) == "2026-09-14 14:05 UTC-03:00"
    assert fmt_time(summer, ZoneInfo("UTC")) == "2026-09-14 17:05 UTC"


def test_service_picker_shows_plain_names_with_the_code_as_a_tooltip(qtbot) -> None:
    from PySide6.QtCore import Qt

    from ui.widgets.session_form import SessionFormWidget

    form = SessionFormWidget(datetime(2026, 10, 6).date())
    qtbot.addWidget(form)
    combo = form.service_combo
    index = combo.findData("TX-IND")
    assert combo.itemText(index) == "Individual therapy"
    assert combo.itemData(index, Qt.ItemDataRole.ToolTipRole) == "TX-IND"
    for i in range(combo.count()):
        code = combo.itemData(i)
        assert code not in combo.itemText(i), combo.itemText(i)
    combo.setCurrentIndex(combo.findData("CM-COORD"))
    assert "CM-COORD" in combo.toolTip()


def test_add_student_dialog_takes_no_school_names() -> None:
    from ui.dialogs.student_dialog import StudentDialog

    assert "schools" not in inspect.signature(StudentDialog).parameters
