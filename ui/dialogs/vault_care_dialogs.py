"""Vault care from the menu: change the passphrase, back up the vault, read the user guide.

The work runs on the database worker (``ctx.tasks``) while the dialog shows a busy bar; the core
does the same as the admin CLI's ``change-passphrase`` and ``backup`` (``clinician_desk.services.
vault_care``), audited. Changing the passphrase asks for the current one, checked against the
vault under its usual attempt counting and backoff; nothing typed is kept after the dialog.
The guide is the Markdown bundled with the app, shown inside the app (no browser, no network).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.errors import ClinicianDeskError
from ui.context import UiContext
from ui.i18n import _
from ui.widgets.buttons import dialog_buttons, named_button
from ui.widgets.care_dialog import CareDialog
from ui.widgets.passphrase_fields import PassphraseFields
from ui.widgets.recovery_key import print_recovery_key, recovery_document, recovery_key_label


class ChangePassphraseDialog(CareDialog):
    """Current passphrase, then the new one twice; only the key-slot file changes."""

    changed = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(
            ctx,
            parent,
            name="change_passphrase",
            title=_("Change passphrase"),
            explain=_(
                "Your recovery key keeps working. Backups made before keep the passphrase "
                "they were made with."
            ),
            ok=("change_passphrase_ok_button", _("Change passphrase")),
            cancel=("change_passphrase_cancel_button", _("Cancel")),
            buttons="change_passphrase_button_box",
        )
        self.current_edit = QLineEdit()
        self.current_edit.setObjectName("current_passphrase_line_edit")
        self.current_edit.setAccessibleName(_("Current passphrase"))
        self.current_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.fields = PassphraseFields(self, label=_("New passphrase"))
        self.form.addRow(_("Current passphrase"), self.current_edit)
        self.compose(self.fields)
        self.ok_button.setEnabled(False)
        self.fields.changed.connect(self.refresh_ok)
        self.current_edit.textChanged.connect(lambda _t: self.refresh_ok())
        self.ok_button.clicked.connect(self.submit)

    def ok_allowed(self) -> bool:
        return bool(self.current_edit.text()) and self.fields.acceptable()

    def submit(self) -> None:
        services = self.ctx.require_services()
        current, new = self.current_edit.text(), self.fields.passphrase()
        paths, clock = services.paths, self.ctx.clock

        def work(_c: Any) -> None:
            from clinician_desk.services.vault_care import change_vault_passphrase
            from clinician_desk.vault import unlock_vault

            key = unlock_vault(paths, current, clock=clock)  # the current one, under backoff
            try:
                change_vault_passphrase(services.db, paths, key, new)
            finally:
                key.wipe()

        self.run(
            work,
            task="change-passphrase",
            busy_text=_("Changing the passphrase…"),
            inputs=(self.current_edit, self.fields),
            on_done=self._done,
            on_failed=self._failed,
        )

    def _done(self, _result: Any) -> None:
        self.current_edit.clear()
        self.fields.clear()
        self.changed.emit()
        self.accept()

    def _failed(self, _exc: ClinicianDeskError) -> None:
        self.current_edit.clear()
        self.current_edit.setFocus()


class BackupDialog(CareDialog):
    """Write an encrypted, verified backup file (it opens with this passphrase or recovery key)."""

    written = Signal(str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(
            ctx,
            parent,
            name="backup",
            title=_("Back up the vault"),
            explain=_(
                "The backup is encrypted like the vault: it opens only with your passphrase or "
                "recovery key as they are today. Keep it on a drive your agency approves."
            ),
            ok=("write_backup_button", _("Back up")),
            cancel=("backup_cancel_button", _("Close")),
            buttons="backup_button_box",
        )
        self.path_edit, self.choose_button = _file_row(
            self.form, "backup_file_line_edit", "choose_backup_file_button", _("Backup file")
        )
        self.compose()
        self.setMinimumWidth(480)
        self.choose_button.clicked.connect(self.choose)
        self.ok_button.clicked.connect(self.submit)

    def choose(self) -> None:
        stamp = self.ctx.clock.now().astimezone().strftime("%Y-%m-%d")
        name, _filter = QFileDialog.getSaveFileName(
            self,
            _("Back up the vault"),
            str(Path.home() / f"clinician-desk-{stamp}.cdbackup"),
            _("Vault backups (*.cdbackup)"),
        )
        if name:
            self.path_edit.setText(name)

    def submit(self) -> None:
        text = self.path_edit.text().strip()
        if not text:
            self.message.setText(_("Choose where to write the backup file."))
            return
        dest = Path(text)
        if dest.exists():
            self.message.setText(
                _("That file already exists. Choose another name; nothing was replaced.")
            )
            return
        services = self.ctx.require_services()

        def work(_c: Any) -> str:
            from clinician_desk.services.vault_care import backup_vault

            backup_vault(services.db, services.paths, dest)
            return str(dest)

        self.run(
            work,
            task="backup",
            busy_text=_("Writing and checking the backup…"),
            inputs=(self.path_edit, self.choose_button),
            on_done=self._done,
        )

    def _done(self, where: str) -> None:
        self.message.setText(_("Backup written and checked: {name}").format(name=Path(where).name))
        self.message.setToolTip(where)
        self.adjustSize()
        self.written.emit(where)


GUIDES = ("user-guide.md", "user-guide-day.md")


def guide_folder() -> Path:
    """The user guides shipped with the app: ``docs/`` beside the ``ui`` package."""
    return Path(__file__).resolve().parents[2] / "docs"


class HelpDialog(QDialog):
    """Help ▸ User guide: the bundled guides, rendered from Markdown, with their screenshots."""

    def __init__(self, parent: QWidget | None = None, folder: Path | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("help_dialog")
        self.setWindowTitle(_("User guide"))
        folder = folder or guide_folder()
        self.browser = QTextBrowser()
        self.browser.setObjectName("user_guide_text_browser")
        self.browser.setAccessibleName(_("User guide"))
        self.browser.setOpenLinks(False)  # a guide, not a browser: links are not followed
        # Tab goes to Close, not through every link of the guide (links are not followed).
        from PySide6.QtCore import Qt

        flags = Qt.TextInteractionFlag
        self.browser.setTextInteractionFlags(
            flags.TextSelectableByMouse | flags.TextSelectableByKeyboard
        )
        self.browser.setTabChangesFocus(True)
        self.browser.setSearchPaths([str(folder)])
        parts = [p.read_text(encoding="utf-8") for p in (folder / g for g in GUIDES) if p.exists()]
        if parts:
            self.browser.setMarkdown("\n\n---\n\n".join(parts))
        else:
            self.browser.setPlainText(_("The user guide is not installed on this computer."))
        # The guide is written in English; a translated interface says so in its own words.
        self.language_note = QLabel(_("The user guide is available in English only."))
        self.language_note.setObjectName("user_guide_language_label")
        self.language_note.setWordWrap(True)
        self.language_note.setVisible(
            _("The user guide is available in English only.")
            != "The user guide is available in English only."
        )
        self.close_button = named_button("help_close_button", _("Close"))
        self.close_button.clicked.connect(self.accept)
        buttons = dialog_buttons(
            "help_button_box", default=self.close_button, reject=self.close_button
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.language_note)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(760, 560)


class NewRecoveryKeyDialog(CareDialog):
    """Vault ▸ New recovery key…: asks the passphrase; ``confirmed(passphrase)`` once it opens
    the vault. The main window then locks, re-keys and opens the vault again (see
    ``ui.care_menu.regenerate_recovery_key``)."""

    confirmed = Signal(str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(
            ctx,
            parent,
            name="new_recovery",
            title=_("New recovery key"),
            explain=_(
                "Make a new recovery key when the printed one was lost or seen by someone else. "
                "The vault is locked for a moment and re-encrypted under a new key; the old "
                "recovery key stops opening it. Backups made before keep the keys they were "
                "made with. Open notes are kept as drafts."
            ),
            ok=("make_new_recovery_key_button", _("Make a new recovery key")),
            cancel=("new_recovery_cancel_button", _("Cancel")),
            buttons="new_recovery_button_box",
        )
        self.setObjectName("new_recovery_key_dialog")
        self.passphrase_edit = _password(
            self.form, "new_recovery_passphrase_line_edit", _("Passphrase")
        )
        self.compose()
        self.setMinimumWidth(460)
        self.ok_button.clicked.connect(self.submit)
        self.passphrase_edit.returnPressed.connect(self.submit)

    def submit(self) -> None:
        passphrase = self.passphrase_edit.text()
        if not passphrase or not self.ok_button.isEnabled():
            return
        paths, clock = self.ctx.vault_paths, self.ctx.clock

        def work(_c: Any) -> str:
            from clinician_desk.vault import unlock_vault

            unlock_vault(paths, passphrase, clock=clock).wipe()  # under the usual backoff
            return passphrase

        self.run(
            work,
            task="recovery-check",
            busy_text=_("Checking the passphrase…"),
            inputs=(),
            on_done=self._passed,
            on_failed=self._failed,
        )

    def _passed(self, passphrase: str) -> None:
        self.passphrase_edit.clear()
        self.accept()
        self.confirmed.emit(passphrase)

    def _failed(self, _exc: ClinicianDeskError) -> None:
        self.passphrase_edit.clear()
        self.passphrase_edit.setFocus()


class RecoveryKeyShownDialog(QDialog):
    """The new recovery key, shown once, with printing to a printer (never to a file)."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recovery_key_shown_dialog")
        self.setWindowTitle(_("New recovery key"))
        explain = QLabel(
            _(
                "Write down or print the new recovery key and keep it somewhere safe, away "
                "from the laptop. It is shown only this once; the previous recovery key no "
                "longer works."
            )
        )
        explain.setWordWrap(True)
        self.key_label = recovery_key_label("new_recovery_key_label")
        self.key_label.setText(text)
        self.print_button = named_button("print_new_recovery_key_button", _("Print…"))
        self.close_button = named_button("recovery_key_shown_close_button", _("I have kept it"))
        self.message = QLabel()
        self.message.setObjectName("recovery_key_shown_message_label")
        self.message.setWordWrap(True)
        buttons = dialog_buttons(
            "recovery_key_shown_button_box",
            default=self.close_button,
            accept=self.close_button,
            actions=(self.print_button,),
        )
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addWidget(self.key_label)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.print_button.clicked.connect(self.print_key)
        self.close_button.clicked.connect(self.accept)
        self.finished.connect(lambda _r: self.key_label.setText(""))  # gone once closed

    def document(self) -> Any:
        return recovery_document(self.key_label.text())

    def print_key(self) -> None:
        refusal = print_recovery_key(self, self.key_label.text(), "new_recovery_print_dialog")
        if refusal:
            self.message.setText(refusal)


class RestoreDialog(CareDialog):
    """Vault ▸ Restore from backup… (and the lock screen's button): the file and the backup's
    passphrase; ``confirmed(path, passphrase)`` after the clinician agrees. The main window locks
    and restores (see ``ui.care_menu.restore_backup``); the vault being replaced is kept, never
    deleted."""

    confirmed = Signal(str, str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(
            ctx,
            parent,
            name="restore",
            title=_("Restore from a backup"),
            explain=_(
                "The vault is replaced by the backup: everything recorded since the backup was "
                "made is no longer in it. The current vault is kept, untouched, in the profile's "
                "backups folder. The vault locks; unlock it afterwards with the passphrase the "
                "backup was made with."
            ),
            # Restoring replaces the open vault: Enter on Restore only asks first (the
            # question's default is Cancel), so the dialog's own action can be its default.
            ok=("restore_button", _("Restore")),
            cancel=("restore_cancel_button", _("Cancel")),
            buttons="restore_button_box",
        )
        self.path_edit, self.choose_button = _file_row(
            self.form, "restore_file_line_edit", "choose_restore_file_button", _("Backup file")
        )
        self.passphrase_edit = _password(
            self.form, "restore_passphrase_line_edit", _("Passphrase of the backup")
        )
        self.compose()
        self.setMinimumWidth(480)
        self.choose_button.clicked.connect(self.choose)
        self.ok_button.clicked.connect(self.submit)

    def choose(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self, _("Restore from a backup"), str(Path.home()), _("Vault backups (*.cdbackup)")
        )
        if name:
            self.path_edit.setText(name)

    def submit(self) -> None:
        from ui.widgets.confirm import ask

        path = self.path_edit.text().strip()
        passphrase = self.passphrase_edit.text()
        if not path or not Path(path).is_file():
            self.message.setText(_("Choose the backup file to restore."))
            return
        if not passphrase:
            self.message.setText(_("Enter the passphrase the backup was made with."))
            return
        if not ask(
            self,
            _("Restore from a backup"),
            _("Replace the vault with this backup now? The current vault is kept aside."),
            _("Restore"),
        ):
            return
        self.passphrase_edit.clear()
        self.accept()
        self.confirmed.emit(path, passphrase)


def _file_row(
    form: QFormLayout, edit_name: str, button_name: str, label: str
) -> tuple[QLineEdit, QPushButton]:
    """A file name box with its "Choose…" button, as one form row."""
    edit = QLineEdit()
    edit.setObjectName(edit_name)
    edit.setAccessibleName(label)
    button = named_button(button_name, _("Choose…"))
    button.setAutoDefault(False)  # Enter belongs to the dialog's default
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(button)
    form.addRow(label, row)
    return edit, button


def _password(form: QFormLayout, name: str, label: str) -> QLineEdit:
    """A passphrase box, as one form row."""
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setAccessibleName(label)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    form.addRow(label, edit)
    return edit
