"""File ▸ Caseload handoff…: the vault's fingerprint and card are shown; a package from a kept
colleague is checked, shown and imported; a truncated one is refused in the dialog."""

from __future__ import annotations

from clinician_desk.demo.generator import DISTRICT, SCHOOLS, generate_demo
from clinician_desk.services.handoff import HandoffService
from clinician_desk.storage.repositories import demo as demo_repo
from tests.support.vaultkit import open_vault


def test_handoff_dialog_shows_the_fingerprint_and_imports(qtbot, unlocked_window, tmp_path):
    from ui.dialogs.handoff_dialog import HandoffDialog

    window = unlocked_window
    db = window.ctx.services.db
    here = HandoffService(db)

    def prepare() -> object:
        with db.unit_of_work() as uow:
            demo_repo.insert_schools(uow.conn, ((c, n, DISTRICT) for c, n, _ in SCHOOLS))
        return here.whoami()

    me = window.ctx.tasks.call_db_blocking(prepare)
    sender = open_vault(tmp_path / "sender")
    try:
        generate_demo(sender.services.db, students=3, sessions=20, seed=5)
        out = HandoffService(sender.services.db)
        out.add_contact(me.card)
        sender_me = out.whoami()
        package = tmp_path / "package.cdh"
        package.write_bytes(out.export([1, 2, 3], me.fingerprint).data)
    finally:
        sender.close()
    truncated = tmp_path / "cut.cdh"
    truncated.write_bytes(package.read_bytes()[:-30])

    window.handoff_action.trigger()
    dialog = window.findChild(HandoffDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.fingerprint_label.text() == me.fingerprint, timeout=20_000)
    assert dialog.card_edit.text() == me.card and dialog.card_edit.isReadOnly()
    dialog.contact_edit.setText("cdhk1.not-a-card")
    dialog.add_contact_button.click()
    qtbot.waitUntil(lambda: "not a clinician-desk" in dialog.message.text(), timeout=20_000)
    dialog.contact_edit.setText(sender_me.card)
    dialog.add_contact_button.click()
    qtbot.waitUntil(lambda: sender_me.fingerprint in dialog.message.text(), timeout=20_000)

    dialog.check_file(truncated)
    qtbot.waitUntil(lambda: "truncated" in dialog.message.text(), timeout=20_000)
    assert not dialog.confirm_button.isEnabled()

    dialog.check_file(package)
    qtbot.waitUntil(dialog.confirm_button.isEnabled, timeout=20_000)
    assert "students: 3" in dialog.message.text()
    dialog.confirm_button.click()
    qtbot.waitUntil(lambda: "Imported 3" in dialog.message.text(), timeout=20_000)

    def count() -> int:
        with db.read() as conn:
            return int(conn.execute("SELECT count(*) FROM students").fetchone()[0])

    assert window.ctx.tasks.call_db_blocking(count) == 3
    dialog.close()


def test_hand_off_the_students_selected_on_the_caseload(qtbot, unlocked_window, tmp_path):
    from PySide6.QtCore import QItemSelectionModel

    from ui.dialogs.handoff_dialog import HandoffDialog
    from ui.dialogs.handoff_export_dialog import HandoffExportDialog

    window = unlocked_window
    db = window.ctx.services.db
    here = HandoffService(db)
    window.ctx.tasks.call_db_blocking(lambda: generate_demo(db, students=4, sessions=30, seed=3))
    recipient = open_vault(tmp_path / "recipient")
    try:
        with recipient.services.db.unit_of_work() as uow:
            demo_repo.insert_schools(uow.conn, ((c, n, DISTRICT) for c, n, _ in SCHOOLS))
        there = HandoffService(recipient.services.db)
        them = there.whoami()
        me = window.ctx.tasks.call_db_blocking(here.whoami)
        there.add_contact(me.card)
        window.ctx.tasks.call_db_blocking(lambda: here.add_contact(them.card))

        page = window.caseload_page
        page.activate()
        qtbot.waitUntil(lambda: page.model.rowCount() == 4, timeout=20_000)
        selection = page.table.selectionModel()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for row in (0, 2):
            selection.select(page.proxy.index(row, 0), flags)
        chosen = page.selected_students()
        assert len(chosen) == 2
        page.handoff_button.click()
        dialog = page.findChild(HandoffExportDialog)
        assert dialog is not None
        qtbot.waitUntil(dialog.save_button.isEnabled, timeout=20_000)
        assert them.fingerprint in dialog.colleague_combo.currentText()
        target = tmp_path / "caseload.cdh"
        dialog.export_to(target)
        qtbot.waitUntil(lambda: "Sealed 2" in dialog.message.text(), timeout=20_000)
        assert target.stat().st_mode & 0o077 == 0
        done = there.import_package(target.read_bytes())
        assert len(done.student_ids) == 2
        dialog.export_to(target)  # the file exists now: refused, nothing written over it
        qtbot.waitUntil(lambda: "already exists" in dialog.message.text(), timeout=20_000)
        dialog.close()

        # The colleague imported it: confirm from File > Caseload handoff…
        window.handoff_action.trigger()
        handoff = window.findChild(HandoffDialog)
        assert handoff is not None
        handoff.confirm_sent(target)
        qtbot.waitUntil(lambda: "Handoff confirmed: 2" in handoff.message.text(), timeout=20_000)

        def transferred() -> int:
            with db.read() as conn:
                return int(conn.execute("SELECT count(*) FROM handoff_transfers").fetchone()[0])

        assert window.ctx.tasks.call_db_blocking(transferred) == 2
        handoff.close()
    finally:
        recipient.close()
