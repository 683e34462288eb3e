"""Issue 18's device lifecycle with real vaults and a real county server process on loopback,
on SQLite and PostgreSQL: re-enrolling a laptop (naming the device it replaces) and retiring a
device leave the county totals equal to the vaults' sums — nothing counted twice, nothing lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from county_server import enrollment
from county_server.db import Database
from tests.support.county import DISTRICT, SCHOOLS, CountyServer
from tests.support.truth import truth
from tests.support.vaultkit import Seeder, Vault, open_vault

A, B = SCHOOLS[0], SCHOOLS[1]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine_county(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CountyServer]:
    url = None
    if request.param == "postgresql":
        from tests.support.postgres import fresh_pg, pg_url

        url = pg_url()
        if not url:
            pytest.skip("COUNTY_TEST_PG_URL not set (PostgreSQL tests run under scripts/check)")
        fresh_pg(url)
    server = CountyServer(tmp_path / "county", db_url=url)
    server.start()
    yield server
    server.stop()


def _seed(seeder: Seeder, school: str, minutes: int) -> None:
    kid = seeder.student("7", school)
    other = seeder.student("3", school)
    seeder.session(date(2026, 8, 3), "TX-IND", 2, school, (kid,), minutes)
    seeder.session(date(2026, 8, 11), "TX-GRP", 2, school, (kid, other), 50)
    seeder.session(date(2026, 9, 1), "CM-COORD", 2, school, (other,), 20)
    seeder.session(date(2026, 9, 9), "CRISIS", 3, school, (kid,), 60)  # a district roll-up
    seeder.referral(other, date(2026, 8, 20), completed=date(2026, 9, 4))


def _devices(county: CountyServer) -> dict[str, enrollment.DeviceInfo]:
    db = Database.open(county.db_url, migrate=False)
    try:
        with db.read() as tx:
            return {d.device_id: d for d in enrollment.list_devices(tx)}
    finally:
        db.close()


def test_reenrolling_and_retiring_keep_totals_equal_to_the_vaults(
    engine_county: CountyServer, tmp_path: Path
) -> None:
    county = engine_county
    first, second = open_vault(tmp_path / "laptop-1"), open_vault(tmp_path / "laptop-2")
    try:
        seeder = Seeder(first)
        _seed(seeder, A, 45)
        _seed(Seeder(second), B, 30)
        label = "School psychologist, Harness School 0"
        dev1 = first.sync.enroll(county.url, county.issue_code((A,), label=label)).device_id
        dev2 = second.sync.enroll(county.url, county.issue_code((B,))).device_id
        for v in (first, second):
            assert v.sync.sync_once().stopped is None
        assert county.totals() == truth(first, second)
        assert _devices(county)[dev1].label == label

        # The issue's path: the laptop is revoked, then re-enrolled with a new code. Naming
        # the device it replaces sets the old counts aside in the redeeming transaction.
        county.revoke(dev1)
        seeder.session(date(2026, 9, 12), "TX-IND", 2, A, (seeder.student("5", A),), 40)
        assert first.sync.sync_once().stopped == "revoked"
        code = county.issue_code((A,), replaces=dev1, label=label)
        dev1b = first.sync.enroll(county.url, code).device_id
        assert county.totals(dev1) == {}  # already set aside, before the laptop resends
        assert county.totals() == truth(second)
        rounds = first.sync.sync_until_idle(sleep=lambda s: None)
        assert all(r.stopped is None for r in rounds)
        assert county.totals() == truth(first, second)
        devices = _devices(county)
        assert devices[dev1].replaced_by == dev1b and devices[dev1b].replaces == dev1
        assert not devices[dev1].counting and devices[dev1b].label == label

        # Retiring the second laptop removes its counts from every total; unretiring restores.
        county.retire(dev2, "laptop reported stolen")
        assert county.totals() == truth(first)
        assert county.totals(dev2) == {}
        county.unretire(dev2)
        assert county.totals() == truth(first, second)
    finally:
        first.close()
        second.close()


def test_a_rejected_month_shows_the_servers_reason_on_the_laptop(
    engine_county: CountyServer, vault: Vault, seeder: Seeder
) -> None:
    kid = seeder.student("4", A)
    seeder.session(date(2026, 8, 3), "TX-IND", 2, A, (kid,), 45)
    kid_b = seeder.student("5", B)
    seeder.session(date(2026, 8, 4), "TX-IND", 2, B, (kid_b,), 45)  # B is not enrolled
    vault.sync.enroll(engine_county.url, engine_county.issue_code((A,)))
    result = vault.sync.sync_once()
    by_unit = {(v.item.org_unit, v.status) for v in result.verdicts}
    assert (B, "rejected") in by_unit and (A, "synced") in by_unit
    problem = next(p for p in vault.sync.status().problems if p.org_unit == B)
    assert "not enrolled for this org unit" in (problem.problem or "")


def test_a_district_code_covers_district_cells_only(
    engine_county: CountyServer, vault: Vault, seeder: Seeder
) -> None:
    kid = seeder.student("4", A)
    seeder.session(date(2026, 8, 3), "TX-IND", 2, A, (kid,), 45)
    db = Database.open(engine_county.db_url, migrate=False)
    try:
        code = enrollment.issue_code(
            db, [DISTRICT], now=datetime.now(UTC), ttl_hours=1, actor="t", label="District MFT"
        )
    finally:
        db.close()
    vault.sync.enroll(engine_county.url, code)
    vault.sync.sync_once()
    problem = next(p for p in vault.sync.status().problems if p.org_unit == A)
    assert "not enrolled for this org unit" in (problem.problem or "")
    assert engine_county.totals() == {}


def test_a_laptop_clock_hours_fast_still_delivers(
    engine_county: CountyServer, tmp_path: Path
) -> None:
    """The server refuses a generated_at in its future; a laptop whose clock runs ahead learns
    the server's time from the 401 and restamps the snapshot, so its counts still arrive."""
    from clinician_desk.clock import FakeClock

    v = open_vault(tmp_path / "fast", clock=FakeClock(datetime.now(UTC)))
    try:
        seeder = Seeder(v)
        kid = seeder.student("6", A)
        v.sync.enroll(engine_county.url, engine_county.issue_code((A,)))
        v.clock.advance(3 * 3600)  # the laptop's clock now runs three hours fast
        seeder.session(datetime.now(UTC).date(), "TX-IND", 2, A, (kid,), 30)
        result = v.sync.sync_once()
        assert result.stopped is None and {x.status for x in result.verdicts} == {"synced"}
        assert engine_county.totals() == truth(v)
        again = v.sync.sync_once()  # the learned offset is kept: nothing waits, nothing fails
        assert again.verdicts == [] and not v.sync.status().problems
    finally:
        v.close()
