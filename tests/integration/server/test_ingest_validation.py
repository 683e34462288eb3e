"""Only true counts get in: each wrong snapshot of issue 18 answers a documented 422 whose
``problems`` line says why, and the database is left unchanged — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from county_server.db import Database

from .conftest import (
    DISTRICT,
    OTHER_SCHOOL,
    SCHOOL,
    SCHOOL2,
    Clock,
    Device,
    enroll,
    table_counts,
)


def refused(device: Device, db: Database, data: dict[str, object], ou: str, period: str) -> str:
    before = table_counts(db)
    r = device.put(data, org_unit=ou, period=period)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "invalid" and body["problems"]
    assert table_counts(db) == before
    return " | ".join(body["problems"])


@pytest.mark.parametrize(
    ("period", "reason"),
    [("2099-12", "in the future"), ("2026-11", "in the future"), ("2000-01", "older than")],
)
def test_period_outside_the_horizon(device: Device, db: Database, period: str, reason: str) -> None:
    problem = refused(device, db, device.body(period=period), SCHOOL, period)
    assert "period:" in problem and reason in problem


def test_period_edges_are_accepted(device: Device, db: Database) -> None:
    # the current month (October 2026) and 7 years before the enrollment month
    for period in ("2026-10", "2019-10"):
        r = device.put(device.body(period=period), period=period)
        assert r.status_code == 200, r.text
    r = device.put(device.body(period="2019-09"), period="2019-09")
    assert r.status_code == 422


def test_one_future_month_does_not_move_the_default_view(device: Device, db: Database) -> None:
    device.put(device.body(period="2099-12"), period="2099-12")
    with db.read() as tx:
        assert tx.scalar("SELECT MAX(period) FROM cells") is None


@pytest.mark.parametrize(
    ("generated_at", "reason"),
    [
        ("2099-01-01T00:00:00Z", "later than"),
        ("2026-19-39T29:59:59Z", "not a real UTC time"),
        ("2026-10-05T12:15:00Z", "later than"),  # 15 min ahead: beyond the 10 min skew
    ],
)
def test_generated_at_must_be_real_and_not_future(
    device: Device, db: Database, generated_at: str, reason: str
) -> None:
    problem = refused(device, db, device.body(generated_at=generated_at), SCHOOL, "2026-09")
    assert "generated_at" in problem and reason in problem


def test_generated_at_within_skew_is_accepted(device: Device) -> None:
    r = device.put(device.body(generated_at="2026-10-05T12:09:00Z"))
    assert r.status_code == 200, r.text


def test_unknown_taxonomy_version(device: Device, db: Database) -> None:
    problem = refused(device, db, device.body(taxonomy_version="1999.9"), SCHOOL, "2026-09")
    assert "taxonomy_version" in problem and "unknown" in problem


def test_school_not_in_the_directory(db: Database, client: TestClient, clock: Clock) -> None:
    dev = enroll(db, client, clock, (DISTRICT,))
    ghost = "99100006999999"  # in the enrolled district's code range, not in the directory
    problem = refused(dev, db, dev.body(org_unit=ghost), ghost, "2026-09")
    assert "org_unit" in problem


def test_a_district_enrollment_means_district_cells_only(
    db: Database, client: TestClient, clock: Clock
) -> None:
    dev = enroll(db, client, clock, (DISTRICT,))
    for school in (SCHOOL, SCHOOL2):
        problem = refused(dev, db, dev.body(org_unit=school), school, "2026-09")
        assert "not enrolled for this org unit" in problem
    r = dev.put(dev.body(org_unit=DISTRICT), org_unit=DISTRICT)
    assert r.status_code == 200, r.text


def test_a_school_enrollment_covers_that_school_and_its_district_rollup(
    db: Database, client: TestClient, clock: Clock
) -> None:
    dev = enroll(db, client, clock, (SCHOOL,))
    for ou in (SCHOOL2, OTHER_SCHOOL, "99200000000000"):
        problem = refused(dev, db, dev.body(org_unit=ou), ou, "2026-09")
        assert "not enrolled for this org unit" in problem
    assert dev.put(dev.body()).status_code == 200


def test_every_reason_is_listed_at_once(device: Device, db: Database) -> None:
    data = device.body(
        period="2099-12", generated_at="2099-01-01T00:00:00Z", taxonomy_version="0.0"
    )
    problem = refused(device, db, data, SCHOOL, "2099-12")
    for part in ("period:", "generated_at:", "taxonomy_version:"):
        assert part in problem
