"""The menu entries of issue 20's vault care: File ▸ Profile…, Vault ▸ Change passphrase… and
Back up…, Help ▸ User guide (F1). Installed by the main window; each opens its dialog.

``care_actions`` need an unlocked vault (the main window enables them with its other actions);
the help action works on the lock screen too.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction, QKeySequence

from ui.i18n import _


def _action(window: Any, name: str, text: str, slot: Any, shortcut: str = "") -> QAction:
    act = QAction(window)
    act.setText(text)
    act.setObjectName(name)
    if shortcut:
        act.setShortcuts([QKeySequence(shortcut)])
    act.triggered.connect(slot)
    window.addAction(act)
    return act


def _open(window: Any, dialog: Any, attr: str) -> None:
    setattr(window, attr, dialog)  # kept so tests and the next call can find it
    dialog.open()


def open_profile(window: Any) -> None:
    from ui.dialogs.profile_dialog import ProfileDialog

    _open(window, ProfileDialog(window.ctx, window), "profile_dialog")


def open_change_passphrase(window: Any) -> None:
    from ui.dialogs.vault_care_dialogs import ChangePassphraseDialog

    _open(window, ChangePassphraseDialog(window.ctx, window), "change_passphrase_dialog")


def open_backup(window: Any) -> None:
    from ui.dialogs.vault_care_dialogs import BackupDialog

    _open(window, BackupDialog(window.ctx, window), "backup_dialog")


def open_help(window: Any) -> None:
    from ui.dialogs.vault_care_dialogs import HelpDialog

    _open(window, HelpDialog(window), "help_dialog")


def install_care_menu(window: Any, file_menu: Any) -> tuple[list[QAction], QAction]:
    """Add the entries; returns the actions that need an unlocked vault, and the help action."""
    window.profile_action = _action(
        window, "profile_action", _("Profile…"), lambda: open_profile(window)
    )
    window.change_passphrase_action = _action(
        window,
        "change_passphrase_action",
        _("Change passphrase…"),
        lambda: open_change_passphrase(window),
    )
    window.backup_action = _action(
        window, "backup_action", _("Back up the vault…"), lambda: open_backup(window)
    )
    help_action = _action(window, "help_action", _("User guide"), lambda: open_help(window), "F1")
    file_menu.insertAction(window.lock_action, window.profile_action)
    vault = window.menuBar().addMenu(_("&Vault"))
    vault.addAction(window.change_passphrase_action)
    vault.addAction(window.backup_action)
    window.menuBar().addMenu(_("&Help")).addAction(help_action)
    return [
        window.profile_action,
        window.change_passphrase_action,
        window.backup_action,
    ], help_action
