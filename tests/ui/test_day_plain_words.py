"""Issue 20, item 5 (part): plain words and school order — service names instead of codes on the
student page, no developer text when a safety follow-up is incomplete, grades sorted TK, K, 1…12."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.support.day import fictional_student, start_note
from ui.dialogs.safety_workflow_dialog import SafetyWorkflowDialog
from ui.models.caseload_model import CaseloadTableModel, caseload_entry
from ui.pages.caseload_page import CaseloadFilterProxyModel


def test_caseload_sorts_grades_in_school_order(qtbot):
    model = CaseloadTableModel()
    grades = ["10", "2", "K", "12", "1", "TK", "9", "11"]
    model.set_rows(
        [
            caseload_entry(i, f"Student {i}", "Imaginary Oaks", g, None, "", ())
            for i, g in enumerate(grades)
        ]
    )
    proxy = CaseloadFilterProxyModel()
    proxy.setSourceModel(model)
    grade = CaseloadTableModel.COLUMNS.index("grade")
    proxy.sort(grade, Qt.SortOrder.AscendingOrder)
    order = [proxy.index(r, grade).data() for r in range(proxy.rowCount())]
    assert order == ["TK", "K", "1", "2", "9", "10", "11", "12"]
    proxy.sort(grade, Qt.SortOrder.DescendingOrder)
    descending = [proxy.index(r, grade).data() for r in range(proxy.rowCount())]
    assert descending[:3] == ["12", "11", "10"]


def test_student_page_shows_service_names_not_codes(qtbot, unlocked_window):
    window = unlocked_window
    sid = fictional_student(window)
    start_note(qtbot, window, sid, "Plan (fictional).")
    window.open_student(sid)
    page = window.student_page
    qtbot.waitUntil(lambda: page.sessions_model.rowCount() == 1, timeout=20_000)
    code = page.sessions_model.row_at(0).service_code
    shown = page.sessions_model.index(0, 1).data()
    assert shown != code and "-" not in shown.split()[0]
    assert shown == "Individual therapy"


def test_incomplete_safety_follow_up_is_explained_in_plain_words(qtbot, unlocked_window):
    window = unlocked_window
    sid = fictional_student(window)
    dialog = SafetyWorkflowDialog(window.ctx, sid, 1, None, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    text = dialog.message.text()
    assert "Choose the risk outcome" in text
    for developer_word in ("none_identified", "must be one of", "_"):
        assert developer_word not in text
