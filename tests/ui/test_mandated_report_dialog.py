"""Mandated reports from the student page: the event only, the 36-hour deadline counted down."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QTextEdit

from tests.support.ui import grab, open_fictional_student, problems


def _open(qtbot, window):
    from ui.dialogs.mandated_report_dialog import MandatedReportDialog

    page = window.student_page
    page.record_actions.mandated_report_action.trigger()
    dialog = page.findChild(MandatedReportDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def _status(dialog, row=0):
    return dialog.model.index(row, 3).data()


def test_phone_report_deadline_countdown_overdue_then_follow_up_sent(
    qtbot, unlocked_window, clock, artifacts_dir
):
    window = unlocked_window
    open_fictional_student(qtbot, window, last="Reportwell")
    dialog = _open(qtbot, window)
    assert problems(dialog) == []
    # Only the event is kept: no free-text field where report content could be typed.
    assert dialog.findChildren(QPlainTextEdit) == [] and dialog.findChildren(QTextEdit) == []
    assert [
        e
        for e in dialog.findChildren(QLineEdit)
        if e.isVisible() and not e.isReadOnly() and e.parentWidget() is dialog
    ] == []
    assert "not kept" in dialog.findChild(object, "mandated_report_explain_label").text()
    phoned = clock.now() - timedelta(hours=2)
    dialog.phone_edit.setDateTime(QDateTime(phoned.astimezone()))
    assert "34 h 0 min left" in dialog.deadline_label.text()
    due_local = (phoned + timedelta(hours=36)).astimezone().strftime("%Y-%m-%d %H:%M")
    assert due_local in dialog.deadline_label.text()
    dialog.agency_combo.setCurrentIndex(dialog.agency_combo.findData("law_enforcement"))
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=20_000)
    assert dialog.model.row_at(0).agency == "law_enforcement"
    assert _status(dialog) == "34 h 0 min left" and not dialog.model.is_flagged(0)
    profile = window.student_page.profile
    qtbot.waitUntil(lambda: "34 h 0 min left" in profile.toPlainText(), timeout=20_000)
    grab(dialog, artifacts_dir, "43_mandated_report_dialog")

    clock.advance(35 * 3600)  # the written follow-up is now an hour late
    dialog.refresh_times()
    assert _status(dialog) == "OVERDUE by 1 h 0 min" and dialog.model.is_flagged(0)
    assert dialog.overdue_rows() == [dialog.model.row_at(0)]
    grab(dialog, artifacts_dir, "44_mandated_report_overdue")

    dialog.table.selectRow(0)
    assert dialog.sent_button.isEnabled()
    dialog.sent_edit.setDateTime(QDateTime(clock.now().astimezone()))
    qtbot.mouseClick(dialog.sent_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: dialog.model.rowCount() == 1 and dialog.model.row_at(0).status == "follow_up_sent",
        timeout=20_000,
    )
    assert _status(dialog) == "Written follow-up sent" and not dialog.model.is_flagged(0)
    assert not dialog.sent_button.isEnabled()
    qtbot.waitUntil(lambda: "Written follow-up sent" in profile.toPlainText(), timeout=20_000)
    dialog.reject()


def test_a_phone_report_in_the_future_is_refused_and_the_form_kept(qtbot, unlocked_window, clock):
    window = unlocked_window
    student_id = open_fictional_student(qtbot, window, last="Futuretime")
    dialog = _open(qtbot, window)
    later = QDateTime((clock.now() + timedelta(hours=3)).astimezone())
    dialog.phone_edit.setDateTime(later)
    dialog.agency_combo.setCurrentIndex(dialog.agency_combo.findData("probation"))
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "in the future" in dialog.message.text(), timeout=20_000)
    assert dialog.isVisible() and dialog.record_button.isEnabled()
    assert dialog.phone_edit.dateTime() == later
    assert dialog.agency_combo.currentData() == "probation"
    page = window.ctx.tasks.call_db_blocking(
        lambda: window.ctx.services.record.student_page(student_id)
    )
    assert page.mandated_reports == ()


def test_a_follow_up_before_the_phone_report_is_refused(qtbot, unlocked_window, clock):
    window = unlocked_window
    open_fictional_student(qtbot, window, last="Backwards")
    dialog = _open(qtbot, window)
    dialog.phone_edit.setDateTime(QDateTime((clock.now() - timedelta(hours=1)).astimezone()))
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=20_000)
    dialog.table.selectRow(0)
    dialog.sent_edit.setDateTime(QDateTime((clock.now() - timedelta(hours=5)).astimezone()))
    qtbot.mouseClick(dialog.sent_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "predate" in dialog.message.text(), timeout=20_000)
    assert dialog.model.row_at(0).status == "follow_up_pending" and dialog.sent_button.isEnabled()
