"""Destroying a record from the student page: the button appears only for an eligible record,
and the dialog destroys only after the student number is typed."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt

from clinician_desk.domain.students import StudentInput
from tests.support.ui import grab, problems


def _student(window, last: str, born: date, ended: date | None) -> int:
    services = window.ctx.services

    def make() -> int:
        sid = services.record.create_student(
            StudentInput(
                legal_first_name="Imaginary",
                legal_last_name=last,
                date_of_birth=born,
                grade="12",
                school_cds="99123450000001",
                consent_basis="parent_consent",
            ),
            school_name="Pretend High (fictional)",
        )
        if ended is not None:
            services.record.end_services(sid, ended)
        return sid

    return window.ctx.tasks.call_db_blocking(make)


def _open(qtbot, window, sid: int) -> None:
    window.student_page.page = None
    window.open_student(sid)
    qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)
    window.ctx.tasks.wait_idle(10_000)
    qtbot.wait(50)


def test_destroy_button_only_when_eligible_and_typed_confirmation(
    qtbot, unlocked_window, artifacts_dir
):
    from ui.dialogs.retention_dialog import RetentionDialog

    window = unlocked_window
    page = window.student_page
    current = _student(window, "Keepington", date(2011, 4, 1), None)
    old = _student(window, "Longago", date(2000, 2, 2), date(2018, 6, 30))

    _open(qtbot, window, current)
    assert not page.destroy_button.isVisible()
    _open(qtbot, window, old)
    qtbot.waitUntil(page.destroy_button.isVisible, timeout=20_000)

    qtbot.mouseClick(page.destroy_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(RetentionDialog)
    assert dialog is not None and dialog.isVisible()
    assert problems(dialog) == []
    assert "2025-06-30" in dialog.findChild(object, "retention_explain_label").text()
    assert not dialog.destroy_button.isEnabled()
    dialog.confirm_edit.setText(str(current))  # another student's number: still refused
    assert not dialog.destroy_button.isEnabled()
    dialog.confirm_edit.setText(str(old))
    assert dialog.destroy_button.isEnabled()
    grab(dialog, artifacts_dir, "60_retention_dialog")

    finished: list[int] = []  # the dialog deletes itself on close: watch its signal instead
    dialog.finished.connect(finished.append)
    qtbot.mouseClick(dialog.destroy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(finished), timeout=20_000)
    qtbot.waitUntil(lambda: "Destroyed record" in page.header.text(), timeout=20_000)
    window.ctx.tasks.wait_idle(10_000)
    qtbot.wait(50)
    assert not page.destroy_button.isVisible()
    assert "Longago" not in page.profile.toPlainText()
    grab(window, artifacts_dir, "61_student_after_destruction")
