"""After a recovery-key unlock the app changes the data key (issue 16): the old recovery key and
an old copy of the key file stop opening the vault, and the new recovery key is shown once."""

from __future__ import annotations

import shutil

from clinician_desk.config import VaultPaths
from clinician_desk.errors import CorruptionError, WrongPassphraseError
from clinician_desk.storage import Database
from clinician_desk.vault import create_vault, unlock_vault, unlock_with_recovery_key
from tests.support.ui import CHEAP_KDF, PASSPHRASE

NEW = "fictional harbour lantern 77"


def test_recovery_dialog_rotates_the_key_and_shows_the_new_recovery_key(
    qtbot, window, tmp_path
) -> None:
    from ui.dialogs.recovery_dialog import RecoveryKeyDialog

    ctx = window.ctx
    paths = ctx.paths.vault("default")
    key, recovery = create_vault(paths, PASSPHRASE, clock=ctx.clock, kdf=CHEAP_KDF)
    Database.open(paths.database, key, clock=ctx.clock, create=True).close()
    key.wipe()
    old = VaultPaths(tmp_path / "old-copy")
    old.profile_dir.mkdir()
    shutil.copy2(paths.keyslots, old.keyslots)

    dialog = RecoveryKeyDialog(ctx, "default", window)
    qtbot.addWidget(dialog)
    assert dialog.rotate_check.isChecked()
    dialog.recovery_edit.setPlainText(recovery)
    dialog.fields.first.setText(NEW)
    dialog.fields.second.setText(NEW)
    assert dialog.fields.acceptable()
    with qtbot.waitSignal(dialog.accepted, timeout=60_000):
        dialog.submit()
    assert dialog.key is not None and dialog.new_recovery_text
    window.session.open("default", dialog.key)
    window.show_new_recovery_key(dialog.new_recovery_text)
    qtbot.waitUntil(lambda: window.ctx.unlocked, timeout=20_000)
    assert dialog.new_recovery_text in window.new_recovery_box.informativeText()
    window.session.lock()
    ctx.tasks.wait_idle(30_000)

    old_key = unlock_with_recovery_key(old, recovery)
    try:
        Database.open(paths.database, old_key, clock=ctx.clock).close()
        raise AssertionError("the old key file and recovery key still open the vault")
    except CorruptionError:
        pass
    finally:
        old_key.wipe()
    try:
        unlock_with_recovery_key(paths, recovery).wipe()
        raise AssertionError("the old recovery key still opens the current key file")
    except WrongPassphraseError:
        pass
    fresh = unlock_vault(paths, NEW)
    Database.open(paths.database, fresh, clock=ctx.clock).close()
    fresh.wipe()
    unlock_with_recovery_key(paths, dialog.new_recovery_text).wipe()
