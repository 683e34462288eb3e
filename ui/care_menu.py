"""The menu entries of issue 20's vault care: File ▸ Profile…; Vault ▸ Change passphrase…,
Back up…, Restore… and New recovery key…; Help ▸ User guide (F1). Installed by the main window;
each opens its dialog. Restoring locks first (the vault must be closed) and reports on the
unlock screen; the unlock screen offers it too, for a vault that will not open.

A new recovery key also re-encrypts the vault under a new data key (as the admin CLI's
``regenerate-recovery-key`` does: a key file copied while the old recovery key was exposed must
not open the vault). That needs the vault to itself, so the window locks (open notes are kept as
drafts), the worker re-keys, and the vault opens again with the new key; then the key is shown.

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


def open_new_recovery_key(window: Any) -> None:
    from ui.dialogs.vault_care_dialogs import NewRecoveryKeyDialog

    dialog = NewRecoveryKeyDialog(window.ctx, window)
    dialog.confirmed.connect(lambda passphrase: regenerate_recovery_key(window, passphrase))
    _open(window, dialog, "new_recovery_key_dialog")


def regenerate_recovery_key(window: Any, passphrase: str) -> None:
    """Lock, re-key on the worker, open again, show the key (see the module docstring)."""
    ctx = window.ctx
    profile, paths, clock = ctx.profile, ctx.vault_paths, ctx.clock
    window.session.lock()  # queues closing the database before the work below

    def work(_c: Any) -> tuple[Any, str]:
        from clinician_desk.bootstrap import build_services, rotate_data_key
        from clinician_desk.vault import unlock_vault

        key = unlock_vault(paths, passphrase, clock=clock)
        try:
            services = build_services(paths, key, clock)
        except BaseException:
            key.wipe()
            raise
        try:
            result = rotate_data_key(services, passphrase, reason="regenerate-recovery-key")
        except BaseException:
            services.close()
            raise
        result.services.db.close()  # the session opens it again with the new key
        if result.services.use_lock is not None:
            result.services.use_lock.release()
        return result.services.key, result.recovery_text

    def done(outcome: tuple[Any, str]) -> None:
        from ui.dialogs.vault_care_dialogs import RecoveryKeyShownDialog

        key, text = outcome
        window.session.open(profile, key)
        _open(window, RecoveryKeyShownDialog(text, window), "recovery_key_shown_dialog")

    def failed(exc: Any) -> None:
        window.unlock_page.message_label.setText(exc.message)

    window.unlock_page.message_label.setText(_("Making a new recovery key…"))
    ctx.tasks.run_db(work, context=window, on_done=done, on_error=failed, name="new-recovery")


def open_restore(window: Any, profile: str = "") -> None:
    """The restore dialog: from the Vault menu (the open profile), or from the lock screen for
    the profile chosen there — a vault that will not open is restored the same way."""
    from ui.dialogs.vault_care_dialogs import RestoreDialog

    dialog = RestoreDialog(window.ctx, window)
    dialog.confirmed.connect(
        lambda path, passphrase: restore_backup(window, path, passphrase, profile)
    )
    _open(window, dialog, "restore_dialog")


def restore_backup(window: Any, path: str, passphrase: str, profile: str = "") -> None:
    """Lock (the vault must be closed), restore on the worker, say on the unlock screen what
    happened; on any refusal nothing was changed and the message says why. ``profile``: the
    lock screen's choice (default: the open profile). The replaced vault is always kept."""
    from pathlib import Path

    ctx = window.ctx
    paths, clock = ctx.paths.vault(profile) if profile else ctx.vault_paths, ctx.clock
    window.session.lock()
    message = window.unlock_page.message_label

    def work(_c: Any) -> Any:
        from clinician_desk.bootstrap import restore_vault_from_backup

        return restore_vault_from_backup(paths, Path(path), passphrase, clock)

    def done(result: Any) -> None:
        from ui.times import shown_time

        text = _("Restored the backup made {when}. Unlock with the backup's passphrase.").format(
            when=shown_time(result.header.created_at)
        )
        if result.replaced is not None:
            text += " " + _("The vault it replaced is kept in {folder}.").format(
                folder=str(result.replaced)
            )
        message.setText(text)

    def failed(exc: Any) -> None:
        message.setText(_("Nothing was restored: {reason}").format(reason=exc.message))

    message.setText(_("Restoring the backup…"))
    ctx.tasks.run_db(work, context=window, on_done=done, on_error=failed, name="restore")


def focus_pages(window: Any) -> None:
    nav = getattr(window, "nav", None)
    if nav is not None and nav.isVisible():
        nav.setFocus()


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
    window.restore_action = _action(
        window, "restore_action", _("Restore from a backup…"), lambda: open_restore(window)
    )
    window.new_recovery_key_action = _action(
        window,
        "new_recovery_key_action",
        _("New recovery key…"),
        lambda: open_new_recovery_key(window),
    )
    # Tab stays on the page (ui.focus.PageStack); F6 takes the keyboard to the page list.
    window.focus_pages_action = _action(
        window, "focus_pages_action", _("Go to the page list"), lambda: focus_pages(window), "F6"
    )
    help_action = _action(window, "help_action", _("User guide"), lambda: open_help(window), "F1")
    file_menu.insertAction(window.lock_action, window.profile_action)
    vault = window.menuBar().addMenu(_("&Vault"))
    vault.addAction(window.change_passphrase_action)
    vault.addAction(window.backup_action)
    vault.addAction(window.restore_action)
    vault.addAction(window.new_recovery_key_action)
    help_menu = window.menuBar().addMenu(_("&Help"))
    help_menu.addAction(help_action)
    help_menu.addAction(window.focus_pages_action)
    return [
        window.profile_action,
        window.change_passphrase_action,
        window.backup_action,
    ], help_action
