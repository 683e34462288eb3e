"""Table model of the caseload: frozen rows from the record service's caseload overview.

``caseload_entries(overview)`` joins the active caseload with the overview's flag lists (open
safety follow-up, overdue referral or mandated-report follow-up, incomplete consent
documentation) into ``CaseloadEntry`` rows with the flags in words; ``set_rows`` replaces the
whole list (model reset); rows are never edited here. Each entry carries its display texts, sort
keys and a case-folded search text, computed when it is built — on the database worker — so the
GUI thread only indexes tuples: a 10,000-student caseload resets, sorts (``sort`` orders the
Python list by the precomputed keys, no ``data()`` call per comparison) and filters in
milliseconds. Columns: student, school, grade, tier, last
contact, flags; ``FLAG_ROLE`` returns them as a tuple and ``ID_ROLE`` the student id for navigation.
Filtering is done here too (:meth:`CaseloadTableModel.set_filter`, one list comprehension over
the search texts): the page's ``QSortFilterProxyModel`` only passes rows through and hands
sorting and filtering down. A Python ``filterAcceptsRow`` was called once per row on every
reload — 10,000 calls, ~14 ms of GUI thread even with no filter typed (docs/decisions/0113).
``rowCount`` counts the rows shown; ``total()`` and ``rows()`` the whole caseload. (``SORT_ROLE``
still gives the sortable values: dates as ISO text, tiers as numbers.)
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QIcon

from ui.i18n import _
from ui.models.rows_model import CellLook, Index, RowsTableModel
from ui.theme import icons
from ui.theme.apply import current_palette, semantic_colour

ID_ROLE = Qt.ItemDataRole.UserRole + 1
FLAG_ROLE = Qt.ItemDataRole.UserRole + 2
SORT_ROLE = Qt.ItemDataRole.UserRole + 3
# plain ints: comparing an int role with these is much cheaper than with enum members
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_DECORATION = int(Qt.ItemDataRole.DecorationRole.value)


class CaseloadEntry(NamedTuple):
    """One caseload row with its flags in words, display texts, sort keys and search text.

    A tuple of strings and numbers on purpose: the garbage collector stops tracking such
    tuples, so 10,000 rows do not lengthen the full collections that pause every thread (a
    collection run by the worker while it builds the rows holds the GIL and stalls the GUI).
    Build with :func:`caseload_entry`."""

    student_id: int
    name: str
    school: str
    grade: str
    tier: int | None
    last_contact: str
    flags: tuple[str, ...]
    born: str
    number: str
    display: tuple[str, ...]
    keys: tuple[Any, ...]
    haystack: str


_GRADE_ORDER = {g: i for i, g in enumerate(("TK", "K", *(str(n) for n in range(1, 13))))}


def grade_order(grade: str) -> int:
    """Sort key in school order: TK, K, 1 … 12 (not as text: 1, 10, 11, 12, 2 …)."""
    return _GRADE_ORDER.get(grade.strip().upper(), len(_GRADE_ORDER))


def caseload_entry(
    student_id: int,
    name: str,
    school: str,
    grade: str,
    tier: int | None,
    last_contact: str,
    flags: tuple[str, ...],
    born: str = "",
    number: str = "",
) -> CaseloadEntry:
    display = (
        name,
        born,
        number,
        school,
        grade,
        "" if tier is None else str(tier),
        last_contact,
        ", ".join(flags),
    )
    keys = (
        name.casefold(),
        born,
        number.casefold(),
        school.casefold(),
        grade_order(grade),
        tier or 0,
        last_contact,
        len(flags),
    )
    return CaseloadEntry(
        student_id,
        name,
        school,
        grade,
        tier,
        last_contact,
        flags,
        born,
        number,
        display,
        keys,
        "\x00".join(display).casefold(),
    )


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
            caseload_entry(
                row.student_id,
                row.display_name,
                row.school_name or names.get(row.school_cds, row.school_cds),
                row.grade,
                row.tier,
                row.last_contact.isoformat() if row.last_contact else "",
                tuple(flags),
                row.date_of_birth.isoformat() if row.date_of_birth else "",
                row.student_number,
            )
        )
    return out


def sort_entries(rows: list[CaseloadEntry], order: tuple[int, bool]) -> list[CaseloadEntry]:
    """Sort ``rows`` in place (stable) by column ``order[0]`` (descending if ``order[1]``); a
    column out of range leaves them as they are. The model's own sort, and the caseload
    worker's (so a reload of 10,000 rows is not sorted on the GUI thread, issue 23)."""
    column, descending = order
    if 0 <= column < len(CaseloadTableModel.COLUMNS):
        rows.sort(key=lambda r: r.keys[column], reverse=descending)
    return rows


class CaseloadTableModel(RowsTableModel):
    """The shared frozen-rows model (``ui.models.rows_model``) plus caseload roles: sortable
    values, the student id, the flags as a tuple and the flags column in red. Keeps its rows in
    the current sort order (``sort``), so a reload arrives already sorted."""

    COLUMNS = (
        "student",
        "born",
        "student_number",
        "school",
        "grade",
        "tier",
        "last_contact",
        "flags",
    )
    FLAGS = COLUMNS.index("flags")
    SCHOOL = COLUMNS.index("school")

    def __init__(self, parent: Any = None) -> None:
        headers = (
            _("Student"),
            _("Born"),
            _("Student ID"),
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
        self._sort_column = -1
        self._descending = False
        self._all: list[CaseloadEntry] = []  # every row, in sort order; _rows: those shown
        self._needle = ""
        self._only_flagged = False
        self._flag_look: tuple[str, QBrush, QIcon] | None = None  # per palette

    @staticmethod
    def _value(row: CaseloadEntry, column: str) -> Any:
        return row.display[CaseloadTableModel.COLUMNS.index(column)]

    def order(self) -> tuple[int, bool]:
        """The sort order: (column, descending); column -1 when unsorted."""
        return self._sort_column, self._descending

    def _sorted(self, rows: list[CaseloadEntry]) -> list[CaseloadEntry]:
        return sort_entries(rows, self.order())

    def _shown(self) -> list[CaseloadEntry]:
        if not self._needle and not self._only_flagged:
            return list(self._all)
        needle, flagged = self._needle, self._only_flagged
        return [
            r
            for r in self._all
            if (not flagged or r.flags) and (not needle or needle in r.haystack)
        ]

    def set_rows(self, rows: Any, *, sorted_by: tuple[int, bool] | None = None) -> None:
        """Show ``rows``; ``sorted_by`` is the order they arrive in (``sort_entries`` on the
        worker): the model sorts them only if its own order differs."""
        self.beginResetModel()
        self._all = list(rows) if sorted_by == self.order() else self._sorted(list(rows))
        self._rows = self._shown()
        self.endResetModel()

    def rows(self) -> list[Any]:
        """Every row of the caseload (filtered out or not), in the model's order (a copy)."""
        return list(self._all)

    def total(self) -> int:
        return len(self._all)

    def set_filter(self, needle: str, only_flagged: bool) -> None:
        """Show the rows whose search text holds ``needle`` (case-folded) and, if
        ``only_flagged``, that carry a flag (a model reset: the number of rows changes)."""
        self.beginResetModel()
        self._needle, self._only_flagged = needle.casefold(), only_flagged
        self._rows = self._shown()
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the rows by the precomputed keys (stable, like Qt's own sort)."""
        self._sort_column = column
        self._descending = order == Qt.SortOrder.DescendingOrder
        self._sorted(self._all)
        self._relayout()

    def _relayout(self) -> None:
        """Reorder the shown rows (same rows, new order), moving persistent indexes (selection)
        with their rows."""
        self.layoutAboutToBeChanged.emit()
        persistent = [i for i in self.persistentIndexList() if i.isValid()]
        anchored = [(self._rows[i.row()], i.column()) for i in persistent]
        self._rows = self._shown()
        if persistent:
            where = {id(row): n for n, row in enumerate(self._rows)}
            self.changePersistentIndexList(
                persistent,
                [self.index(where[id(row)], col) for row, col in anchored],
            )
        self.layoutChanged.emit()

    def _flag_style(self) -> tuple[str, QBrush, QIcon]:
        palette = current_palette()
        if self._flag_look is None or self._flag_look[0] != palette.name:
            self._flag_look = (
                palette.name,
                QBrush(semantic_colour("risk")),
                icons.icon("risk", "risk"),
            )
        return self._flag_look

    def fit_sample(self, rows: int) -> list[list[tuple[str, bool]]] | None:
        """The shown rows' display texts; the flags column has the icon on flagged rows."""
        sample = self._rows[: max(rows, 0)]
        return [
            [(row.display[c], c == self.FLAGS and bool(row.flags)) for row in sample]
            for c in range(len(self.COLUMNS))
        ]

    def cell_text(self, row: int, column: int) -> str | CellLook | None:
        """The shown row's display text; a flags cell with flags has the risk colour and icon
        too, as ``data()`` gives them (every imported student lacking consent is flagged: the
        roster's caseload paints a flags cell on every row)."""
        if not 0 <= row < len(self._rows) or not 0 <= column < len(self.COLUMNS):
            return None
        entry: CaseloadEntry = self._rows[row]
        if column == self.FLAGS and entry.flags:
            _name, brush, icon = self._flag_style()
            return CellLook(entry.display[column], brush, icon)
        return entry.display[column]

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        row_number = index.row()
        if not 0 <= row_number < len(self._rows) or not index.isValid():
            return None
        row = self._rows[row_number]
        if role == _DISPLAY or role == _ACCESSIBLE:
            return row.display[index.column()]
        column = index.column()
        if role == SORT_ROLE:
            return row.keys[column]
        if role == ID_ROLE:
            return row.student_id
        if role == FLAG_ROLE:
            return row.flags
        if column == self.FLAGS and row.flags and role in (_FOREGROUND, _DECORATION):
            # The flags' words, the risk colour and the risk icon: never colour alone.
            _name, brush, icon = self._flag_style()
            return brush if role == _FOREGROUND else icon
        if role == _TOOLTIP and column == self.FLAGS:
            return "\n".join(row.flags) or None
        if role == _TOOLTIP and column == self.SCHOOL:  # narrowed to fit the flags (0152)
            return row.display[column] or None
        return None
