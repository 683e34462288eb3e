"""Issue 20, item 3: a student's record can be corrected and consent recorded, with the core's
rules and an audit entry."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from clinician_desk.domain.students import Guardian, StudentInput
from tests.support.ui import screenshots_dir
from ui.dialogs.student_dialog import StudentDialog

SCHOOL = "99123450000001"
SCREENSHOTS = screenshots_dir()


def _rostered_student(window) -> int:
    services = window.ctx.services
    return window.ctx.tasks.call_db_blocking(
        lambda: services.record.create_student(
            StudentInput(
                legal_first_name="Testy",
                legal_last_name="McFakeface",
                date_of_birth=date(2012, 1, 1),
                grade="7",
                school_cds=SCHOOL,
                guardians=(
                    Guardian("Pat Fictional", "parent", "555-0100", is_primary=True),
                    Guardian("Sam Fictional", "aunt", "555-0101"),
                ),
            ),
            school_name="Imaginary Oaks Middle",
        )
    )


def _open_editor(qtbot, window, sid: int) -> StudentDialog:
    window.open_student(sid)
    page = window.student_page
    qtbot.waitUntil(lambda: page.page is not None and page.edit_button.isEnabled(), timeout=20_000)
    assert "consent basis not recorded" in page.profile.toPlainText()
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.findChild(StudentDialog) is not None, timeout=20_000)
    dialog = page.findChild(StudentDialog)
    assert dialog.isVisible() and dialog.windowTitle() == "Edit student"
    return dialog


def test_edit_student_corrects_the_record_and_records_consent(qtbot, unlocked_window):
    window = unlocked_window
    sid = _rostered_student(window)
    dialog = _open_editor(qtbot, window, sid)
    assert dialog.first_edit.text() == "Testy" and dialog.grade_combo.currentData() == "7"
    assert dialog.guardian_name_edit.text() == "Pat Fictional"
    dialog.grade_combo.setCurrentIndex(dialog.grade_combo.findData("8"))
    dialog.dob_edit.set_date(date(2011, 9, 14))
    dialog.language_edit.setText("es")
    dialog.guardian_phone_edit.setText("555-0199")
    dialog.consent_combo.setCurrentIndex(dialog.consent_combo.findData("minor_consent"))
    dialog.buttons.accepted.emit()  # minor consent without HSC 124260(c) documentation
    qtbot.waitUntil(lambda: "124260(c)" in dialog.message.text(), timeout=20_000)
    assert dialog.isVisible()  # refused, nothing typed is lost
    dialog.contact_reason_edit.setText("Contact would put the student at risk (fictional).")
    dialog.handout_combo.setCurrentIndex(dialog.handout_combo.findData("student_authorization"))
    dialog.handout_date_edit.set_date(date(2026, 10, 1))
    dialog.resize(dialog.sizeHint())  # the whole form, as on a screen tall enough (it scrolls)
    QApplication.processEvents()
    assert dialog.grab().save(str(SCREENSHOTS / "edit-student-dialog.png"))
    finished: list[int] = []  # the dialog deletes itself on close: watch its signal instead
    dialog.finished.connect(finished.append)
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: bool(finished), timeout=20_000)
    page = window.student_page
    qtbot.waitUntil(lambda: "Grade 8" in page.header.text(), timeout=20_000)
    assert window.ctx.tasks.wait_idle()  # the header comes first; the profile a turn later
    profile = page.profile.toPlainText()
    assert "2011-09-14" in profile and "consent basis not recorded" not in profile
    assert "written authorization of 2026-10-01" in profile
    services = window.ctx.services
    stored = window.ctx.tasks.call_db_blocking(lambda: services.record.student_for_edit(sid))
    assert stored.language == "es" and stored.consent_basis == "minor_consent"
    assert {g.name: g.phone for g in stored.guardians} == {
        "Pat Fictional": "555-0199",
        "Sam Fictional": "555-0101",  # the second guardian is kept as stored
    }
    audit = window.ctx.tasks.call_db_blocking(
        lambda: services.record.db.conn.execute(
            "SELECT details FROM audit_log WHERE action = 'student.changed'"
        ).fetchall()
    )
    assert len(audit) == 1
    for name in ("grade", "date_of_birth", "consent_basis", "handout_basis"):
        assert name in audit[0][0]
