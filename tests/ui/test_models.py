"""Table models checked with qtmodeltester, plus the caseload's filter, flags and sort."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from PySide6.QtCore import Qt

from clinician_desk.storage.repositories.caseload import CaseloadRow
from ui.models.caseload_model import FLAG_ROLE, ID_ROLE, CaseloadTableModel, caseload_entries
from ui.models.rows_model import ROW_ROLE, RowsTableModel
from ui.pages.caseload_page import CaseloadFilterProxyModel


def overview():
    def row(i, name, grade, last, flags=0, school="99000000000001"):
        return CaseloadRow(
            student_id=i,
            display_name=name,
            grade=grade,
            school_cds=school,
            last_contact=last,
            open_safety_flags=flags,
            consent_basis="parent_consent",
        )

    return SimpleNamespace(
        caseload=(
            row(1, "Testy McFakeface", "7", date(2026, 9, 30)),
            row(2, "Ima Placeholder", "K", None, flags=1),
            row(3, "Nota Realperson", "11", date(2026, 10, 2), school="99000000000002"),
        ),
        safety_flags=(),
        overdue_referrals=(SimpleNamespace(student_id=3),),
        overdue_mandated_reports=(),
        consent_gaps=(SimpleNamespace(student_id=1),),
    )


def test_caseload_model_passes_modeltester_and_joins_flags(qtmodeltester):
    model = CaseloadTableModel()
    model.set_rows(caseload_entries(overview(), {"99000000000001": "Imaginary Oaks"}))
    qtmodeltester.check(model)
    assert model.rowCount() == 3 and model.columnCount() == len(model.COLUMNS)
    school = model.COLUMNS.index("school")
    assert model.index(0, school).data() == "Imaginary Oaks"
    assert model.index(2, school).data() == "99000000000002"
    assert model.index(0, model.FLAGS).data() == "Consent incomplete"
    assert model.index(1, model.FLAGS).data(FLAG_ROLE) == ("Safety follow-up",)
    assert model.index(2, 0).data(ID_ROLE) == 3
    assert model.index(1, model.COLUMNS.index("last_contact")).data() == ""
    model.clear()
    qtmodeltester.check(model)


def test_caseload_proxy_filters_sorts_and_keeps_only_flagged(qtmodeltester):
    model = CaseloadTableModel()
    model.set_rows(caseload_entries(overview()))
    proxy = CaseloadFilterProxyModel()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    proxy.setFilterFixedString("placeholder")
    assert proxy.rowCount() == 1 and proxy.index(0, 0).data() == "Ima Placeholder"
    proxy.setFilterFixedString("")
    proxy.set_only_flagged(True)
    assert proxy.rowCount() == 3 - 0  # all three carry a flag in this overview
    proxy.set_only_flagged(False)
    contact = CaseloadTableModel.COLUMNS.index("last_contact")
    proxy.sort(contact, Qt.SortOrder.DescendingOrder)
    assert proxy.index(0, 0).data() == "Nota Realperson"
    assert proxy.index(2, contact).data() == ""  # no contact sorts last when descending
    proxy.sort(0, Qt.SortOrder.AscendingOrder)
    assert proxy.index(0, 0).data() == "Ima Placeholder"


def test_rows_model_passes_modeltester(qtmodeltester):
    rows = [SimpleNamespace(d=date(2026, 9, d), n=d) for d in (1, 2, 3)]
    model = RowsTableModel(
        [("Date", lambda r: r.d), ("N", lambda r: r.n), ("None", lambda r: None)]
    )
    model.set_rows(rows)
    qtmodeltester.check(model)
    assert model.index(1, 0).data() == "2026-09-02"
    assert model.index(2, 2).data() == ""
    assert model.index(0, 1).data(ROW_ROLE) is rows[0]
    assert model.headerData(1, Qt.Orientation.Horizontal) == "N"


def test_caseload_sort_keeps_the_selection_and_filters_combine(qtmodeltester):
    from PySide6.QtCore import QItemSelectionModel

    model = CaseloadTableModel()
    model.set_rows(caseload_entries(overview()))
    proxy = CaseloadFilterProxyModel()
    proxy.setSourceModel(model)
    selection = QItemSelectionModel(proxy)
    selection.setCurrentIndex(proxy.index(1, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect)
    selected_id = selection.currentIndex().data(ID_ROLE)
    proxy.sort(3, Qt.SortOrder.DescendingOrder)  # by tier, then back by name
    proxy.sort(0, Qt.SortOrder.DescendingOrder)
    assert [proxy.index(i, 0).data() for i in range(3)] == [
        "Testy McFakeface",
        "Nota Realperson",
        "Ima Placeholder",
    ]
    assert selection.currentIndex().data(ID_ROLE) == selected_id  # moved with its row
    model.set_rows(caseload_entries(overview()))  # a reload arrives in the current order
    assert model.index(0, 0).data() == "Testy McFakeface"
    proxy.set_only_flagged(True)
    proxy.setFilterFixedString("REALPERSON")  # case-insensitive, any column
    assert (
        proxy.rowCount() == 1
        and proxy.index(0, CaseloadTableModel.FLAGS).data() == "Referral overdue"
    )
    proxy.setFilterFixedString("imaginary-nothing")
    assert proxy.rowCount() == 0
    proxy.setFilterFixedString("referral")  # the flags column is searched too
    assert proxy.rowCount() == 1
    qtmodeltester.check(proxy)
