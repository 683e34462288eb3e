"""Issue 20: wrong-student risk. Two fictional students share a name: the caseload shows each one's
birth date and student ID, the Student column fits the longest name (also past the rows sampled
to fit widths), and a group session's participant picker filters as one types and tells the
two apart."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt

from clinician_desk.domain.students import StudentInput
from tests.support.day import SCHOOL, fictional_student
from tests.support.ui import screenshots_dir

SCREENSHOTS = screenshots_dir()
LONG = "Maximiliana-Fictionalia"


def _student(window, first: str, born: date, number: str) -> int:
    services = window.ctx.services
    return window.ctx.tasks.call_db_blocking(
        lambda: services.record.create_student(
            StudentInput(
                legal_first_name=first,
                legal_last_name="McFakeface",
                date_of_birth=born,
                grade="7",
                school_cds=SCHOOL,
                consent_basis="parent_consent",
                district_student_number=number,
            ),
            school_name="Imaginary Oaks Middle",
        )
    )


def test_caseload_tells_same_names_apart_and_fits_names(qtbot, unlocked_window) -> None:
    window = unlocked_window
    _student(window, "Jamie", date(2012, 3, 4), "100201")
    _student(window, "Jamie", date(2013, 5, 6), "100202")
    for i in range(45):  # the long name sorts last, past the rows sampled to fit widths
        fictional_student(window, f"Aa{i:02d}")
    _student(window, LONG, date(2012, 7, 8), "100299")
    page = window.caseload_page
    page.activate()
    model = page.model
    qtbot.waitUntil(lambda: model.rowCount() == 48, timeout=20_000)
    assert window.ctx.tasks.wait_idle()  # the columns are fitted a turn after the rows
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert "Born" in headers and "Student ID" in headers
    jamies = [e for e in model.rows() if e.name.startswith("Jamie")]
    assert {(e.born, e.number) for e in jamies} == {
        ("2012-03-04", "100201"),
        ("2013-05-06", "100202"),
    }
    table = page.table
    longest = next(e.name for e in model.rows() if e.name.startswith(LONG))
    assert table.columnWidth(0) >= table.fontMetrics().horizontalAdvance(longest)
    flags = model.FLAGS
    assert table.columnWidth(0) > 0 and table.columnWidth(flags) < table.viewport().width() / 2


def test_group_picker_filters_and_shows_birth_date_and_id(qtbot, unlocked_window) -> None:
    window = unlocked_window
    lead = _student(window, "Robin", date(2012, 1, 1), "100300")
    _student(window, "Jamie", date(2012, 3, 4), "100201")
    _student(window, "Jamie", date(2013, 5, 6), "100202")
    for name in ("Casey", "Drew", "Emery"):
        fictional_student(window, name)
    window.caseload_page.activate()
    qtbot.waitUntil(lambda: window.caseload_page.model.rowCount() == 6, timeout=20_000)
    window.open_student(lead)
    qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)
    window.new_note(lead)
    form = window.note_page.form
    form.kind_combo.setCurrentIndex(form.kind_combo.findData("group"))
    assert form.group_search_edit.isVisible()
    listed = [form.group_list.item(i) for i in range(form.group_list.count())]
    jamies = [i.text() for i in listed if i.text().startswith("Jamie")]
    assert len(jamies) == 2 and jamies[0] != jamies[1]
    assert any("2013-05-06" in t and "100202" in t for t in jamies)

    def shown() -> list[str]:
        return [i.text() for i in listed if not i.isHidden()]

    qtbot.keyClicks(form.group_search_edit, "jamie")
    assert len(shown()) == 2
    form.group_search_edit.setText("jamie 2013")
    assert shown() == [t for t in jamies if "2013" in t]
    next(i for i in listed if not i.isHidden()).setCheckState(Qt.CheckState.Checked)
    window.note_page.grab().save(str(SCREENSHOTS / "group-participant-picker.png"))
    form.group_search_edit.setText("casey")  # the ticked student stays listed
    assert len(shown()) == 2 and any("2013" in t for t in shown())
    form.group_search_edit.clear()
    assert len(shown()) == 5
    chosen = form.others_present()
    assert len(chosen) == 1
