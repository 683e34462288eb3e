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
    QProgressBar,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.errors import ClinicianDeskError
from ui.context import UiContext
from ui.i18n import _
from ui.widgets.buttons import dialog_buttons, named_button
from ui.widgets.passphrase_fields import PassphraseFields


def _busy_bar(name: str) -> QProgressBar:
    bar = QProgressBar()
    bar.setObjectName(name)
    bar.setAccessibleName(_("Working"))
    bar.setRange(0, 0)  # busy: the core reports no steps
    bar.setVisible(False)
    return bar


class ChangePassphraseDialog(QDialog):
    """Current passphrase, then the new one twice; only the key-slot file changes."""

    changed = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("change_passphrase_dialog")
        self.setWindowTitle(_("Change passphrase"))
        self.ctx = ctx
        self.current_edit = QLineEdit()
        self.current_edit.setObjectName("current_passphrase_line_edit")
        self.current_edit.setAccessibleName(_("Current passphrase"))
        self.current_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.fields = PassphraseFields(self, label=_("New passphrase"))
        self.progress = _busy_bar("change_passphrase_progress_bar")
        self.message = QLabel()
        self.message.setObjectName("change_passphrase_message_label")
        self.message.setWordWrap(True)
        self.ok_button = named_button("change_passphrase_ok_button", _("Change passphrase"))
        self.cancel_button = named_button("change_passphrase_cancel_button", _("Cancel"))
        explain = QLabel(
            _(
                "Your recovery key keeps working. Backups made before keep the passphrase "
                "they were made with."
            )
        )
        explain.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("Current passphrase"), self.current_edit)
        buttons = dialog_buttons(
            "change_passphrase_button_box",
            default=self.ok_button,
            accept=self.ok_button,
            reject=self.cancel_button,
        )
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(self.fields)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.ok_button.setEnabled(False)
        self.fields.changed.connect(self._update)
        self.current_edit.textChanged.connect(lambda _t: self._update())
        self.ok_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)
        self._busy = False

    def _update(self) -> None:
        self.ok_button.setEnabled(
            not self._busy and bool(self.current_edit.text()) and self.fields.acceptable()
        )

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

        self._set_busy(True)
        self.ctx.tasks.run_db(
            work, context=self, on_done=self._done, on_error=self._failed, name="change-passphrase"
        )

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        self.message.setText(_("Changing the passphrase…") if busy else "")
        self.current_edit.setEnabled(not busy)
        self.fields.setEnabled(not busy)
        self._update()

    def _done(self, _result: Any) -> None:
        self._set_busy(False)
        self.current_edit.clear()
        self.fields.clear()
        self.changed.emit()
        self.accept()

    def _failed(self, exc: ClinicianDeskError) -> None:
        self._set_busy(False)
        self.current_edit.clear()
        self.message.setText(exc.message)
        self.current_edit.setFocus()


class BackupDialog(QDialog):
    """Write an encrypted, verified backup file (it opens with this passphrase or recovery key)."""

    written = Signal(str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backup_dialog")
        self.setWindowTitle(_("Back up the vault"))
        self.ctx = ctx
        explain = QLabel(
            _(
                "The backup is encrypted like the vault: it opens only with your passphrase or "
                "recovery key as they are today. Keep it on a drive your agency approves."
            )
        )
        explain.setWordWrap(True)
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("backup_file_line_edit")
        self.path_edit.setAccessibleName(_("Backup file"))
        self.choose_button = named_button("choose_backup_file_button", _("Choose…"))
        self.choose_button.setAutoDefault(False)  # Enter belongs to the dialog's default
        self.progress = _busy_bar("backup_progress_bar")
        self.message = QLabel()
        self.message.setObjectName("backup_message_label")
        self.message.setWordWrap(True)
        self.ok_button = named_button("write_backup_button", _("Back up"))
        self.cancel_button = named_button("backup_cancel_button", _("Close"))
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.choose_button)
        form = QFormLayout()
        form.addRow(_("Backup file"), row)
        buttons = dialog_buttons(
            "backup_button_box",
            default=self.ok_button,
            accept=self.ok_button,
            reject=self.cancel_button,
        )
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)
        self.choose_button.clicked.connect(self.choose)
        self.ok_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)

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

        self._set_busy(True)
        self.ctx.tasks.run_db(
            work, context=self, on_done=self._done, on_error=self._failed, name="backup"
        )

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.ok_button.setEnabled(not busy)
        self.path_edit.setEnabled(not busy)
        self.choose_button.setEnabled(not busy)
        if busy:
            self.message.setText(_("Writing and checking the backup…"))

    def _done(self, where: str) -> None:
        self._set_busy(False)
        self.message.setText(_("Backup written and checked: {name}").format(name=Path(where).name))
        self.message.setToolTip(where)
        self.adjustSize()
        self.written.emit(where)

    def _failed(self, exc: ClinicianDeskError) -> None:
        self._set_busy(False)
        self.message.setText(exc.message)


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


class NewRecoveryKeyDialog(QDialog):
    """Vault ▸ New recovery key…: asks the passphrase; ``confirmed(passphrase)`` once it opens
    the vault. The main window then locks, re-keys and opens the vault again (see
    ``ui.care_menu.regenerate_recovery_key``)."""

    confirmed = Signal(str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("new_recovery_key_dialog")
        self.setWindowTitle(_("New recovery key"))
        self.ctx = ctx
        explain = QLabel(
            _(
                "Make a new recovery key when the printed one was lost or seen by someone else. "
                "The vault is locked for a moment and re-encrypted under a new key; the old "
                "recovery key stops opening it. Backups made before keep the keys they were "
                "made with. Open notes are kept as drafts."
            )
        )
        explain.setWordWrap(True)
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setObjectName("new_recovery_passphrase_line_edit")
        self.passphrase_edit.setAccessibleName(_("Passphrase"))
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.progress = _busy_bar("new_recovery_progress_bar")
        self.message = QLabel()
        self.message.setObjectName("new_recovery_message_label")
        self.message.setWordWrap(True)
        self.ok_button = named_button("make_new_recovery_key_button", _("Make a new recovery key"))
        self.cancel_button = named_button("new_recovery_cancel_button", _("Cancel"))
        form = QFormLayout()
        form.addRow(_("Passphrase"), self.passphrase_edit)
        buttons = dialog_buttons(
            "new_recovery_button_box",
            default=self.ok_button,
            accept=self.ok_button,
            reject=self.cancel_button,
        )
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)
        self.ok_button.clicked.connect(self.submit)
        self.passphrase_edit.returnPressed.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)

    def submit(self) -> None:
        passphrase = self.passphrase_edit.text()
        if not passphrase or not self.ok_button.isEnabled():
            return
        paths, clock = self.ctx.vault_paths, self.ctx.clock

        def work(_c: Any) -> str:
            from clinician_desk.vault import unlock_vault

            unlock_vault(paths, passphrase, clock=clock).wipe()  # under the usual backoff
            return passphrase

        self.ok_button.setEnabled(False)
        self.progress.setVisible(True)
        self.message.setText(_("Checking the passphrase…"))
        self.ctx.tasks.run_db(
            work, context=self, on_done=self._passed, on_error=self._failed, name="recovery-check"
        )

    def _passed(self, passphrase: str) -> None:
        self.passphrase_edit.clear()
        self.accept()
        self.confirmed.emit(passphrase)

    def _failed(self, exc: ClinicianDeskError) -> None:
        self.progress.setVisible(False)
        self.ok_button.setEnabled(True)
        self.passphrase_edit.clear()
        self.message.setText(exc.message)
        self.passphrase_edit.setFocus()


class RecoveryKeyShownDialog(QDialog):
    """The new recovery key, shown once, with printing to a printer (never to a file)."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtGui import QFont

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
        self.key_label = QLabel(text)
        self.key_label.setObjectName("new_recovery_key_label")
        self.key_label.setAccessibleName(_("Recovery key"))
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(14)
        self.key_label.setFont(font)
        self.key_label.setWordWrap(True)
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
        from PySide6.QtGui import QTextDocument

        doc = QTextDocument()
        doc.setHtml(
            "<h2>clinician-desk — {title}</h2><p>{body}</p>"
            "<pre style='font-size:16pt'>{key}</pre>".format(
                title=_("recovery key"),
                body=_("Keep this page somewhere safe, away from the laptop."),
                key=self.key_label.text(),
            )
        )
        return doc

    def print_key(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        from ui.print_job import prints_to_file, system_print_dialog

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = system_print_dialog(printer, self, "new_recovery_print_dialog")
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return
        if prints_to_file(printer):
            self.message.setText(_("The recovery key is printed on paper only, never to a file."))
            return
        self.document().print_(printer)


class RestoreDialog(QDialog):
    """Vault ▸ Restore from backup…: the file and the backup's passphrase; ``confirmed(path,
    passphrase)`` after the clinician agrees. The main window locks and restores (see
    ``ui.care_menu.restore_backup``); the vault being replaced is kept, never deleted."""

    confirmed = Signal(str, str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("restore_dialog")
        self.setWindowTitle(_("Restore from a backup"))
        self.ctx = ctx
        explain = QLabel(
            _(
                "The vault is replaced by the backup: everything recorded since the backup was "
                "made is no longer in it. The current vault is kept, untouched, in the profile's "
                "backups folder. The vault locks; unlock it afterwards with the passphrase the "
                "backup was made with."
            )
        )
        explain.setWordWrap(True)
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("restore_file_line_edit")
        self.path_edit.setAccessibleName(_("Backup file"))
        self.choose_button = named_button("choose_restore_file_button", _("Choose…"))
        self.choose_button.setAutoDefault(False)  # Enter belongs to the dialog's default
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setObjectName("restore_passphrase_line_edit")
        self.passphrase_edit.setAccessibleName(_("Passphrase of the backup"))
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setObjectName("restore_message_label")
        self.message.setWordWrap(True)
        self.ok_button = named_button("restore_button", _("Restore"))
        self.cancel_button = named_button("restore_cancel_button", _("Cancel"))
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.choose_button)
        form = QFormLayout()
        form.addRow(_("Backup file"), row)
        form.addRow(_("Passphrase of the backup"), self.passphrase_edit)
        # Restoring replaces the open vault: Enter on Restore only asks first (the question's
        # default is Cancel), so the dialog's own action can be its default.
        buttons = dialog_buttons(
            "restore_button_box",
            default=self.ok_button,
            accept=self.ok_button,
            reject=self.cancel_button,
        )
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)
        self.choose_button.clicked.connect(self.choose)
        self.ok_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)

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
