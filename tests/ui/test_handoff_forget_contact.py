"""Caseload handoff ▸ a kept colleague's card is revoked in the app: the dialog lists the kept
colleagues, **Forget colleague** removes the chosen one (audited in the core), and the export
dialog no longer offers it as a recipient. Real vault, real task workers."""

from __future__ import annotations

from clinician_desk.services.handoff import HandoffService
from tests.support.vaultkit import open_vault


def test_forget_a_colleague_in_the_dialog(qtbot, unlocked_window, tmp_path):
    from ui.dialogs.handoff_dialog import HandoffDialog
    from ui.dialogs.handoff_export_dialog import HandoffExportDialog

    window = unlocked_window
    db = window.ctx.services.db
    cards = []
    for name in ("one", "two"):
        other = open_vault(tmp_path / name)
        try:
            cards.append(HandoffService(other.services.db).whoami())
        finally:
            other.close()
    here = HandoffService(db)
    for card in cards:
        window.ctx.tasks.call_db_blocking(lambda c=card: here.add_contact(c.card))

    window.handoff_action.trigger()
    dialog = window.findChild(HandoffDialog)
    assert dialog is not None
    combo = dialog.contacts_combo
    qtbot.waitUntil(lambda: combo.count() == 2, timeout=20_000)
    assert dialog.forget_contact_button.isEnabled()
    gone = cards[0]
    combo.setCurrentIndex(combo.findData(gone.fingerprint))
    dialog.forget_contact_button.click()
    qtbot.waitUntil(lambda: combo.count() == 1, timeout=20_000)
    assert combo.itemData(0) == cards[1].fingerprint
    assert gone.fingerprint in dialog.message.text()
    kept = window.ctx.tasks.call_db_blocking(here.contacts)
    assert [fp for fp, _n, _a in kept] == [cards[1].fingerprint]

    export = HandoffExportDialog(window.ctx, [(1, "Fictional Student")], window)
    qtbot.addWidget(export)
    qtbot.waitUntil(lambda: export.colleague_combo.count() == 1, timeout=20_000)
    offered = [export.colleague_combo.itemData(i) for i in range(export.colleague_combo.count())]
    assert offered == [cards[1].fingerprint]

    # the last one: the button turns off when nothing is left to forget
    dialog.forget_contact_button.click()
    qtbot.waitUntil(lambda: combo.count() == 0, timeout=20_000)
    assert not dialog.forget_contact_button.isEnabled()
    export.close()
    dialog.close()
