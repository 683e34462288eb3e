"""Enrollment: one-time short-lived codes; every refusal is a documented 4xx."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from clinician_desk.sync.signing import generate_device_key, public_key_b64
from county_server import enrollment
from county_server.app import create_app
from county_server.db import Database
from county_server.errors import NotFound

from .conftest import DISTRICT, SCHOOL, Clock, make_settings, table_counts


def body(code: str, **over: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": code,
        "device_public_key": public_key_b64(generate_device_key()),
        "app_version": "0.1.0",
    }
    data.update(over)
    return data


def test_enroll_once(db: Database, client: TestClient, clock: Clock) -> None:
    code = enrollment.issue_code(db, [SCHOOL, DISTRICT], now=clock(), ttl_hours=2, actor="t")
    r = client.post("/api/v1/enroll", json=body(code.lower().replace("-", " ")))
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["device_id"].startswith("dev_")
    assert data["org_units"] == sorted([SCHOOL, DISTRICT])
    assert data["server_time"] == "2026-10-05T12:00:00Z"
    assert data["taxonomy_version"]
    assert "escrow_public_key" in data
    again = client.post("/api/v1/enroll", json=body(code))
    assert (again.status_code, again.json()["error"]) == (401, "enrollment_refused")
    assert table_counts(db)["devices"] == 1


def test_expired_code(db: Database, client: TestClient, clock: Clock) -> None:
    code = enrollment.issue_code(db, [SCHOOL], now=clock(), ttl_hours=1, actor="t")
    clock.advance(3601)
    r = client.post("/api/v1/enroll", json=body(code))
    assert r.status_code == 401
    assert table_counts(db)["devices"] == 0


@pytest.mark.parametrize(
    "change",
    [
        {"device_public_key": "not a key"},
        {"device_public_key": "AAAA"},
        {"app_version": False},
        {"app_version": "'; DROP TABLE devices; --"},
        {"extra": "x"},
        {"code": 12345},
        {"code": None},
    ],
)
def test_bad_enroll_bodies(
    db: Database, client: TestClient, clock: Clock, change: dict[str, object]
) -> None:
    code = enrollment.issue_code(db, [SCHOOL], now=clock(), ttl_hours=1, actor="t")
    data = body(code)
    data.update(change)
    r = client.post("/api/v1/enroll", json=data)
    assert r.status_code == 422, r.text
    assert table_counts(db)["devices"] == 0
    r = client.post("/api/v1/enroll", json=body(code))
    assert r.status_code == 200


@pytest.mark.parametrize("raw", [b"{", b"[]", b"'; SELECT 1; --", b"\xff\xff"])
def test_malformed_enroll(client: TestClient, raw: bytes) -> None:
    r = client.post("/api/v1/enroll", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 422


def test_unknown_code_and_sqlish_code(client: TestClient, db: Database) -> None:
    for code in ("ABCD-EFGH-JKLM", "' OR '1'='1", "x" * 500):
        r = client.post("/api/v1/enroll", json=body(code))
        assert r.status_code == 401
    assert table_counts(db)["devices"] == 0


def test_code_for_unknown_org_unit_is_refused(db: Database, clock: Clock) -> None:
    with pytest.raises(NotFound):
        enrollment.issue_code(db, ["99999999999999"], now=clock(), ttl_hours=1, actor="t")


def test_enroll_rate_limit(db: Database, clock: Clock) -> None:
    settings = make_settings(clock, enroll_rate_per_second=0.0, enroll_burst=3)
    with TestClient(create_app(db, settings)) as c:
        codes = [
            c.post("/api/v1/enroll", json=body("ABCD-EFGH-JKLM")).status_code for _ in range(4)
        ]
        assert codes == [401, 401, 401, 429]
