"""The app publishes this laptop's handoff card to the county's registry as a step of its own
(decision 0102): right after enrolling from the Sync page, and before an automatic round when
the card is not yet published. Real vault, real county server process on loopback; the
scheduler's time is a ``FakeClock`` started at the real time (the server checks signatures).

The rounds' accounting is unchanged by it: the publication is recorded before the round's
anchor is taken, so a round that published sends exactly one anchor and the next round with
nothing new is still "nothing" (no anchor sent for the publication alone)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.demo.generator import DISTRICT, SCHOOLS
from clinician_desk.services.handoff import HandoffService
from clinician_desk.services.profile import set_profile
from clinician_desk.storage.repositories import demo as demo_repo
from clinician_desk.sync.backoff import Backoff
from county_server.db import Database
from tests.support.county import DEMO_DISTRICT, DEMO_SCHOOLS, CountyServer
from tests.support.ui import CHEAP_KDF, PASSPHRASE
from ui.sync_scheduler import STARTUP_DELAY


# One county server process for the module (starting one costs ~1-2 s); each test enrolls its
# own laptop and looks only at that device's card and anchors.
@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory):
    server = CountyServer(tmp_path_factory.mktemp("county"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC))


@pytest.fixture
def window(qtbot, tmp_path, clock):
    from clinician_desk.vault import create_vault
    from ui.app import build_context, build_window

    ctx = build_context(
        tmp_path / "data", clock=clock, kdf=CHEAP_KDF, settings_path=tmp_path / "ui.ini"
    )
    key, _recovery = create_vault(ctx.paths.vault("default"), PASSPHRASE, kdf=CHEAP_KDF)
    win = build_window(ctx, idle=10**7)
    qtbot.addWidget(win)
    win.show()
    win.session.open("default", key, create=True)
    qtbot.waitUntil(lambda: ctx.unlocked, timeout=20_000)
    services = ctx.services

    ctx.tasks.call_db_blocking(
        lambda: set_profile(services.db, display_name="Quinn Placeholder", credential="PPS")
    )
    services.sync.worker.backoff = Backoff(uniform=lambda: 1.0)
    try:
        yield win
    finally:
        ctx.tasks.wait_idle(10_000)
        if ctx.services is not None:
            ctx.tasks.call_db_blocking(ctx.services.close)
        ctx.tasks.shutdown()


def _add_schools(win: Any) -> None:
    db = win.ctx.services.db

    def work() -> None:
        with db.unit_of_work() as uow:
            demo_repo.insert_schools(uow.conn, ((c, n, DISTRICT) for c, n, _ in SCHOOLS))

    win.ctx.tasks.call_db_blocking(work)


def _county_rows(county: CountyServer, sql: str) -> list[Any]:
    db = Database.open(county.db_url, migrate=False)
    try:
        with db.read() as tx:
            return list(tx.all(sql))
    finally:
        db.close()


def _cards(county: CountyServer) -> dict[str, tuple[str, str]]:
    rows = _county_rows(county, "SELECT device_id, name, ed25519 FROM handoff_keys")
    return {r[0]: (r[1], r[2]) for r in rows}


def _anchors(county: CountyServer, device: str) -> int:
    rows = _county_rows(county, "SELECT device_id FROM audit_anchors")
    return sum(1 for r in rows if r[0] == device)


def _device_id(win: Any) -> str:
    if hasattr(win, "sync") and not hasattr(win, "ctx"):  # a vaultkit Vault
        return str(win.sync.anchored_device().device_id)
    sync = win.ctx.services.sync
    device = win.ctx.tasks.call_db_blocking(sync.anchored_device)
    return str(device.device_id)


def _mine(win: Any) -> str:
    db = win.ctx.services.db
    return win.ctx.tasks.call_db_blocking(lambda: HandoffService(db).whoami().ed25519)


def _seed(win: Any, day: date) -> None:
    from tests.support.vaultkit import Seeder

    seeder = Seeder(SimpleNamespace(services=win.ctx.services))

    def work() -> None:
        student = seeder.student("7", DEMO_SCHOOLS[0])
        seeder.session(day, "TX-IND", 2, DEMO_SCHOOLS[0], (student,))

    win.ctx.tasks.call_db_blocking(work)


def _round(qtbot: Any, scheduler: Any) -> str:
    rounds = scheduler.rounds
    scheduler.check()
    assert scheduler.running, "a round was due but did not start"
    qtbot.waitUntil(lambda: scheduler.rounds == rounds + 1, timeout=30_000)
    return str(scheduler.last_outcome)


def _take_keys_of_another_laptop(win: Any, county: CountyServer, tmp_path: Any) -> str:
    """This vault gets the handoff keys another enrolled laptop already published (a vault
    restored onto a second laptop, decision 0101): the county refuses its card with a 409.
    Returns the other laptop's device id."""
    from clinician_desk.storage.repositories import handoff as handoff_repo
    from tests.support.vaultkit import open_vault

    other = open_vault(tmp_path / "other")
    try:
        other.sync.enroll(county.url, county.issue_code((DEMO_DISTRICT,)))
        assert other.sync.publish_handoff_card(force=True) == "stored"
        with other.services.db.read() as conn:
            raw = handoff_repo.read_identity(conn)
        assert raw is not None
        db = win.ctx.services.db

        def same_keys() -> None:
            with db.unit_of_work() as uow:
                handoff_repo.store_identity(uow.conn, *raw, "2026-09-01T00:00:00Z")

        win.ctx.tasks.call_db_blocking(same_keys)
        return _device_id(other)
    finally:
        other.close()


def _forget_keys(win: Any) -> None:
    """New handoff keys here (made again on the next use): the county takes the next card."""
    db = win.ctx.services.db

    def work() -> None:
        with db.unit_of_work() as uow:
            uow.conn.execute("DELETE FROM handoff_identity")

    win.ctx.tasks.call_db_blocking(work)


def test_enrolling_from_the_sync_page_publishes_the_card(qtbot, window, county):
    _add_schools(window)
    page = window.sync_page
    page.server_edit.setText(county.url)
    page.enroll(county.issue_code((DEMO_DISTRICT,)))
    qtbot.waitUntil(lambda: page.enroll_button.isEnabled(), timeout=20_000)
    assert "enrolled" in page.message.text()
    device = _device_id(window)
    assert _cards(county).get(device) == ("Quinn Placeholder", _mine(window))
    assert "handoff card" not in page.message.text().lower()  # published: nothing to report


def test_enrolling_reports_a_card_that_could_not_be_published_and_stays_enrolled(
    qtbot, window, county, tmp_path
):
    # the county refuses the card (409, keys another laptop published); the enrollment itself
    # stands and the problem is said
    _add_schools(window)
    other = _take_keys_of_another_laptop(window, county, tmp_path)
    page = window.sync_page
    page.server_edit.setText(county.url)
    page.enroll(county.issue_code((DEMO_DISTRICT,)))
    qtbot.waitUntil(lambda: page.enroll_button.isEnabled(), timeout=20_000)
    assert "This laptop is enrolled." in page.message.text()
    assert "handoff card was not published" in page.message.text()
    assert "409" in page.message.text()
    cards = _cards(county)
    assert other in cards and _device_id(window) not in cards
    assert window.ctx.tasks.call_db_blocking(window.ctx.services.sync.status).enrolled


def test_a_background_round_publishes_an_unpublished_card_without_an_extra_anchor(
    qtbot, window, county, clock
):
    _add_schools(window)
    scheduler = window.sync_scheduler
    sync = window.ctx.services.sync
    code = county.issue_code((DEMO_DISTRICT,))
    # enrolled without publishing (as an older version did, or when the county was unreachable)
    window.ctx.tasks.call_db_blocking(lambda: sync.enroll(county.url, code))
    device = _device_id(window)
    assert device not in _cards(county)
    _seed(window, date(2026, 9, 15))
    clock.advance(STARTUP_DELAY)
    assert _round(qtbot, scheduler) == "synced"
    assert _cards(county).get(device) == ("Quinn Placeholder", _mine(window))
    assert _anchors(county, device) == 1  # the round's own anchor, covering the publication
    assert sum(county.totals(device).values()) > 0

    # the next round has nothing new: no anchor for the publication alone, nothing re-sent
    clock.advance(scheduler.interval)
    assert _round(qtbot, scheduler) == "nothing"
    assert _anchors(county, device) == 1
    assert scheduler.outcomes == ["synced", "nothing"]
    assert scheduler.card_publications == 1


def test_a_background_card_failure_is_shown_in_the_header_and_on_the_sync_page_until_it_works(
    qtbot, window, county, clock, tmp_path
):
    # The county refuses this vault's card (its keys were published by another laptop, 409): the
    # round itself syncs, and the header and the Sync page say the card is not yet published and
    # why (the county's reason; no student data). New keys here: the next round publishes the
    # card and both clear.
    _add_schools(window)
    scheduler = window.sync_scheduler
    sync = window.ctx.services.sync
    _take_keys_of_another_laptop(window, county, tmp_path)
    code = county.issue_code((DEMO_DISTRICT,))
    window.ctx.tasks.call_db_blocking(lambda: sync.enroll(county.url, code))
    header, page = window.sync_status, window.sync_page
    assert "handoff card" not in header.text()
    _seed(window, date(2026, 9, 15))
    clock.advance(STARTUP_DELAY)
    assert _round(qtbot, scheduler) == "synced"  # the counts went; only the card did not
    assert "409" in scheduler.card_problem
    qtbot.waitUntil(lambda: "handoff card not yet published" in header.text(), timeout=10_000)
    assert "409" in header.toolTip()
    window.nav.setCurrentRow(window.pages.index(page))
    assert page.card_label.isVisible() and "409" in page.card_label.text()
    assert "not yet published" in page.card_label.text()

    _forget_keys(window)
    clock.advance(scheduler.interval)
    assert _round(qtbot, scheduler) in ("synced", "nothing")
    assert scheduler.card_problem == ""
    assert _cards(county).get(_device_id(window)) == ("Quinn Placeholder", _mine(window))
    qtbot.waitUntil(lambda: "handoff card" not in header.text(), timeout=10_000)
    assert header.toolTip() == "" and page.card_label.isHidden()


def test_the_handoff_dialog_says_a_card_it_could_not_publish_and_the_header_says_it_too(
    qtbot, window, county, tmp_path
):
    # Opening the Caseload handoff dialog publishes the card (decision 0102). When the county
    # refuses it, the dialog says so and why, and the header and the Sync page show it as they
    # do for the rounds' attempts; with new keys, opening it again publishes and clears both.
    from ui.dialogs.handoff_dialog import HandoffDialog

    _add_schools(window)
    sync = window.ctx.services.sync
    _take_keys_of_another_laptop(window, county, tmp_path)
    code = county.issue_code((DEMO_DISTRICT,))
    window.ctx.tasks.call_db_blocking(lambda: sync.enroll(county.url, code))
    header, page = window.sync_status, window.sync_page

    def open_dialog() -> HandoffDialog:
        window.open_handoff()
        dialogs = [d for d in window.findChildren(HandoffDialog) if d.isVisible()]
        assert len(dialogs) == 1
        return dialogs[0]

    dialog = open_dialog()
    label = dialog.card_problem_label
    qtbot.waitUntil(lambda: label.isVisible(), timeout=20_000)
    assert "not yet published" in label.text() and "409" in label.text()
    qtbot.waitUntil(lambda: "handoff card not yet published" in header.text(), timeout=10_000)
    assert "409" in header.toolTip() and "409" in page.card_label.text()
    dialog.reject()
    dialog.deleteLater()

    _forget_keys(window)
    dialog = open_dialog()
    me = _mine(window)
    qtbot.waitUntil(
        lambda: _cards(county).get(_device_id(window)) == ("Quinn Placeholder", me),
        timeout=20_000,
    )
    qtbot.waitUntil(lambda: "handoff card" not in header.text(), timeout=10_000)
    assert dialog.card_problem_label.isHidden() and header.toolTip() == ""
    dialog.reject()
