"""Helpers of the clinician's-day UI tests (issue 20): a fictional student, a started note,
unlocking again."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt

from clinician_desk.domain.students import StudentInput
from tests.support.ui import PASSPHRASE

SCHOOL = "99123450000001"


def fictional_student(window, first: str = "Testy") -> int:
    services = window.ctx.services
    return window.ctx.tasks.call_db_blocking(
        lambda: services.record.create_student(
            StudentInput(
                legal_first_name=first,
                legal_last_name="McFakeface",
                date_of_birth=date(2012, 2, 2),
                grade="8",
                school_cds=SCHOOL,
                consent_basis="parent_consent",
            ),
            school_name="Imaginary Oaks Middle",
        )
    )


def start_note(qtbot, window, student_id: int, plan: str) -> int:
    window.open_student(student_id)
    qtbot.waitUntil(
        lambda: (
            window.student_page.page is not None
            and window.student_page.page.student.id == student_id
        ),
        timeout=20_000,
    )
    window.new_note(student_id)
    editor = window.note_page
    qtbot.waitUntil(lambda: editor.start_button.isEnabled(), timeout=20_000)
    qtbot.mouseClick(editor.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.tabs.count() == 1, timeout=20_000)
    editor.current_note().editors["plan"].setPlainText(plan)
    return editor.current_note().note_id


def unlock(qtbot, window) -> None:
    window.unlock_page.passphrase_edit.setText(PASSPHRASE)
    window.unlock_page.try_unlock()
    qtbot.waitUntil(lambda: window.ctx.unlocked, timeout=20_000)
