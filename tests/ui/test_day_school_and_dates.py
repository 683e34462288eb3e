"""Issue 20, item 4: the school picker stores the 14-digit code of a school picked (or typed) by
name; date fields start empty and refuse typed text that is not a real date."""

from __future__ import annotations

from datetime import date

import pytest
import shiboken6
from PySide6.QtCore import Qt

from clinician_desk.errors import ValidationError
from tests.support.day import SCHOOL, fictional_student
from ui.dialogs.student_dialog import StudentDialog
from ui.widgets.date_field import DateField, parse_date


def _add_dialog(qtbot, window) -> StudentDialog:
    page = window.caseload_page
    page.activate()
    qtbot.waitUntil(lambda: page.model.rowCount() >= 1, timeout=20_000)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    dialog = page.findChild(StudentDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.school_combo.count() == 1, timeout=20_000)
    return dialog


def test_a_school_picked_by_name_is_stored_as_its_code(qtbot, unlocked_window):
    window = unlocked_window
    fictional_student(window)  # the vault now knows Imaginary Oaks Middle
    dialog = _add_dialog(qtbot, window)
    assert dialog.dob_edit.text() == ""  # no 2012-01-01 default
    assert dialog.school_combo.itemText(0) == f"Imaginary Oaks Middle ({SCHOOL})"
    dialog.first_edit.setText("Mocky")
    dialog.last_edit.setText("Dummyworth")
    dialog.buttons.accepted.emit()  # no date of birth typed: refused, nothing lost
    qtbot.waitUntil(lambda: "Date of birth" in dialog.message.text(), timeout=20_000)
    assert dialog.isVisible() and dialog.first_edit.text() == "Mocky"
    dialog.dob_edit.setText("2012-02-30")  # not a real day
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: "not a date" in dialog.message.text(), timeout=20_000)
    dialog.dob_edit.setText("09/14/2011")
    dialog.school_combo.setCurrentIndex(0)  # picked from the list by name
    assert dialog.student_input().school_cds == SCHOOL
    dialog.school_combo.setEditText("imaginary oaks middle")  # typed name of a known school
    assert dialog.student_input().school_cds == SCHOOL
    dialog.buttons.accepted.emit()
    # accepted, closed and deleted (closed dialogs are not kept alive: the soak test)
    qtbot.waitUntil(lambda: not (shiboken6.isValid(dialog) and dialog.isVisible()), timeout=20_000)
    qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)
    qtbot.waitUntil(
        lambda: window.student_page.page.student.display_name.startswith("Mocky"),
        timeout=20_000,
    )
    student = window.student_page.page.student
    assert student.school_cds == SCHOOL and student.date_of_birth == date(2011, 9, 14)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("2012-09-14", date(2012, 9, 14)),
        (" 9/14/2012 ", date(2012, 9, 14)),
        ("02/29/2012", date(2012, 2, 29)),
    ],
)
def test_parse_date_accepts_iso_and_us_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["2012-13-01", "2013-02-29", "14.09.2012", "2012-9-14x", "12/31/12", "tomorrow"]
)
def test_date_field_refuses_what_is_not_a_date(qtbot, text):
    field = DateField("test_date_edit", "Date of birth")
    qtbot.addWidget(field)
    field.setText(text)
    with pytest.raises(ValidationError, match="Date of birth"):
        field.value()
    assert field.text() == text  # nothing typed is lost
