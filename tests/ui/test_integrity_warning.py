"""Unlocking a vault whose recovery-key slot is damaged: the app opens and says so at once."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from clinician_desk.storage import Database
from clinician_desk.vault import create_vault
from tests.support.ui import CHEAP_KDF, PASSPHRASE, grab


def test_damaged_recovery_slot_is_shown_after_unlock_without_blocking(
    qtbot, ui_context, artifacts_dir
):
    from ui.app import build_window

    paths = ui_context.paths.vault("default")
    key, _recovery = create_vault(paths, PASSPHRASE, clock=ui_context.clock, kdf=CHEAP_KDF)
    Database.open(paths.database, key, clock=ui_context.clock, create=True).close()
    doc = json.loads(paths.keyslots.read_bytes())
    slot = next(s for s in doc["slots"] if s["type"] == "recovery")
    slot["wrapped"] = (
        slot["wrapped"][:8] + ("A" if slot["wrapped"][8] != "A" else "B") + (slot["wrapped"][9:])
    )
    paths.keyslots.write_text(json.dumps(doc, indent=2))

    win = build_window(ui_context, idle=300)
    qtbot.addWidget(win)
    win.resize(1100, 720)
    win.show()
    win.session.open("default", key)
    qtbot.waitUntil(lambda: win.stack.currentWidget() is win.workspace, timeout=20_000)
    box = win.findChild(QMessageBox, "integrity_warning_message_box")
    assert box is not None
    qtbot.waitUntil(box.isVisible, timeout=5_000)
    assert box.windowModality() == Qt.WindowModality.NonModal  # the caseload stays usable
    text = box.informativeText()
    assert "recovery-key slot" in text and "regenerate-recovery-key" in text
    grab(box, artifacts_dir, "62_integrity_warning")
    box.accept()
