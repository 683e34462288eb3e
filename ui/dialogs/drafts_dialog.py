"""Drafts: every unsigned note in the vault, to continue and sign (File ▸ Drafts…, Ctrl+Shift+D).

Loads ``services.record.draft_notes`` (who, session date, service — no note text) on the database
worker. "Continue" (or activating a row) reopens the chosen note in the note editor, where it
can be finished and signed. A note stays here until it is signed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QTableView, QVBoxLayout, QWidget

from clinician_desk.bundled.taxonomy import load_taxonomy
from ui.context import UiContext
from ui.i18n import _
from ui.models.rows_model import ROW_ROLE, RowsTableModel
from ui.widgets.buttons import dialog_buttons, named_button
from ui.widgets.tables import configure_table, fit_columns


def service_label(code: str) -> str:
    """The service's name from the taxonomy (the code itself if the taxonomy does not know it).

    Called per table cell on the GUI thread (the student page's sessions): no import statement
    in here — each one goes through PySide6's import hook (docs/decisions/0111)."""
    service = load_taxonomy().services.get(code)
    return _(service.name) if service is not None else code


class DraftsDialog(QDialog):
    draft_chosen = Signal(int)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drafts_dialog")
        self.setWindowTitle(_("Drafts — notes not yet signed"))
        self.resize(640, 360)
        self.ctx = ctx
        self.model = RowsTableModel(
            [
                (_("Student"), lambda d: d.student_display_name or _("No student")),
                (_("Session date"), lambda d: d.session_date),
                (_("Service"), lambda d: service_label(d.service_code)),
            ],
            self,
        )
        self.table = configure_table(QTableView(), "drafts_table_view", _("Unsigned notes"))
        self.table.setModel(self.model)
        self.status = QLabel()
        self.status.setObjectName("drafts_status_label")
        self.continue_button = named_button("continue_draft_button", _("Continue"))
        self.close_button = named_button("close_drafts_button", _("Close"))
        self.continue_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(
            dialog_buttons(
                "drafts_button_box",
                default=self.continue_button,
                accept=self.continue_button,
                reject=self.close_button,
            )
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.table.activated.connect(self._chosen)
        self.table.doubleClicked.connect(self._chosen)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _prev: self.continue_button.setEnabled(current.isValid())
        )
        self.continue_button.clicked.connect(lambda: self._chosen(self.table.currentIndex()))
        self.close_button.clicked.connect(self.reject)
        self.reload()

    def reload(self) -> None:
        services = self.ctx.services
        if services is None:
            return
        self.ctx.tasks.run_db(
            lambda _c: services.record.draft_notes(),
            context=self,
            on_done=self._loaded,
            name="drafts",
        )

    def _loaded(self, drafts: Any) -> None:
        self.model.set_rows(drafts)
        fit_columns(self.table)
        if drafts:
            self.status.setText(_("{n} unsigned note(s)").format(n=len(drafts)))
            self.table.selectRow(0)
            self.table.setCurrentIndex(self.model.index(0, 0))
        else:
            self.status.setText(_("No unsigned notes: every note is signed."))

    def _chosen(self, index: Any) -> None:
        draft = index.data(ROW_ROLE) if index.isValid() else None
        if draft is not None:
            self.draft_chosen.emit(draft.note_id)
            self.accept()
