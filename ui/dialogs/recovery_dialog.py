"""Unlock with the recovery key and set a new passphrase.

Runs ``clinician_desk.vault.reset_passphrase_with_recovery`` on the worker; the vault parses the
grouped base32 text (and names the group with a typo). On success the dialog holds the returned
data key in ``key`` and accepts; the main window opens the services with it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.errors import ClinicianDeskError
from ui.context import UiContext
from ui.i18n import _
from ui.widgets.passphrase_fields import PassphraseFields


class RecoveryKeyDialog(QDialog):
    def __init__(self, ctx: UiContext, profile: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recovery_key_dialog")
        self.setWindowTitle(_("Use recovery key"))
        self.ctx = ctx
        self.profile = profile
        self.key: Any = None
        self.recovery_edit = QPlainTextEdit()
        self.recovery_edit.setObjectName("recovery_key_plain_text_edit")
        self.recovery_edit.setAccessibleName(_("Recovery key"))
        self.recovery_edit.setFont(QFont("monospace"))
        self.recovery_edit.setFixedHeight(70)
        self.fields = PassphraseFields(self, label=_("New passphrase"))
        self.message = QLabel()
        self.message.setObjectName("recovery_message_label")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(_("Unlock and set passphrase"))
        ok.setObjectName("recovery_unlock_button")
        ok.setAccessibleName(_("Unlock and set passphrase"))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("recovery_cancel_button")
        cancel.setAccessibleName(_("Cancel"))
        form = QFormLayout()
        form.addRow(_("Recovery key"), self.recovery_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.fields)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.fields.changed.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.fields.acceptable())

    def submit(self) -> None:
        text = self.recovery_edit.toPlainText()
        new_passphrase = self.fields.passphrase()
        paths = self.ctx.paths.vault(self.profile)
        self.buttons.setEnabled(False)
        self.message.setText(_("Checking the recovery key…"))

        def work(_control: Any) -> Any:
            from clinician_desk.vault import reset_passphrase_with_recovery

            return reset_passphrase_with_recovery(paths, text, new_passphrase)

        self.ctx.tasks.run_db(
            work, context=self, on_done=self._done, on_error=self._failed, name="recovery"
        )

    def _done(self, key: Any) -> None:
        self.key = key
        self.accept()

    def _failed(self, exc: ClinicianDeskError) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(exc.message)
