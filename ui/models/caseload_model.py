"""Table model of the caseload: frozen rows from the record service's caseload overview.

``caseload_entries(overview)`` joins the active caseload with the overview's flag lists (open
safety follow-up, overdue referral or mandated-report follow-up, incomplete consent
documentation) into ``CaseloadEntry`` rows with the flags in words; ``set_rows`` replaces the
whole list (model reset); rows are never edited here. Columns: student, school, grade, tier, last
contact, flags; ``FLAG_ROLE`` returns them as a tuple and ``ID_ROLE`` the student id for navigation.
Sorting and searching are done by a ``QSortFilterProxyModel`` over this model (``SORT_ROLE``
gives sortable values: dates as ISO text, tiers as numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from ui.i18n import _
from ui.models.rows_model import Index, RowsTableModel

ID_ROLE = Qt.ItemDataRole.UserRole + 1
FLAG_ROLE = Qt.ItemDataRole.UserRole + 2
SORT_ROLE = Qt.ItemDataRole.UserRole + 3


@dataclass(frozen=True)
class CaseloadEntry:
    """One caseload row with its flags already put into words (built on the GUI thread)."""

    student_id: int
    name: str
    school: str
    grade: str
    tier: int | None
    last_contact: str
    flags: tuple[str, ...]


def caseload_entries(
    overview: Any, school_names: dict[str, str] | None = None
) -> list[CaseloadEntry]:
    """Join the caseload with the overview's flag lists (safety, referral, report, consent)."""
    names = school_names or {}
    safety = {r.student_id for r in overview.safety_flags}
    referrals = {r.student_id for r in overview.overdue_referrals}
    reports = {r.student_id for r in overview.overdue_mandated_reports}
    consent = {r.student_id for r in overview.consent_gaps}
    out = []
    for row in overview.caseload:
        flags = []
        if row.open_safety_flags or row.student_id in safety:
            flags.append(_("Safety follow-up"))
        if row.student_id in referrals:
            flags.append(_("Referral overdue"))
        if row.student_id in reports:
            flags.append(_("Report follow-up overdue"))
        if row.student_id in consent:
            flags.append(_("Consent incomplete"))
        out.append(
            CaseloadEntry(
                student_id=row.student_id,
                name=row.display_name,
                school=row.school_name or names.get(row.school_cds, row.school_cds),
                grade=row.grade,
                tier=row.tier,
                last_contact=row.last_contact.isoformat() if row.last_contact else "",
                flags=tuple(flags),
            )
        )
    return out


class CaseloadTableModel(RowsTableModel):
    """The shared frozen-rows model (``ui.models.rows_model``) plus caseload roles: sortable
    values, the student id, the flags as a tuple and the flags column in red."""

    COLUMNS = ("student", "school", "grade", "tier", "last_contact", "flags")

    def __init__(self, parent: Any = None) -> None:
        headers = (
            _("Student"),
            _("School"),
            _("Grade"),
            _("Tier"),
            _("Last contact"),
            _("Flags"),
        )
        super().__init__(
            [
                (h, partial(self._value, column=c))
                for h, c in zip(headers, self.COLUMNS, strict=True)
            ],
            parent,
        )

    @staticmethod
    def _value(row: CaseloadEntry, column: str) -> Any:
        if column == "student":
            return row.name
        if column == "flags":
            return ", ".join(row.flags)
        return getattr(row, column)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = self.COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            value = self._value(row, column)
            return "" if value is None else str(value)
        if role == SORT_ROLE:
            if column == "tier":
                return row.tier or 0
            if column == "flags":
                return len(row.flags)
            return str(self._value(row, column)).casefold()
        if role == ID_ROLE:
            return row.student_id
        if role == FLAG_ROLE:
            return row.flags
        if role == Qt.ItemDataRole.ForegroundRole and column == "flags" and row.flags:
            return QBrush(QColor("#b71c1c"))
        if role == Qt.ItemDataRole.ToolTipRole and column == "flags":
            return "\n".join(row.flags) or None
        return None
