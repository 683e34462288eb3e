"""The clinician's identity on documents: display name, credential, license number.

``ClinicianFields`` is the form the first-run wizard asks and the **File ▸ Profile…** dialog edits.
Values are stored by the core's ``set_profile`` (validated, audited without the values) on the
database worker; a refusal is shown in the dialog, which stays open with what was typed. Notes on
the student page, prints and the hours log then read "Signed by Alex Sample, AMFT".
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.errors import ClinicianDeskError
from ui.context import UiContext
from ui.i18n import _


class ClinicianFields(QWidget):
    """Display name (required), credential and license number (optional)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("clinician_name_line_edit")
        self.name_edit.setAccessibleName(_("Your name as signed on notes"))
        self.name_edit.setPlaceholderText(_("e.g. Alex Sample"))
        self.credential_edit = QLineEdit()
        self.credential_edit.setObjectName("clinician_credential_line_edit")
        self.credential_edit.setAccessibleName(_("Credential"))
        self.credential_edit.setPlaceholderText(_("e.g. AMFT, APCC, ASW, LMFT, PPS"))
        self.license_edit = QLineEdit()
        self.license_edit.setObjectName("clinician_license_line_edit")
        self.license_edit.setAccessibleName(_("License or registration number"))
        self.license_edit.setPlaceholderText(_("e.g. AMFT 000000"))
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(_("Your name"), self.name_edit)
        form.addRow(_("Credential"), self.credential_edit)
        form.addRow(_("License or registration number"), self.license_edit)
        for edit in (self.name_edit, self.credential_edit, self.license_edit):
            edit.textChanged.connect(lambda _t: self.changed.emit())

    def set_profile(self, profile: Any) -> None:
        self.name_edit.setText(profile.display_name)
        self.credential_edit.setText(profile.credential)
        self.license_edit.setText(profile.license_number)

    def has_name(self) -> bool:
        return bool(self.name_edit.text().strip())

    def values(self) -> dict[str, str]:
        """The filled fields, as ``set_profile`` keywords (empty ones are left as they are)."""
        out = {
            "display_name": self.name_edit.text(),
            "credential": self.credential_edit.text(),
            "license_number": self.license_edit.text(),
        }
        return {k: v for k, v in out.items() if v.strip()}


def save_profile(
    ctx: UiContext,
    values: dict[str, str],
    *,
    context: Any,
    on_done: Any,
    on_error: Any = None,
) -> None:
    """Store ``values`` through the core on the database worker."""

    def work(_c: Any) -> Any:
        from clinician_desk.services.profile import set_profile

        return set_profile(ctx.require_services().db, **values)

    ctx.tasks.run_db(work, context=context, on_done=on_done, on_error=on_error, name="profile")


class ProfileDialog(QDialog):
    """File ▸ Profile…: edit the name, credential and license number documents print."""

    saved = Signal(object)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("profile_dialog")
        self.setWindowTitle(_("Your profile"))
        self.ctx = ctx
        explain = QLabel(
            _(
                "Signed notes, printed documents and the hours log name you this way, "
                'for example "Signed by Alex Sample, AMFT".'
            )
        )
        explain.setWordWrap(True)
        self.fields = ClinicianFields(self)
        self.message = QLabel()
        self.message.setObjectName("profile_message_label")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setText(_("Save"))
        save.setObjectName("save_profile_button")
        save.setAccessibleName(_("Save"))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(_("Cancel"))
        cancel.setObjectName("cancel_profile_button")
        cancel.setAccessibleName(_("Cancel"))
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addWidget(self.fields)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.fields.setEnabled(False)
        services = ctx.require_services()

        def read(_c: Any) -> Any:
            from clinician_desk.services.profile import current_profile

            return current_profile(services.db)

        ctx.tasks.run_db(read, context=self, on_done=self._loaded, name="profile-read")

    def _loaded(self, profile: Any) -> None:
        self.fields.set_profile(profile)
        self.fields.setEnabled(True)
        self.fields.name_edit.setFocus()

    def submit(self) -> None:
        values = self.fields.values()
        if not self.fields.has_name():
            self.message.setText(_("Enter your name as it should appear on signed notes."))
            self.fields.name_edit.setFocus()
            return
        self.buttons.setEnabled(False)
        save_profile(self.ctx, values, context=self, on_done=self._done, on_error=self._failed)

    def _done(self, profile: Any) -> None:
        self.saved.emit(profile)
        self.accept()

    def _failed(self, exc: ClinicianDeskError) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(exc.message)
