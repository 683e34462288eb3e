"""First-run setup: profile, the clinician's name and credential, passphrase (twice, with strength
feedback), recovery key, enrollment.

The wizard creates the vault through ``clinician_desk.vault.create_vault`` on the background
worker (the key derivation takes about a second) and emits ``vault_created(profile, key)`` so the
main window can open the services while the clinician reads the recovery key. The recovery key
is shown once, can be printed, and the wizard cannot finish until the clinician confirms it was
kept. The clinician's name, credential and license number (``ui.dialogs.profile_dialog``) are
checked on their page and stored in the new vault when the wizard finishes. The optional county
enrollment code is handed back in ``setup_finished(code)``; enrolling
needs the network and happens after setup, in the sync page's worker.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from clinician_desk.config import DEFAULT_PROFILE, validate_profile_name
from clinician_desk.errors import ClinicianDeskError
from clinician_desk.vault import passphrase_policy
from ui.context import UiContext
from ui.i18n import _
from ui.widgets.passphrase_fields import PassphraseFields
from ui.widgets.recovery_key import print_recovery_key, recovery_document, recovery_key_label


class ProfileWizardPage(QWizardPage):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.setTitle(_("Welcome to clinician-desk"))
        self.setSubTitle(
            _(
                "Your notes and screenings are kept in an encrypted vault on this laptop. "
                "Nothing about a student ever leaves it."
            )
        )
        self.profile_edit = QLineEdit(DEFAULT_PROFILE if not ctx.paths.profiles() else "")
        self.profile_edit.setObjectName("profile_name_line_edit")
        self.profile_edit.setAccessibleName(_("Profile name"))
        self.error = QLabel()
        self.error.setObjectName("profile_error_label")
        form = QFormLayout(self)
        form.addRow(
            QLabel(_("If several clinicians share this laptop, each one has a profile.")),
        )
        form.addRow(_("Profile name"), self.profile_edit)
        form.addRow("", self.error)
        self._existing = set(ctx.paths.profiles())
        self.profile_edit.textChanged.connect(lambda _t: self.completeChanged.emit())

    def isComplete(self) -> bool:
        name = self.profile_edit.text().strip()
        try:
            validate_profile_name(name)
        except ClinicianDeskError as exc:
            self.error.setText(exc.message if name else "")
            return False
        if name in self._existing:
            self.error.setText(_("That profile already exists on this laptop."))
            return False
        self.error.setText("")
        return True


class ClinicianWizardPage(QWizardPage):
    """Who signs the notes: asked once here, editable later under File ▸ Profile…."""

    def __init__(self) -> None:
        super().__init__()
        from ui.dialogs.profile_dialog import ClinicianFields

        self.setTitle(_("About you"))
        self.setSubTitle(
            _(
                "Signed notes, printed documents and the hours log name you this way, "
                'for example "Signed by Alex Sample, AMFT".'
            )
        )
        self.fields = ClinicianFields(self)
        self.error = QLabel()
        self.error.setObjectName("clinician_error_label")
        self.error.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.fields)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.fields.changed.connect(self.completeChanged.emit)

    def initializePage(self) -> None:
        self.fields.name_edit.setFocus()

    def isComplete(self) -> bool:
        return self.fields.has_name()

    def validatePage(self) -> bool:
        from clinician_desk.services.profile import check_profile

        try:
            check_profile(**self.fields.values())
        except ClinicianDeskError as exc:
            self.error.setText(exc.message)
            return False
        self.error.setText("")
        return True


class PassphraseWizardPage(QWizardPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle(_("Choose a passphrase"))
        self.setSubTitle(
            _(
                "At least {min} characters; {better} or more is better. It protects every record "
                "in the vault, so do not reuse a password from elsewhere."
            ).format(min=passphrase_policy.MIN_CHARS, better=passphrase_policy.RECOMMENDED_CHARS)
        )
        self.fields = PassphraseFields(self)
        self.status = QLabel()
        self.status.setObjectName("create_vault_status_label")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.fields)
        layout.addWidget(self.status)
        self.fields.changed.connect(self.completeChanged.emit)
        self.created = False
        self._busy = False

    def isComplete(self) -> bool:
        return not self._busy and (self.created or self.fields.acceptable())

    def validatePage(self) -> bool:
        if self.created:
            return True
        if not self._busy:
            self._busy = True
            self.status.setText(_("Creating your encrypted vault…"))
            self.completeChanged.emit()
            self._wizard.create_vault(self.fields.passphrase())
        return False

    def creation_finished(self, ok: bool, message: str = "") -> None:
        self._busy = False
        self.created = ok
        self.status.setText(message)
        if ok:
            self.fields.clear()
            self.fields.setEnabled(False)
        self.completeChanged.emit()


class RecoveryWizardPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Your recovery key"))
        self.setSubTitle(
            _(
                "If you forget your passphrase, this key opens your vault. It is shown only "
                "now. Print it or write it down and keep it somewhere safe, away from the laptop."
            )
        )
        self.key_label = recovery_key_label("recovery_key_label")
        self.print_button = QPushButton(_("Print recovery key…"))
        self.print_button.setObjectName("print_recovery_key_button")
        self.print_button.setAccessibleName(_("Print recovery key"))
        self.kept_check = QCheckBox(_("I have printed or written down my recovery key"))
        self.kept_check.setObjectName("recovery_key_kept_check_box")
        self.kept_check.setAccessibleName(_("I kept my recovery key"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.key_label)
        layout.addWidget(self.print_button, alignment=Qt.AlignmentFlag.AlignLeft)
        self.print_message = QLabel()
        self.print_message.setObjectName("recovery_print_message_label")
        self.print_message.setWordWrap(True)
        layout.addWidget(self.print_message)
        layout.addStretch(1)
        layout.addWidget(self.kept_check)
        self.kept_check.toggled.connect(lambda _c: self.completeChanged.emit())
        self.print_button.clicked.connect(self._print)

    def isComplete(self) -> bool:
        return self.kept_check.isChecked()

    def recovery_document(self) -> QTextDocument:
        return recovery_document(self.key_label.text())

    def _print(self) -> None:
        self.print_message.setText(
            print_recovery_key(self, self.key_label.text(), "recovery_print_dialog")
        )


class EnrollWizardPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("County enrollment (optional)"))
        self.setSubTitle(
            _(
                "If your county gave you an enrollment code, enter it to send de-identified "
                "monthly service counts. You can also do this later on the Sync page."
            )
        )
        self.server_edit = QLineEdit()
        self.server_edit.setObjectName("enrollment_server_line_edit")
        self.server_edit.setAccessibleName(_("County server address"))
        self.server_edit.setPlaceholderText("https://…")
        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("enrollment_code_line_edit")
        self.code_edit.setAccessibleName(_("Enrollment code"))
        form = QFormLayout(self)
        form.addRow(_("Server"), self.server_edit)
        form.addRow(_("Enrollment code"), self.code_edit)


class SetupWizard(QWizard):
    """See the module docstring. Embedded in the main window's stack (not a modal dialog)."""

    vault_created = Signal(str, object)
    setup_finished = Signal(str, str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setup_wizard")
        self.setWindowFlags(Qt.WindowType.Widget)
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoCancelButton, True)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.ctx = ctx
        self.profile_page = ProfileWizardPage(ctx)
        self.clinician_page = ClinicianWizardPage()
        self.passphrase_page = PassphraseWizardPage(self)
        self.recovery_page = RecoveryWizardPage()
        self.enroll_page = EnrollWizardPage()
        for page in (
            self.profile_page,
            self.clinician_page,
            self.passphrase_page,
            self.recovery_page,
            self.enroll_page,
        ):
            self.addPage(page)
        for which, name in (
            (QWizard.WizardButton.NextButton, "wizard_next_button"),
            (QWizard.WizardButton.BackButton, "wizard_back_button"),
            (QWizard.WizardButton.FinishButton, "wizard_finish_button"),
            (QWizard.WizardButton.CommitButton, "wizard_commit_button"),
            (QWizard.WizardButton.CancelButton, "wizard_cancel_button"),
        ):
            button = self.button(which)
            button.setObjectName(name)
            button.setAccessibleName(button.text().replace("&", "").strip(" <>"))
        self.currentIdChanged.connect(self._on_page)

    def _on_page(self, _page_id: int) -> None:
        # Once the vault exists there is no going back to change the passphrase here.
        if self.currentPage() is self.recovery_page:
            self.button(QWizard.WizardButton.BackButton).setEnabled(False)

    def profile(self) -> str:
        return self.profile_page.profile_edit.text().strip()

    def create_vault(self, passphrase: str) -> None:
        profile = self.profile()
        paths = self.ctx.paths.vault(profile)
        kdf = self.ctx.kdf
        clock = self.ctx.clock

        def work(_control: Any) -> tuple[Any, str]:
            from clinician_desk.vault import create_vault

            kwargs: dict[str, Any] = {"clock": clock}
            if kdf is not None:
                kwargs["kdf"] = kdf
            return create_vault(paths, passphrase, **kwargs)

        def done(result: tuple[Any, str]) -> None:
            key, recovery_text = result
            self.recovery_page.key_label.setText(recovery_text)
            self.passphrase_page.creation_finished(True, _("Vault created."))
            self.button(QWizard.WizardButton.BackButton).setEnabled(False)
            self.vault_created.emit(profile, key)
            self.next()

        def failed(exc: ClinicianDeskError) -> None:
            self.passphrase_page.creation_finished(False, exc.message)

        self.ctx.tasks.run_db(work, context=self, on_done=done, on_error=failed, name="create")

    def accept(self) -> None:
        code = self.enroll_page.code_edit.text().strip()
        server = self.enroll_page.server_edit.text().strip()
        self.recovery_page.key_label.setText("")  # shown once, then gone from memory we hold
        self.save_clinician()
        self.setup_finished.emit(code, server)

    def save_clinician(self) -> None:
        """Store the name, credential and license in the new vault (queued after its opening on
        the one database worker; a refusal goes to the main window's error handler)."""
        values = self.clinician_page.fields.values()
        if values:
            from ui.dialogs.profile_dialog import save_profile

            save_profile(self.ctx, values, context=self.window(), on_done=lambda _p: None)
