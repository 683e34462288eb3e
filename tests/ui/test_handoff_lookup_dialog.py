"""Caseload handoff ▸ Find a colleague…, against a real county server on loopback: the
colleague's card is found by name with the fingerprint computed here; it can be saved as a
contact only after ticking that the fingerprint was read aloud; opening the dialog published this
laptop's own card."""

from __future__ import annotations

from clinician_desk.demo.generator import DISTRICT, SCHOOLS
from clinician_desk.services.handoff import HandoffService, registry
from clinician_desk.services.profile import set_profile
from clinician_desk.storage.repositories import demo as demo_repo
from tests.support.county import DEMO_DISTRICT, CountyServer
from tests.support.handoff import add_schools
from tests.support.vaultkit import open_vault


def test_find_a_colleague_and_save_after_the_fingerprint_was_read(qtbot, unlocked_window, tmp_path):
    from ui.dialogs.handoff_dialog import HandoffDialog
    from ui.dialogs.handoff_lookup_dialog import HandoffLookupDialog

    county = CountyServer(tmp_path / "county")
    county.start()
    colleague = open_vault(tmp_path / "colleague")
    try:
        add_schools(colleague)
        set_profile(colleague.services.db, display_name="Robin Placeholder", credential="PPS")
        colleague.sync.enroll(county.url, county.issue_code((DEMO_DISTRICT,)))
        assert colleague.sync.publish_handoff_card(force=True) == "stored"
        theirs = HandoffService(colleague.services.db).whoami()
        window = unlocked_window
        services = window.ctx.services
        code = county.issue_code((DEMO_DISTRICT,))

        def enroll() -> str:
            with services.db.unit_of_work() as uow:
                demo_repo.insert_schools(uow.conn, ((c, n, DISTRICT) for c, n, _ in SCHOOLS))
            services.sync.enroll(county.url, code)
            return HandoffService(services.db).whoami().fingerprint

        mine = window.ctx.tasks.call_db_blocking(enroll)

        window.handoff_action.trigger()
        dialog = window.findChild(HandoffDialog)
        assert dialog is not None
        dialog.find_button.click()
        qtbot.waitUntil(lambda: window.findChild(HandoffLookupDialog) is not None, timeout=5000)
        lookup = window.findChild(HandoffLookupDialog)
        lookup.search_button.click()  # neither a name nor a school: the app's own words
        qtbot.waitUntil(lookup.search_button.isEnabled, timeout=20_000)
        assert "name" in lookup.message.text() and "--" not in lookup.message.text()
        lookup.name_edit.setText("robin")
        lookup.search_button.click()
        qtbot.waitUntil(lambda: lookup.results.count() == 1, timeout=20_000)
        shown = lookup.results.item(0).text()
        assert "Robin Placeholder, PPS" in shown and theirs.fingerprint in shown
        lookup.results.setCurrentRow(0)
        assert not lookup.save_button.isEnabled()  # not before the fingerprint was read aloud
        lookup.read_aloud.setChecked(True)
        assert lookup.save_button.isEnabled()
        lookup.save_button.click()
        qtbot.waitUntil(lambda: "Kept Robin Placeholder" in lookup.message.text(), timeout=20_000)
        kept = window.ctx.tasks.call_db_blocking(lambda: HandoffService(services.db).contacts())
        assert [(fp, name) for fp, name, _at in kept] == [(theirs.fingerprint, "Robin Placeholder")]
        lookup.close()

        # opening Caseload handoff published this laptop's card: the colleague finds it
        def published() -> bool:
            found = registry.lookup(
                colleague.services.db,
                colleague.clock,
                colleague.sync.client_factory,
                school=SCHOOLS[0][0],
            )
            return mine in {c.fingerprint for c in found}

        qtbot.waitUntil(published, timeout=20_000)
        dialog.close()
    finally:
        colleague.close()
        county.stop()


def test_an_unenrolled_laptop_is_told_where_to_enroll_in_the_app(qtbot, unlocked_window) -> None:
    from ui.dialogs.handoff_lookup_dialog import HandoffLookupDialog

    lookup = HandoffLookupDialog(unlocked_window.ctx, unlocked_window)
    qtbot.addWidget(lookup)
    lookup.name_edit.setText("robin")
    lookup.search_button.click()
    qtbot.waitUntil(lookup.search_button.isEnabled, timeout=20_000)
    shown = lookup.message.text()
    assert "Sync" in shown and "clinician-desk-admin" not in shown, shown
