"""Enroll, sync, edit, resync, duplicates, out-of-order, restart, revocation — real server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from clinician_desk.errors import SyncError, UsageError
from clinician_desk.sync import outbox
from clinician_desk.sync.worker import SyncWorker
from clinician_desk.vault import unwrap_escrow
from tests.support.county import DISTRICT, SCHOOLS, CountyServer
from tests.support.truth import signed_sessions_by_school_month, truth
from tests.support.vaultkit import Seeder, Vault

A, B = SCHOOLS[0], SCHOOLS[1]


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CountyServer]:
    """One server for the module (each test is its own device; totals are read per device)."""
    server = CountyServer(tmp_path_factory.mktemp("county"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_county(tmp_path: Path) -> Iterator[CountyServer]:
    """A server of its own, for tests that change county-wide state (closing a month)."""
    server = CountyServer(tmp_path / "own-county")
    server.start()
    yield server
    server.stop()


def seed_month(seeder: Seeder) -> None:
    kid1 = seeder.student("7", A)
    kid2 = seeder.student("10", A)
    kid3 = seeder.student("K", B)
    seeder.session(date(2026, 8, 3), "TX-IND", 2, A, (kid1,), 45)
    seeder.session(date(2026, 8, 10), "TX-IND", 2, A, (kid1,), 30)
    seeder.session(date(2026, 8, 11), "TX-GRP", 2, A, (kid1, kid2), 50)
    seeder.session(date(2026, 8, 12), "CRISIS", 3, B, (kid3,), 60)
    seeder.session(date(2026, 9, 1), "CM-COORD", 2, B, (kid3,), 20)
    seeder.session(date(2026, 9, 2), "TX-IND", 3, A, (kid2,), 40, sign=False)  # draft: not counted
    seeder.referral(kid2, date(2026, 8, 20), completed=date(2026, 9, 4))


def test_enroll_sync_edit_resync_and_totals_match(
    county: CountyServer, vault: Vault, seeder: Seeder
) -> None:
    seed_month(seeder)
    sync = vault.sync
    with pytest.raises(UsageError):
        sync.enroll(county.url, "  ")
    enrolled = sync.enroll(county.url, county.issue_code((DISTRICT,)))
    assert enrolled.org_units == tuple(sorted((DISTRICT, *SCHOOLS))) and enrolled.escrow_set
    keyslots = vault.services.paths.keyslots.read_bytes()
    escrow_private = (county.folder / "escrow.pem").read_bytes()
    assert unwrap_escrow(keyslots, escrow_private) == vault.services.key.raw

    first = sync.sync_once()
    assert first.stopped is None, first.problem
    assert {v.status for v in first.verdicts} == {"synced"}
    dev = enrolled.device_id
    assert county.totals(dev) == truth(vault)
    independent = signed_sessions_by_school_month(vault)
    server = county.totals(dev)
    for (school, month), (n, minutes) in independent.items():
        assert n == sum(v for k, v in server.items() if k[:3] == (school, month, "services"))
        assert minutes == sum(v for k, v in server.items() if k[:3] == (school, month, "minutes"))
    status = sync.status()
    assert status.pending_count == 0 and not status.problems and status.last_success_at

    # Nothing changed: a second round sends nothing and bumps no revision.
    revisions = county.revisions()
    assert sync.sync_once().verdicts == []
    assert county.revisions() == revisions

    # Edit: a late-signed session changes one school's August snapshot only.
    seeder.session(date(2026, 8, 25), "TX-IND", 2, A, (seeder.student_ids[0],), 55)
    second = sync.sync_once()
    assert [(v.item.org_unit, v.item.period) for v in second.verdicts] == [(A, "2026-08")]
    assert county.totals(dev) == truth(vault)
    after = county.revisions()
    changed = {k for k in after if after[k] != revisions.get(k)}
    assert {(k[1], k[2]) for k in changed} == {(A, "2026-08")}


def test_duplicate_and_out_of_order_deliveries_change_nothing(
    county: CountyServer, vault: Vault, seeder: Seeder
) -> None:
    seed_month(seeder)
    dev = vault.sync.enroll(county.url, county.issue_code((DISTRICT,))).device_id
    worker = vault.sync.worker
    device, items_r1 = worker.prepare()
    assert device is not None
    old = next(i for i in items_r1 if i.org_unit == A and i.period == "2026-08")
    seeder.session(date(2026, 8, 26), "TX-IND", 2, A, (seeder.student_ids[0],), 35)
    device, items_r2 = worker.prepare()
    new = next(i for i in items_r2 if i.org_unit == A and i.period == "2026-08")
    assert new.revision == old.revision + 1
    # the newer revision arrives first, then the older one (a delayed retry), then a duplicate
    r = worker.send(device, items_r2)
    worker.record(r)
    assert all(v.status == "synced" for v in r.verdicts)
    late = worker.send(device, [old])
    assert late.verdicts[0].status == "stale" and late.verdicts[0].server_revision == new.revision
    before = county.revisions()
    dup = worker.send(device, [new])  # a replay (same Idempotency-Key): the first answer again
    assert dup.verdicts[0].status == "synced"
    assert county.revisions() == before
    assert county.totals(dev) == truth(vault)


def test_server_restart_mid_sync_loses_and_doubles_nothing(
    county: CountyServer, vault: Vault, seeder: Seeder
) -> None:
    seed_month(seeder)
    dev = vault.sync.enroll(county.url, county.issue_code((DISTRICT,))).device_id
    worker = vault.sync.worker
    device, items = worker.prepare()
    assert device is not None and len(items) >= 3
    part = worker.send(device, items[:1])
    worker.record(part)
    county.stop()
    down = vault.sync.sync_once()
    assert down.stopped == "offline" and vault.sync.status().pending_count == len(items) - 1
    county.start()
    vault.clock.advance(3600)
    up = vault.sync.sync_once()
    assert up.stopped is None and len(up.verdicts) == len(items) - 1
    assert county.totals(dev) == truth(vault)
    assert vault.sync.status().pending_count == 0


def test_revoked_device_stops_and_says_whom_to_call(
    county: CountyServer, vault: Vault, seeder: Seeder
) -> None:
    seed_month(seeder)
    enrolled = vault.sync.enroll(county.url, county.issue_code((DISTRICT,)))
    county.revoke(enrolled.device_id)
    result = vault.sync.sync_once()
    assert result.stopped == "revoked" and "supervisor" in (result.problem or "")
    status = vault.sync.status()
    assert status.revoked and "supervisor" in status.headline
    assert status.pending_count > 0  # nothing lost: everything is still waiting locally
    again = vault.sync.sync_once()
    assert again.stopped == "revoked" and again.verdicts == []
    with pytest.raises(SyncError):  # the used code cannot enroll again
        vault.sync.enroll(county.url, "AAAA-BBBB-CCCC")


def test_restored_backup_is_stale_kept_local_until_the_clinician_resends(
    county: CountyServer, vault: Vault, seeder: Seeder
) -> None:
    seed_month(seeder)
    dev = vault.sync.enroll(county.url, county.issue_code((DISTRICT,))).device_id
    assert vault.sync.sync_once().stopped is None
    seeder.session(date(2026, 8, 27), "TX-IND", 2, A, (seeder.student_ids[0],), 25)
    assert vault.sync.sync_once().stopped is None
    # Simulate a laptop restored from an old backup: local revisions go back by one.
    with vault.services.db.unit_of_work() as uow:
        uow.conn.execute(
            "UPDATE sync_period SET revision = revision - 1, acked_revision = 0,"
            " content_hash = NULL, status = 'synced' WHERE org_unit = ? AND period = '2026-08'",
            (A,),
        )
        uow.conn.execute(
            "UPDATE sync_period SET revision = revision - 1 WHERE org_unit = ? AND period = ?",
            (A, "2026-08"),
        )
        outbox.mark_period_dirty(uow.conn, A, "2026-08", vault.clock.now())
    result = vault.sync.sync_once()
    assert [v.status for v in result.verdicts] == ["stale"]
    problem = vault.sync.status().problems[0]
    assert (problem.org_unit, problem.period, problem.status) == (A, "2026-08", "stale")
    assert vault.sync.sync_once().verdicts == []  # kept, not retried behind the clinician's back
    vault.sync.resend(A, "2026-08")
    assert [v.status for v in vault.sync.sync_once().verdicts] == ["synced"]
    assert county.totals(dev) == truth(vault)


def test_org_unit_not_enrolled_is_rejected_with_the_reason(
    county: CountyServer, vault: Vault, seeder: Seeder
) -> None:
    kid = seeder.student("4", A)
    seeder.session(date(2026, 8, 3), "TX-IND", 2, A, (kid,), 45)
    vault.sync.enroll(county.url, county.issue_code((SCHOOLS[2],)))
    result = vault.sync.sync_once()
    assert [v.status for v in result.verdicts] == ["rejected"]
    problem = vault.sync.status().problems[0]
    assert "not enrolled for this org unit" in (problem.problem or "")


def test_closed_period_is_locked(own_county: CountyServer, vault: Vault, seeder: Seeder) -> None:
    kid = seeder.student("4", A)
    seeder.session(date(2026, 8, 3), "TX-IND", 2, A, (kid,), 45)
    vault.sync.enroll(own_county.url, own_county.issue_code((DISTRICT,)))
    own_county.close_period("2026-08")
    result = vault.sync.sync_once()
    assert [v.status for v in result.verdicts] == ["locked"]
    assert own_county.totals() == {}
    assert vault.sync.status().problems[0].status == "locked"


def test_worker_without_enrollment_is_quiet(vault: Vault, seeder: Seeder) -> None:
    kid = seeder.student("4", A)
    seeder.session(date(2026, 8, 3), "TX-IND", 2, A, (kid,), 45)
    assert vault.sync.sync_once().stopped == "not_enrolled"
    assert not vault.sync.status().enrolled
    assert isinstance(vault.sync.worker, SyncWorker)


def test_rate_limited_first_sync_honors_retry_after_and_completes(
    tmp_path: Path, vault: Vault, seeder: Seeder
) -> None:
    slow = CountyServer(tmp_path / "slow-county", rate=4.0)  # burst 8, then 4 per second
    slow.start()
    try:
        kid = seeder.student("7", A)
        for month in range(1, 13):
            seeder.session(date(2025, month, 3), "TX-IND", 2, A, (kid,), 45)
        dev = vault.sync.enroll(slow.url, slow.issue_code((DISTRICT,))).device_id
        naps: list[float] = []

        def nap(seconds: float) -> None:
            naps.append(seconds)
            time.sleep(seconds)

        rounds = vault.sync.sync_until_idle(sleep=nap)
        assert any(r.stopped == "server_busy" for r in rounds)
        assert naps and all(n >= 1.0 for n in naps)  # at least the server's Retry-After
        assert vault.sync.status().pending_count == 0
        assert slow.totals(dev) == truth(vault)
    finally:
        slow.stop()
