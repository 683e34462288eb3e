"""The device API against a real database: every status of the status table of
docs/design/sync-protocol.md, bad input leaving the database unchanged, replays, rate limits — on
SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from clinician_desk.sync.signing import generate_device_key
from county_server import enrollment, periods
from county_server.app import create_app
from county_server.db import Database

from .conftest import (
    DISTRICT,
    OTHER_SCHOOL,
    SCHOOL,
    SCHOOL2,
    Clock,
    Device,
    enroll,
    make_settings,
    table_counts,
)


def stored(db: Database) -> list[tuple[object, ...]]:
    with db.read() as tx:
        return tx.all(
            "SELECT device_id, org_unit, period, measure, service, tier, value "
            "FROM cells ORDER BY measure, service, tier"
        )


def test_status(client: TestClient) -> None:
    r = client.get("/api/v1/status")
    assert r.status_code == 200
    body = r.json()
    assert body["schema"] == "clinician-desk/counts/1"
    assert body["server_time"] == "2026-10-05T12:00:00Z"
    assert body["taxonomy_version"] and body["minimum_client_version"]


def test_applied_duplicate_conflict_stale(device: Device, db: Database) -> None:
    r = device.put(device.body(revision=1))
    assert (r.status_code, r.json()["status"], r.json()["revision"]) == (200, "applied", 1)
    before = table_counts(db)
    r = device.put(device.body(revision=1, generated_at="2026-10-05T11:59:30Z"))
    assert (r.status_code, r.json()["status"]) == (200, "duplicate")
    assert table_counts(db) == before
    other = [{"measure": "services", "dimensions": {"service": "TX-IND", "tier": 2}, "value": 13}]
    r = device.put(device.body(revision=1, cells=other))
    assert r.status_code == 409
    assert (r.json()["error"], r.json()["stored_revision"]) == ("conflict", 1)
    r = device.put(device.body(revision=3, cells=other))
    assert (r.status_code, r.json()["status"]) == (200, "applied")
    assert stored(db) == [(device.device_id, SCHOOL, "2026-09", "services", "TX-IND", 2, 13)]
    r = device.put(device.body(revision=2))
    assert r.status_code == 409
    assert (r.json()["error"], r.json()["stored_revision"]) == ("stale", 3)
    assert stored(db)[0][-1] == 13
    with db.read() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM snapshot_history") == 2


def test_totals_sum_across_devices(db: Database, client: TestClient, clock: Clock) -> None:
    a = enroll(db, client, clock)
    b = enroll(db, client, clock)
    a.put(a.body())
    b.put(b.body())
    with db.read() as tx:
        total = tx.scalar("SELECT SUM(value) FROM cells WHERE org_unit = ?", (SCHOOL,))
    assert total == 24


def test_locked_period(device: Device, db: Database, clock: Clock) -> None:
    periods.close_period(db, "2026-09", None, now=clock(), actor="test")
    r = device.put(device.body())
    assert (r.status_code, r.json()["error"]) == (423, "locked")
    periods.close_period(db, "2026-08", DISTRICT, now=clock(), actor="test")
    r = device.put(device.body(period="2026-08"), period="2026-08")
    assert r.status_code == 423
    assert table_counts(db)["cells"] == 0


SQLISH = "'; DROP TABLE cells; --"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"revision": False}, "revision"),
        ({"revision": "1"}, "revision"),
        ({"surprise": 1}, "unknown field"),
        ({"cells": [{"measure": "services", "dimensions": {}, "value": False}]}, "value"),
        ({"cells": [{"measure": SQLISH, "dimensions": {}, "value": 1}]}, "measure"),
        (
            {"cells": [{"measure": "services", "dimensions": {"service": SQLISH}, "value": 1}]},
            "service",
        ),
        (
            {
                "cells": [
                    {"measure": "services", "dimensions": {"service": "NOT-A-CODE"}, "value": 1}
                ]
            },
            "unknown service",
        ),
        ({"taxonomy_version": SQLISH}, "taxonomy_version"),
        ({"org_unit": SCHOOL2}, "org_unit"),
        ({"device_id": "dev_someoneelse99"}, "device_id"),
    ],
)
def test_invalid_bodies_are_422_and_change_nothing(
    device: Device, db: Database, change: dict[str, object], fragment: str
) -> None:
    before = table_counts(db)
    r = device.put(device.body(**change))
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "invalid"
    assert any(fragment in p for p in r.json()["problems"]), r.json()
    assert table_counts(db) == before


def test_org_unit_not_allowed(device: Device, db: Database) -> None:
    r = device.put(device.body(org_unit=OTHER_SCHOOL), org_unit=OTHER_SCHOOL)
    assert r.status_code == 422
    assert "not enrolled" in " ".join(r.json()["problems"])
    assert table_counts(db)["cells"] == 0


def test_school_enrollment_does_not_cover_sibling_school(
    db: Database, client: TestClient, clock: Clock
) -> None:
    dev = enroll(db, client, clock, units=(SCHOOL,))
    r = dev.put(dev.body(org_unit=SCHOOL2), org_unit=SCHOOL2)
    assert r.status_code == 422
    assert table_counts(db)["cells"] == 0
    r = dev.put(dev.body())
    assert r.status_code == 200


@pytest.mark.parametrize("raw", [b"{", b"null", b'{"a":1,"a":1}', b"\xff", SQLISH.encode()])
def test_malformed_json(device: Device, db: Database, raw: bytes) -> None:
    r = device.put(raw)
    assert r.status_code == 422
    assert table_counts(db)["cells"] == 0


def test_path_mismatch_and_bad_path(device: Device) -> None:
    r = device.put(device.body(period="2026-09"), period="2026-08")
    assert r.status_code == 422
    r = device.put(device.body(), org_unit=SQLISH.replace(" ", "").replace(";", ""))
    assert r.status_code == 422


def test_too_large(device: Device, db: Database) -> None:
    big = b'{"x":"' + b"a" * (64 * 1024) + b'"}'
    r = device.put(big)
    assert (r.status_code, r.json()["error"]) == (413, "too_large")
    assert table_counts(db)["cells"] == 0


def test_unauthorized_cases(device: Device, db: Database, client: TestClient) -> None:
    r = device.put(device.body(), created_offset=601)
    assert (r.status_code, r.json()["error"]) == (401, "clock_skew")
    assert r.json()["server_time"] == "2026-10-05T12:00:00Z"
    r = device.put(device.body(), created_offset=-601)
    assert r.status_code == 401
    r = device.put(device.body(), signer=generate_device_key())
    assert (r.status_code, r.json()["error"]) == (401, "unauthorized")
    r = device.put(device.body(), headers={"Content-Digest": "sha-256=:" + "A" * 43 + "=:"})
    assert r.status_code == 401
    stranger = Device("dev_nobodyhere1", generate_device_key(), client, device.clock)
    r = stranger.put(stranger.body())
    assert (r.status_code, r.json()["error"]) == (401, "unknown_device")
    r = client.put(f"/api/v1/counts/{SCHOOL}/2026-09", json=device.body())
    assert r.status_code == 401
    assert "server_time" in r.json()
    assert table_counts(db)["cells"] == 0


def test_revoked(device: Device, db: Database, clock: Clock) -> None:
    enrollment.revoke_device(db, device.device_id, now=clock(), actor="test")
    r = device.put(device.body())
    assert (r.status_code, r.json()["error"]) == (403, "revoked")
    assert table_counts(db)["cells"] == 0


def test_replay_returns_first_answer_and_changes_nothing(device: Device, db: Database) -> None:
    key = "replay-key-0123456789"
    first = device.put(device.body(revision=2), key=key)
    assert first.json()["status"] == "applied"
    newer = device.put(device.body(revision=3, cells=[]))
    assert newer.json()["status"] == "applied"
    again = device.put(device.body(revision=2), key=key)
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert table_counts(db)["cells"] == 0
    with db.read() as tx:
        assert tx.scalar("SELECT revision FROM snapshots") == 3
    reused = device.put(device.body(revision=9), key=key)
    assert (reused.status_code, reused.json()["error"]) == (422, "idempotency_key_reused")
    with db.read() as tx:
        assert tx.scalar("SELECT revision FROM snapshots") == 3


def test_rate_limited(db: Database, clock: Clock) -> None:
    settings = make_settings(clock, device_rate_per_second=0.0, device_burst=2)
    with TestClient(create_app(db, settings)) as c:
        dev = enroll(db, c, clock)
        # Requests that merely name the device (forged signatures) do not spend its budget.
        forged = [dev.put(dev.body(), signer=generate_device_key()).status_code for _ in "abc"]
        assert forged == [401, 401, 401]
        codes = [dev.put(dev.body(revision=i)).status_code for i in (1, 2, 3)]
        assert codes[:2] == [200, 200]
        assert codes[2] == 429
        r = dev.put(dev.body(revision=4))
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) >= 1
        with db.read() as tx:
            assert tx.scalar("SELECT revision FROM snapshots") == 2


def test_district_rollup_allowed_for_enrolled_school(
    db: Database, client: TestClient, clock: Clock
) -> None:
    dev = enroll(db, client, clock, units=(SCHOOL,))
    cells = [{"measure": "services", "dimensions": {"service": "CRISIS", "tier": 3}, "value": 4}]
    r = dev.put(dev.body(org_unit=DISTRICT, cells=cells), org_unit=DISTRICT)
    assert r.status_code == 200, r.text
    r = dev.put(dev.body(org_unit=SCHOOL, cells=cells), org_unit=SCHOOL)
    assert r.status_code == 422
    assert "district level" in " ".join(r.json()["problems"])


def test_unreachable_database_is_a_documented_503(tmp_path: Path, clock: Clock) -> None:
    folder = tmp_path / "gone"
    folder.mkdir()
    db = Database.open(str(folder / "county.sqlite3"))
    with TestClient(create_app(db, make_settings(clock)), raise_server_exceptions=False) as c:
        db.close()
        shutil.rmtree(folder)
        dev = Device("dev_nobodyhere1", generate_device_key(), c, clock)
        r = dev.put(dev.body())
        assert r.status_code == 503
        assert r.json()["error"] == "unavailable" and r.headers["Retry-After"]
        assert c.get("/api/v1/status").status_code == 200
