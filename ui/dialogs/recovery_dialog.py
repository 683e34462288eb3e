"""Unlock with the recovery key and set a new passphrase.

Runs ``clinician_desk.vault.reset_passphrase_with_recovery`` on the worker; the vault parses the
grouped base32 text (and names the group with a typo). On success the dialog holds the returned
data key in ``key`` and accepts; the main window opens the services with it.

"Also change the data key" (on by default) then rotates the key (``bootstrap.rotate_data_key``):
the database is re-encrypted, the old recovery key and every old copy of the key file stop
opening it, and ``new_recovery_text`` holds the new recovery key for the window to show once.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
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
from ui.focus import tab_moves_focus
from ui.i18n import _
from ui.theme.apply import set_text_role
from ui.widgets.passphrase_fields import PassphraseFields
from ui.widgets.scrolling_form import ScrollingForm


class RecoveryKeyDialog(QDialog):
    def __init__(self, ctx: UiContext, profile: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recovery_key_dialog")
        self.setWindowTitle(_("Use recovery key"))
        self.ctx = ctx
        self.profile = profile
        self.key: Any = None
        self.new_recovery_text: str | None = None
        self.recovery_edit = QPlainTextEdit()
        tab_moves_focus(self.recovery_edit)
        self.recovery_edit.setObjectName("recovery_key_plain_text_edit")
        self.recovery_edit.setAccessibleName(_("Recovery key"))
        self.recovery_edit.setFont(QFont("monospace"))
        self.recovery_edit.setFixedHeight(70)
        self.fields = PassphraseFields(self, label=_("New passphrase"))
        # A check box's words never wrap: the short choice, and what it means on a line below
        # that wraps (the whole sentence held the dialog at 848 px in Spanish).
        self.rotate_check = QCheckBox(_("Also change the data key"))
        self.rotate_check.setObjectName("recovery_rotate_check_box")
        self.rotate_check.setAccessibleName(_("Also change the data key"))
        self.rotate_check.setChecked(True)
        rotate_means = QLabel(
            _("The old recovery key and old copies of the key file stop working.")
        )
        rotate_means.setObjectName("recovery_rotate_caption_label")
        rotate_means.setWordWrap(True)
        set_text_role(rotate_means, "caption")
        self.rotate_check.setAccessibleDescription(rotate_means.text())
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
        body = QVBoxLayout()
        body.addLayout(form)
        body.addWidget(self.fields)
        body.addWidget(self.rotate_check)
        body.addWidget(rotate_means)
        layout = QVBoxLayout(self)
        # A short screen scrolls the form; the message and the buttons stay in view.
        layout.addWidget(ScrollingForm(body, "recovery_form_scroll_area"), 1)
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
        rotate = self.rotate_check.isChecked()
        clock = self.ctx.clock
        self.buttons.setEnabled(False)
        self.message.setText(_("Checking the recovery key…"))

        def work(_control: Any) -> Any:
            from clinician_desk.vault import reset_passphrase_with_recovery

            key = reset_passphrase_with_recovery(paths, text, new_passphrase)
            if not rotate:
                return key, None
            from clinician_desk.bootstrap import build_services, rotate_data_key

            services = build_services(paths, key, clock)
            try:
                result = rotate_data_key(services, new_passphrase, reason="recover")
            except BaseException:
                services.close()
                raise
            # Hand the new key itself to the window (no copy); only the database is closed.
            result.services.db.close()
            if result.services.use_lock is not None:
                result.services.use_lock.release()
            return result.services.key, result.recovery_text

        self.ctx.tasks.run_db(
            work, context=self, on_done=self._done, on_error=self._failed, name="recovery"
        )

    def _done(self, outcome: Any) -> None:
        self.key, self.new_recovery_text = outcome
        self.accept()

    def _failed(self, exc: ClinicianDeskError) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(exc.message)
