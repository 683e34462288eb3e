"""Global search over notes, addenda and student names (Ctrl+F).

Runs ``services.record.search`` (FTS5 inside the encrypted database, prefix matching, ranked)
on the database worker as the clinician types (debounced 250 ms); psychotherapy notes are
searched only when the box is ticked. Results are frozen rows in a table; activating one opens
that student's page. Nothing typed here is stored or logged.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.errors import ClinicianDeskError
from ui.context import UiContext
from ui.i18n import N_, _
from ui.models.rows_model import ROW_ROLE, RowsTableModel
from ui.widgets.buttons import dialog_buttons, named_button
from ui.widgets.tables import configure_table, fit_columns

KIND_TEXT = {
    "student": N_("Student"),
    "note": N_("Note"),
    "addendum": N_("Addendum"),
    "psychotherapy": N_("Psychotherapy note"),
}


class NoteSearchDialog(QDialog):
    student_chosen = Signal(object)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("note_search_dialog")
        self.setWindowTitle(_("Search notes"))
        self.resize(720, 420)
        self.ctx = ctx
        self.query_edit = QLineEdit()
        self.query_edit.setObjectName("search_query_line_edit")
        self.query_edit.setAccessibleName(_("Search"))
        self.query_edit.setPlaceholderText(_("Words from notes, addenda or names…"))
        self.process_check = QCheckBox(_("Include psychotherapy notes"))
        self.process_check.setObjectName("include_psychotherapy_check_box")
        self.process_check.setAccessibleName(_("Include psychotherapy notes"))
        self.model = RowsTableModel(
            [
                (_("Student"), lambda h: h.student_display_name),
                (_("Found in"), lambda h: _(KIND_TEXT.get(h.kind, h.kind))),
                (_("Text"), lambda h: h.snippet),
            ],
            self,
        )
        self.table = configure_table(QTableView(), "search_results_table_view", _("Search results"))
        self.table.setModel(self.model)
        self.status = QLabel()
        self.status.setObjectName("search_status_label")
        top = QHBoxLayout()
        top.addWidget(self.query_edit, 1)
        top.addWidget(self.process_check)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.close_button = named_button("close_search_button", _("Close"))
        self.close_button.clicked.connect(self.reject)
        layout.addWidget(self.status)
        layout.addWidget(
            # No default: Enter in the search box searches, it does not close the dialog.
            dialog_buttons("search_button_box", default=None, reject=self.close_button)
        )
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.run_search)
        self.query_edit.textChanged.connect(lambda _t: self._debounce.start())
        self.process_check.toggled.connect(lambda _c: self._debounce.start())
        self.table.activated.connect(self._chosen)
        self.table.doubleClicked.connect(self._chosen)

    def run_search(self) -> None:
        query = self.query_edit.text().strip()
        services = self.ctx.services
        if not query or services is None:
            self.model.clear()
            self.status.clear()
            return
        include = self.process_check.isChecked()
        self.ctx.tasks.run_db(
            lambda _c: services.record.search(query, include_psychotherapy=include),
            context=self,
            on_done=self._results,
            on_error=self._failed,
            name="search",
        )

    def _results(self, hits: Any) -> None:
        self.model.set_rows(hits)
        fit_columns(self.table)
        self.status.setText(_("{n} result(s)").format(n=len(hits)))

    def _failed(self, exc: ClinicianDeskError) -> None:
        self.model.clear()
        self.status.setText(exc.message)

    def _chosen(self, index: Any) -> None:
        hit = index.data(ROW_ROLE)
        if hit is not None and hit.student_id is not None:
            self.student_chosen.emit(hit.student_id)
            self.accept()
