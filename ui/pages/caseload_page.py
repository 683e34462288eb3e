"""The caseload: a searchable, sortable table of the clinician's students with flags.

Rows come from the record service's caseload query, run on the database worker whenever the page
is shown or a record event arrives; the rows' display texts, sort keys and search text are built
there too, so a reload of 10,000 students costs the GUI thread tens of milliseconds (see
``ui.models.caseload_model``). Typing in the filter box narrows the table (any column,
case-insensitive) through a ``QSortFilterProxyModel``; clicking a header sorts; "Only flagged"
keeps rows with at least one flag. Double-click or Enter opens the student page; "Add student…"
opens the student dialog.
"""

from __future__ import annotations

import heapq
from typing import Any

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.context import UiContext
from ui.gc_pause import paused_gc
from ui.i18n import _, ngettext
from ui.models.caseload_model import (
    FLAG_ROLE,
    ID_ROLE,
    CaseloadTableModel,
    caseload_entries,
    sort_entries,
)
from ui.models.rows_model import CellLook
from ui.theme.tokens import SPACE_S
from ui.widgets.empty_state import BusyHint, EmptyState
from ui.widgets.tables import SAMPLE_ROWS, configure_table, fit_columns


def load_entries(services: Any, order: tuple[int, bool] = (-1, False)) -> list[Any]:
    """Worker: the caseload as display-ready entries, sorted in ``order`` (the model's, as
    ``CaseloadTableModel.order()`` gives it: sorting 10,000 rows was part of the GUI thread's
    longest stall after a roster import, issue 23), with the cyclic GC paused (building 10,000
    rows would start a full collection that holds the GIL and stalls the GUI thread; see
    ``ui.gc_pause``)."""
    with paused_gc():
        return sort_entries(caseload_entries(services.record.caseload()), order)


class CaseloadFilterProxyModel(QSortFilterProxyModel):
    """Passes the caseload through; sorting and filtering are handed to the source model
    (``CaseloadTableModel.sort`` / ``set_filter``: one ``list.sort`` on precomputed keys, one
    comprehension over precomputed search texts). Qt's own proxy sort and column filter would
    call ``data()`` per comparison and per cell, and a Python ``filterAcceptsRow`` is called per
    row on every reload — on 10,000 students, from 14 ms to seconds of GUI thread."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.only_flagged = False
        self._needle = ""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if source is not None:
            source.sort(column, order)

    def fit_sample(self, rows: int) -> list[list[tuple[str, bool]]] | None:
        """The source's (this proxy passes its rows through in the source's order)."""
        source: Any = self.sourceModel()
        return None if source is None else source.fit_sample(rows)

    def cell_text(self, row: int, column: int) -> str | CellLook | None:
        """The source's (for ``TextCellDelegate``; rows pass through in the source's order)."""
        source: Any = self.sourceModel()
        return None if source is None else source.cell_text(row, column)

    def setFilterFixedString(self, pattern: str) -> None:
        self._needle = pattern
        self._apply()

    def set_only_flagged(self, value: bool) -> None:
        self.only_flagged = value
        self._apply()

    def _apply(self) -> None:
        source: Any = self.sourceModel()
        if source is not None:
            source.set_filter(self._needle, self.only_flagged)


def participant_label(entry: Any) -> str:
    """ "Avery McFakeface — born 2012-02-02 · ID 100234" (the parts that are known)."""
    parts = []
    if entry.born:
        parts.append(_("born {date}").format(date=entry.born))
    if entry.number:
        parts.append(_("ID {number}").format(number=entry.number))
    return f"{entry.name}\n{' · '.join(parts)}" if parts else entry.name


class CaseloadPage(QWidget):
    student_opened = Signal(object)
    import_requested = Signal()  # the empty state's "Import a roster…"
    enroll_requested = Signal()  # the empty state's "Enroll with the county…"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseload_page")
        self.title = _("Caseload")
        self.ctx = ctx
        self.model = CaseloadTableModel(self)
        self.proxy = CaseloadFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("caseload_filter_line_edit")
        self.filter_edit.setAccessibleName(_("Filter the caseload"))
        self.filter_edit.setPlaceholderText(_("Filter by name, school, grade, flag…"))
        self.filter_edit.setClearButtonEnabled(True)
        self.flagged_check = QCheckBox(_("Only flagged"))
        self.flagged_check.setObjectName("only_flagged_check_box")
        self.flagged_check.setAccessibleName(_("Only flagged students"))
        self.add_button = QPushButton(_("Add student…"))
        self.add_button.setObjectName("add_student_button")
        self.add_button.setAccessibleName(_("Add student"))
        self.handoff_button = QPushButton(_("Hand off…"))
        self.handoff_button.setObjectName("handoff_students_button")
        self.handoff_button.setAccessibleName(_("Hand off the selected students"))
        self.table = configure_table(QTableView(), "caseload_table_view", _("Caseload"))
        self.table.setSelectionMode(QTableView.SelectionMode.ExtendedSelection)  # for handoff
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.count_label = QLabel()
        self.count_label.setObjectName("caseload_count_label")
        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.flagged_check)
        top.addWidget(self.add_button)
        top.addWidget(self.handoff_button)
        self.busy = BusyHint("caseload", _("Loading the caseload…"))
        self.empty_state = EmptyState(
            "caseload",
            "caseload",
            _("No students yet"),
            _(
                "Add the students you see, one by one or from the school's roster export. "
                "To send the county its monthly service counts, enroll this laptop once."
            ),
        )
        self.empty_state.add_action("empty_add_student_button", _("Add a student…"), "add-student")
        self.empty_state.add_action("empty_import_roster_button", _("Import a roster…"), "import")
        self.empty_state.add_action("empty_enroll_button", _("Enroll with the county…"), "sync")
        self.empty_state.finish()
        self.empty_state.setVisible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.busy)
        layout.addWidget(self.empty_state, 1)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        self.empty_state.next_steps[0].clicked.connect(self.add_student)
        self.empty_state.next_steps[1].clicked.connect(self.import_requested)
        self.empty_state.next_steps[2].clicked.connect(self.enroll_requested)
        self.filter_edit.textChanged.connect(self._filter)
        self.flagged_check.toggled.connect(self._flagged)
        self.table.doubleClicked.connect(self._open_index)
        self.table.activated.connect(self._open_index)
        self.add_button.clicked.connect(self.add_student)
        self.handoff_button.clicked.connect(self.hand_off)

    def activate(self) -> None:
        services = self.ctx.services
        if services is None:
            return
        self.busy.start()
        order = self.model.order()
        self.ctx.tasks.run_db(
            lambda _c: load_entries(services, order),
            context=self,
            on_done=lambda rows: self._loaded(rows, order),
            on_error=lambda _exc: self.busy.stop(),
            name="caseload",
        )

    def _loaded(self, rows: Any, order: tuple[int, bool] | None = None) -> None:
        self.busy.stop()
        first = self.model.total() == 0
        self.model.set_rows(rows, sorted_by=order)
        self._update_count()
        if first:  # a reload keeps the widths (fitted once, or set by the clinician)
            # on later event-loop turns: the reset's layout and first paint of a 10,000-row
            # roster and the fits were one stall (issue 23, docs/decisions/0131)
            self.ctx.tasks.run_steps(
                [lambda: fit_columns(self.table), self._fit_names, self._fit_flags_in_view],
                context=self,
                name="caseload-fit",
                first_now=False,
            )

    def _fit_names(self) -> None:
        """The Student column fits the longest name of every row, not of the fitted sample."""
        names = heapq.nlargest(25, (e.name for e in self.model.rows()), key=len)
        metrics = self.table.fontMetrics()
        widest = max((metrics.horizontalAdvance(n) for n in names), default=0) + 24
        if self.table.columnWidth(0) < widest:
            self.table.setColumnWidth(0, widest)

    def _fit_flags_in_view(self) -> None:
        """The Flags column fits the widest flags of every row and stays inside the table's
        view (decision 0152): when the fitted columns are wider than the table, the others give
        room — first the header's room for a sort arrow beyond their text, then the School
        column (its cells' tooltip is the full name) down to its header's width."""
        table, model = self.table, self.model
        header = table.horizontalHeader()
        metrics, header_metrics = table.fontMetrics(), header.fontMetrics()
        flags, school = model.FLAGS, model.COLUMNS.index("school")
        texts = {entry.display[flags] for entry in model.rows() if entry.flags}
        if texts:
            widest = max(texts, key=metrics.horizontalAdvance)
            sample = next(
                (
                    model.index(r, flags)
                    for r in range(model.rowCount())
                    if model.index(r, flags).data(FLAG_ROLE)
                ),
                None,
            )
            if sample is not None:
                pad = table.sizeHintForIndex(self.proxy.mapFromSource(sample)).width()
                pad -= metrics.horizontalAdvance(str(sample.data()))
                needed = metrics.horizontalAdvance(widest) + pad
                if table.columnWidth(flags) < needed:
                    table.setColumnWidth(flags, needed)
        layout = self.layout()
        if layout is None:
            return
        margins = layout.contentsMargins()
        view = self.width() - margins.left() - margins.right() - 2 * table.frameWidth()
        view -= table.verticalScrollBar().sizeHint().width()
        columns = range(model.columnCount())
        excess = sum(table.columnWidth(c) for c in columns) - view
        if excess <= 0 or view <= 0:
            return
        cell_pad = 2 * SPACE_S  # what a cell adds around its text (measured: ~11 px)
        header_room = 2 * SPACE_S + 16  # the header's padding and margins, without the arrow
        rows = min(model.rowCount(), SAMPLE_ROWS)
        for column in sorted(columns, key=lambda c: c == school):  # School last
            if column in (0, flags) or excess <= 0:
                continue
            title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
            text = max(
                (
                    metrics.horizontalAdvance(str(model.index(r, column).data() or ""))
                    for r in range(rows)
                ),
                default=0,
            )
            floor = max(header_metrics.horizontalAdvance(title) + header_room, text + cell_pad)
            if column == school:
                floor = header_metrics.horizontalAdvance(title) + header_room
            give = min(excess, table.columnWidth(column) - floor)
            if give > 0:
                table.setColumnWidth(column, table.columnWidth(column) - give)
                excess -= give

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self._update_count()

    def _flagged(self, checked: bool) -> None:
        self.proxy.set_only_flagged(checked)
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.total()
        empty = total == 0 and self.ctx.unlocked
        self.empty_state.setVisible(empty)
        for widget in (
            self.table,
            self.count_label,
            self.filter_edit,
            self.flagged_check,
            self.add_button,  # the empty state offers it first
        ):
            widget.setVisible(not empty)
        self.count_label.setText(
            ngettext("{shown} of {total} student", "{shown} of {total} students", total).format(
                shown=shown, total=total
            )
        )

    def _open_index(self, index: QModelIndex) -> None:
        student_id = index.sibling(index.row(), 0).data(ID_ROLE)
        if student_id is not None:
            self.student_opened.emit(student_id)

    def add_student(self) -> None:
        from ui.dialogs.student_dialog import StudentDialog

        dialog = StudentDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # not kept by the page
        dialog.student_saved.connect(self._student_added)
        dialog.open()

    def _student_added(self, student_id: object) -> None:
        self.activate()
        self.student_opened.emit(student_id)

    def selected_students(self) -> list[tuple[int, str]]:
        """(id, name) of the students selected in the table, in table order."""
        out: list[tuple[int, str]] = []
        for index in sorted(self.table.selectionModel().selectedRows(), key=lambda i: i.row()):
            row = self.model.row_at(self.proxy.mapToSource(index).row())
            out.append((row.student_id, row.name))
        return out

    def hand_off(self) -> None:
        from ui.dialogs.handoff_export_dialog import HandoffExportDialog

        chosen = self.selected_students()
        if not chosen:
            return
        dialog = HandoffExportDialog(self.ctx, chosen, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # not kept by the page
        dialog.open()

    def group_candidates(self) -> list[tuple[int, str]]:
        """(id, label) of every caseload student, for a group session's attendance list; the
        label has the birth date and student ID, so two students of one name differ."""
        return [(e.student_id, participant_label(e)) for e in self.model.rows()]

    def clear(self) -> None:
        self.busy.stop()
        self.empty_state.setVisible(False)
        self.model.clear()
        self.filter_edit.clear()
        self.count_label.clear()
