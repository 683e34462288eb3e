""" "Hand back to the clinician": the passphrase check that ends a kiosk screening early.

While a student answers a screening the window shows only the questions (see
``ui.main_window``). Leaving before the last question needs the clinician: this dialog checks the
passphrase against the vault's own passphrase slot (``clinician_desk.vault.unlock_vault`` on the
worker, with the vault's usual attempt counting and backoff) and wipes the key it gets back.
Nothing typed is stored. The lock screen (Ctrl+L) is the other way out.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QVBoxLayout, QWidget

from clinician_desk.errors import ClinicianDeskError
from ui.context import UiContext
from ui.i18n import _
from ui.widgets.buttons import dialog_buttons, named_button


class ClinicianCheckDialog(QDialog):
    verified = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clinician_check_dialog")
        self.setWindowTitle(_("Clinician only"))
        self.ctx = ctx
        self._busy = False
        text = QLabel(
            _(
                "To leave the screening before its last question, the clinician enters the "
                "vault passphrase. The answers given so far are not saved."
            )
        )
        text.setWordWrap(True)
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setObjectName("clinician_passphrase_line_edit")
        self.passphrase_edit.setAccessibleName(_("Clinician passphrase"))
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.message_label = QLabel()
        self.message_label.setObjectName("clinician_check_message_label")
        self.message_label.setWordWrap(True)
        self.ok_button = named_button("clinician_check_ok_button", _("Leave the screening"))
        self.cancel_button = named_button("clinician_check_cancel_button", _("Keep answering"))
        buttons = dialog_buttons(
            "clinician_check_button_box",
            default=self.ok_button,
            accept=self.ok_button,
            reject=self.cancel_button,
        )
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.passphrase_edit)
        layout.addWidget(self.message_label)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)
        self.ok_button.clicked.connect(self.check)
        self.passphrase_edit.returnPressed.connect(self.check)
        self.cancel_button.clicked.connect(self.reject)

    def check(self) -> None:
        passphrase = self.passphrase_edit.text()
        self.passphrase_edit.clear()
        if self._busy or not passphrase or not self.ctx.profile:
            return
        self._busy = True
        self.ok_button.setEnabled(False)
        paths = self.ctx.paths.vault(self.ctx.profile)
        clock = self.ctx.clock

        def work(_c: Any) -> bool:
            from clinician_desk.vault import unlock_vault

            unlock_vault(paths, passphrase, clock=clock).wipe()
            return True

        self.ctx.tasks.run_db(
            work, context=self, on_done=self._passed, on_error=self._failed, name="kiosk-check"
        )

    def _passed(self, _ok: Any) -> None:
        self._busy = False
        self.verified.emit()
        self.accept()

    def _failed(self, exc: ClinicianDeskError) -> None:
        self._busy = False
        self.ok_button.setEnabled(True)
        self.message_label.setText(exc.message)
        self.passphrase_edit.setFocus()
