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


def backup_between_two_students(window, dest) -> int:
    """Add a student "Before", back the vault up to ``dest``, add a student "After"; returns
    the id of "Before" (the only student a restore of ``dest`` brings back)."""
    from clinician_desk.services.vault_care import backup_vault

    services = window.ctx.services
    before = fictional_student(window, "Before")
    window.ctx.tasks.call_db_blocking(lambda: backup_vault(services.db, services.paths, dest))
    fictional_student(window, "After")
    return before


def restore_in_open_dialog(qtbot, window, dest) -> str:
    """Fill the open restore dialog with ``dest`` and the fictional passphrase, say yes, and
    wait for the lock screen to report the restore; returns what it says."""
    from ui.widgets import confirm

    dialog = window.restore_dialog
    dialog.path_edit.setText(str(dest))
    dialog.passphrase_edit.setText(PASSPHRASE)
    confirm.set_next_answers(True)
    dialog.submit()
    label = window.unlock_page.message_label
    qtbot.waitUntil(lambda: "Restored the backup" in label.text(), timeout=30_000)
    return label.text()
