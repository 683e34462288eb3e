"""Child of the canary torture: an offscreen desktop-app session on the vault that
``canary_session`` made — ``python -m bench.torture.canary_ui DATA_DIR CANARY``.

Unlocks through the unlock screen, waits for the caseload, opens the (canary-named) student,
writes a note with the canary in every section, autosaves and signs it, opens the note search
and the print preview, copies text through the app's clipboard guard, locks, and closes the
window (which saves the window geometry into the default QSettings store). Prints ``UI ok``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PASSPHRASE = "canary fictional lantern otter"


def _spin(condition: Any, what: str, timeout: float = 60.0) -> None:
    from PySide6.QtCore import QCoreApplication

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"UI step did not finish: {what}")
        QCoreApplication.processEvents()
        time.sleep(0.005)


def main(data_dir: str, canary: str) -> None:
    from PySide6.QtWidgets import QApplication

    from ui import i18n
    from ui.app import build_context, build_window
    from ui.widgets import confirm

    i18n.install("en")
    app = QApplication.instance() or QApplication([])
    ctx = build_context(Path(data_dir))  # default QSettings store: $XDG_CONFIG_HOME
    window = build_window(ctx)
    window.resize(1100, 720)
    window.show()
    app.processEvents()
    window.unlock_page.passphrase_edit.setText(PASSPHRASE)
    window.unlock_page.try_unlock()
    _spin(  # the workspace (and its caseload page) is built once the vault is open
        lambda: (
            getattr(window, "caseload_page", None) is not None
            and window.caseload_page.model.rowCount() > 0
        ),
        "caseload",
    )
    student = ctx.services.record.caseload().caseload[0]
    window.open_student(student.student_id)
    _spin(lambda: window.student_page.page is not None, "student page")
    editor = window.note_page
    window.new_note(student.student_id)
    editor.start_note()
    _spin(lambda: editor.tabs.count() == 1, "note editor")
    note = editor.current_note()
    note_id = note.note_id
    for key, box in note.editors.items():
        box.setPlainText(f"{canary} typed in the UI, {key}. " * 10)
    editor.save_draft_now()
    confirm.set_next_answers(True)
    editor.sign()
    _spin(lambda: editor.tabs.count() == 0, "sign")
    window.search_notes()
    app.processEvents()
    page = window.print_page
    # A document that carries the canary (the student's name, the signed note), so the scan
    # would see any plaintext copy the preview leaves behind.
    page.select(student.student_id, "session_summary", note_id)
    page.preview()
    _spin(lambda: page.pdf_bytes is not None, "print preview")
    import io

    from pypdf import PdfReader

    shown = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(page.pdf_bytes)).pages)
    # A flag only: the canary itself must never reach this program's output.
    print(f"PREVIEW_HAS_CANARY {int(canary.lower() in shown.lower())}", flush=True)
    ctx.clipboard.copy(f"{canary} copied")
    ctx.tasks.wait_idle(30_000)
    window.session.lock()
    ctx.tasks.wait_idle(30_000)
    window.close()
    app.processEvents()
    ctx.tasks.shutdown()
    print("UI ok", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
