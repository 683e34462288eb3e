"""Add a signed, time-stamped addendum to a signed note (``services.record.add_addendum``).

The core refuses an addendum to a draft and an empty one, with a message the dialog shows
without closing. The addendum is signed as it is saved, so the dialog asks for confirmation.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.errors import ClinicianDeskError
from ui.context import UiContext
from ui.focus import tab_moves_focus
from ui.i18n import _
from ui.widgets.confirm import ask


class AddendumDialog(QDialog):
    addendum_added = Signal()

    def __init__(self, ctx: UiContext, note_id: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addendum_dialog")
        self.setWindowTitle(_("Add addendum"))
        self.ctx = ctx
        self.note_id = note_id
        explain = QLabel(
            _("The signed note stays as it is. The addendum is signed and time-stamped now.")
        )
        explain.setWordWrap(True)
        self.body_edit = QPlainTextEdit()
        tab_moves_focus(self.body_edit)
        self.body_edit.setObjectName("addendum_plain_text_edit")
        self.body_edit.setAccessibleName(_("Addendum text"))
        self.message = QLabel()
        self.message.setObjectName("addendum_message_label")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(_("Sign addendum"))
        ok.setObjectName("sign_addendum_button")
        ok.setAccessibleName(_("Sign addendum"))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("cancel_addendum_button")
        cancel.setAccessibleName(_("Cancel"))
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addWidget(self.body_edit)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

    def submit(self) -> None:
        body = self.body_edit.toPlainText()
        if not ask(
            self, _("Sign addendum"), _("Sign this addendum now? It cannot be changed."), _("Sign")
        ):
            return
        services = self.ctx.require_services()
        note_id = self.note_id
        self.buttons.setEnabled(False)
        self.ctx.tasks.run_db(
            lambda _c: services.record.add_addendum(note_id, body),
            context=self,
            on_done=self._done,
            on_error=self._failed,
            name="addendum",
        )

    def _done(self, _addendum_id: Any) -> None:
        self.addendum_added.emit()
        self.accept()

    def _failed(self, exc: ClinicianDeskError) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(exc.message)
