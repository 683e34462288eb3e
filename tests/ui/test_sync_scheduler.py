"""Automatic background sync against a real county server process on loopback.

The scheduler's time is a ``FakeClock`` (started at the real time, so the server accepts the
signatures) and its polling is driven by calling ``check()`` directly; every round really runs
through the task manager's workers and really reaches the server. All data is fictional.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from clinician_desk.clock import FakeClock
from clinician_desk.sync.backoff import Backoff
from tests.support.ui import CHEAP_KDF, PASSPHRASE, grab
from ui.sync_scheduler import MIN_RETRY, ONLINE_DELAY, STARTUP_DELAY, sync_gate


@pytest.fixture
def county(tmp_path: Path):
    from tests.support.county import CountyServer

    server = CountyServer(tmp_path / "county")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def real_time_clock() -> FakeClock:
    return FakeClock(datetime.now(UTC))


@pytest.fixture
def session_window(qtbot, tmp_path, real_time_clock):
    from clinician_desk.vault import create_vault
    from ui.app import build_context, build_window

    ctx = build_context(
        tmp_path / "data", clock=real_time_clock, kdf=CHEAP_KDF, settings_path=tmp_path / "ui.ini"
    )
    key, _recovery = create_vault(ctx.paths.vault("default"), PASSPHRASE, kdf=CHEAP_KDF)
    # the tests advance the shared fake clock by hours: keep the idle lock out of the way
    window = build_window(ctx, idle=10**7)
    qtbot.addWidget(window)
    window.resize(1100, 720)
    window.show()
    window.session.open("default", key, create=True)
    qtbot.waitUntil(lambda: ctx.unlocked, timeout=20_000)
    try:
        yield window
    finally:
        ctx.tasks.wait_idle(10_000)
        if ctx.services is not None:
            ctx.tasks.call_db_blocking(ctx.services.close)
        ctx.tasks.shutdown()


def _seed(window, day: date, sessions: int = 2) -> None:
    from tests.support.county import DEMO_SCHOOLS
    from tests.support.vaultkit import Seeder

    seeder = getattr(window, "_test_seeder", None)  # one seeder: its counter keeps ids unique
    if seeder is None:
        seeder = window._test_seeder = Seeder(SimpleNamespace(services=window.ctx.services))

    def work() -> None:
        student = seeder.student("7", DEMO_SCHOOLS[0])
        for _ in range(sessions):
            seeder.session(day, "TX-IND", 2, DEMO_SCHOOLS[0], (student,))

    window.ctx.tasks.call_db_blocking(work)


def _enroll(window, county) -> None:
    from tests.support.county import DEMO_DISTRICT

    sync = window.ctx.services.sync
    sync.worker.backoff = Backoff(uniform=lambda: 1.0)  # deterministic: 2 s, 4 s, 8 s ...
    code = county.issue_code((DEMO_DISTRICT,))
    window.ctx.tasks.call_db_blocking(lambda: sync.enroll(county.url, code))


def _round(qtbot, scheduler) -> str:
    """Let a due round start and finish; returns its outcome."""
    rounds = scheduler.rounds
    scheduler.check()
    assert scheduler.running, "a round was due but did not start"
    qtbot.waitUntil(lambda: scheduler.rounds == rounds + 1, timeout=30_000)
    return str(scheduler.last_outcome)


def test_rounds_after_unlock_periodically_after_signing_and_not_twice(
    qtbot, session_window, county, real_time_clock, artifacts_dir
):
    window, clock = session_window, real_time_clock
    scheduler = window.sync_scheduler
    assert scheduler.enabled and scheduler.due == clock.monotonic() + STARTUP_DELAY
    scheduler.check()  # not due yet: nothing happens
    assert not scheduler.running and scheduler.rounds == 0
    clock.advance(STARTUP_DELAY)
    assert _round(qtbot, scheduler) == "not_enrolled"
    assert scheduler.due == clock.monotonic() + scheduler.interval

    # enrolling on the sync page asks for a round in `debounce`
    from tests.support.county import DEMO_DISTRICT

    _seed(window, date(2026, 9, 15))
    window.ctx.services.sync.worker.backoff = Backoff(uniform=lambda: 1.0)
    page = window.sync_page
    page.server_edit.setText(county.url)
    page.enroll(county.issue_code((DEMO_DISTRICT,)))
    qtbot.waitUntil(lambda: page.enroll_button.isEnabled(), timeout=20_000)
    assert "enrolled" in page.message.text()
    assert scheduler.due == clock.monotonic() + scheduler.debounce
    scheduler.check()
    assert not scheduler.running and sum(county.totals().values()) == 0  # not due yet
    clock.advance(scheduler.debounce)
    assert _round(qtbot, scheduler) == "synced"
    first = sum(county.totals().values())
    assert first > 0
    qtbot.waitUntil(lambda: "Last synced" in window.sync_status.text(), timeout=20_000)

    # periodic: nothing before the interval has passed, then a round (with nothing to send)
    clock.advance(scheduler.interval - 1)
    scheduler.check()
    assert not scheduler.running
    clock.advance(1)
    assert _round(qtbot, scheduler) == "nothing"

    # a signed note (the editor's signal) asks for a round in `debounce`; several give one
    _seed(window, date(2026, 9, 16), sessions=3)
    window.note_page.note_signed.emit("1")
    clock.advance(10)
    window.note_page.note_signed.emit("1")
    assert scheduler.due == pytest.approx(clock.monotonic() - 10 + scheduler.debounce)
    clock.advance(scheduler.debounce - 10)
    # never two syncs at once: "Sync now" is refused while the automatic round runs
    scheduler.check()
    assert scheduler.running
    window.nav.setCurrentRow(window.pages.index(window.sync_page))
    window.sync_page.sync_now()
    assert "already running" in window.sync_page.message.text()
    qtbot.waitUntil(lambda: not scheduler.running, timeout=30_000)
    assert scheduler.outcomes == ["not_enrolled", "synced", "nothing", "synced"]
    assert sum(county.totals().values()) > first
    assert sync_gate(window.ctx).holder is None
    qtbot.waitUntil(lambda: "0 waiting" in window.sync_page.headline.text(), timeout=20_000)
    grab(window, artifacts_dir, "16_sync_page_after_automatic_sync")


def test_offline_backs_off_network_return_resumes_revoked_stops_lock_stops(
    qtbot, session_window, county, real_time_clock
):
    window, clock = session_window, real_time_clock
    scheduler = window.sync_scheduler
    _enroll(window, county)
    _seed(window, date(2026, 9, 15))
    county.stop()
    clock.advance(STARTUP_DELAY)
    assert _round(qtbot, scheduler) == "offline"  # silent: no message box, status bar only
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    assert scheduler.due >= clock.monotonic() + MIN_RETRY
    clock.advance(MIN_RETRY - 1)
    scheduler.check()
    assert not scheduler.running  # the backoff is respected: no hammering

    county.start()
    from PySide6.QtNetwork import QNetworkInformation

    due = scheduler.due
    scheduler._reachability_changed(QNetworkInformation.Reachability.Disconnected)
    assert scheduler.due == due  # going offline plans nothing
    scheduler._reachability_changed(QNetworkInformation.Reachability.Online)
    assert scheduler.due == clock.monotonic() + ONLINE_DELAY  # back online: soon, backoff reset
    scheduler.due = due
    scheduler._reachability_changed(QNetworkInformation.Reachability.Online)
    assert scheduler.due == due  # "Online" again is not a change
    scheduler.due = clock.monotonic() + ONLINE_DELAY
    clock.advance(ONLINE_DELAY)
    assert _round(qtbot, scheduler) == "synced"
    assert sum(county.totals().values()) > 0

    device = window.ctx.tasks.call_db_blocking(lambda: window.ctx.services.sync.status())
    county.revoke(device.device_id)
    _seed(window, date(2026, 9, 17))
    scheduler.request_soon()
    clock.advance(scheduler.debounce)
    assert _round(qtbot, scheduler) == "revoked"
    assert scheduler.halted == "revoked" and scheduler.due is None
    scheduler.request_soon()
    clock.advance(scheduler.interval)
    scheduler.check()
    assert not scheduler.running  # a revoked laptop is not tried again in this session
    qtbot.waitUntil(lambda: "withdrawn" in window.sync_status.text(), timeout=20_000)

    window.lock_action.trigger()
    assert not scheduler.active and not scheduler._timer.isActive()
    scheduler.request_soon()
    scheduler.network_online()
    assert scheduler.due is None  # locked: nothing is planned


def test_it_policy_turns_automatic_sync_off_and_sets_the_lock_time_at_unlock(
    qtbot, tmp_path, monkeypatch, real_time_clock
):
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"auto_sync": False}), encoding="utf-8")
    monkeypatch.setenv("CLINICIAN_DESK_POLICY_FILE", str(policy))
    from ui.sync_scheduler import automatic_sync_allowed

    assert automatic_sync_allowed() is False
    from clinician_desk.config.it_policy import parse_policy

    assert parse_policy({"auto_sync": 0}, "registry").automatic_sync is False  # a DWORD
    assert parse_policy({"auto_sync": 1}, "registry").automatic_sync is True
    assert parse_policy({}, "file").automatic_sync is True
    policy.write_text(json.dumps({"auto_sync": "sometimes"}), encoding="utf-8")
    assert automatic_sync_allowed() is True  # unreadable policy: default on, warned in the log
    policy.write_text(json.dumps({"auto_sync": False, "auto_lock_minutes": 3}), encoding="utf-8")
    from clinician_desk.vault import create_vault
    from ui.app import build_context, build_window

    ctx = build_context(
        tmp_path / "data", clock=real_time_clock, kdf=CHEAP_KDF, settings_path=tmp_path / "ui.ini"
    )
    key, _recovery = create_vault(ctx.paths.vault("default"), PASSPHRASE, kdf=CHEAP_KDF)
    window = build_window(ctx)  # the lock time comes from the policy, read at unlock
    qtbot.addWidget(window)
    try:
        assert window.session.watcher.idle_seconds == 300  # the default until unlocked
        window.session.open("default", key, create=True)
        qtbot.waitUntil(lambda: ctx.unlocked, timeout=20_000)
        assert window.session.watcher.idle_seconds == 180
        scheduler = window.sync_scheduler
        assert not scheduler.enabled and scheduler.due is None
        scheduler.request_soon()
        real_time_clock.advance(3600)
        scheduler.check()
        assert not scheduler.running and scheduler.rounds == 0
    finally:
        ctx.tasks.wait_idle(10_000)
        if ctx.services is not None:
            ctx.tasks.call_db_blocking(ctx.services.close)
        ctx.tasks.shutdown()
