"""Fixtures for the county server: a fresh database on SQLite and (when configured) PostgreSQL,
an app with a fake clock, org units, and an enrolled device that signs its requests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from clinician_desk.sync.signing import generate_device_key, public_key_b64, sign_request
from clinician_desk.sync.wire import SCHEMA, canonical_json
from county_server import auth, enrollment, orgunits
from county_server.app import create_app
from county_server.db import Database
from county_server.settings import ServerSettings
from tests.support.postgres import fresh_pg, pg_url

__all__ = ["fresh_pg", "pg_url"]

DISTRICT = "99100000000000"
SCHOOL = "99100006000001"
SCHOOL2 = "99100006000002"
OTHER_DISTRICT = "99200000000000"
OTHER_SCHOOL = "99200006000003"
START = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.t = START

    def __call__(self) -> datetime:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        database = Database.open(str(tmp_path / "county.sqlite3"))
    else:
        url = pg_url()
        if not url:
            pytest.skip("COUNTY_TEST_PG_URL not set (PostgreSQL tests run under scripts/check)")
        fresh_pg(url)
        database = Database.open(url)
    orgunits.save(
        database,
        [
            orgunits.District(DISTRICT, "Alder Test Unified"),
            orgunits.District(OTHER_DISTRICT, "Birch Test Unified"),
        ],
        [
            orgunits.School(SCHOOL, DISTRICT, "Acorn Elementary"),
            orgunits.School(SCHOOL2, DISTRICT, "Canyon Middle"),
            orgunits.School(OTHER_SCHOOL, OTHER_DISTRICT, "Dogwood High"),
        ],
        now=START,
        actor="test",
    )
    yield database
    database.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_settings(clock: Clock, **over: object) -> ServerSettings:
    s = ServerSettings(now=clock, secure_cookies=False, argon2_memory_kib=8192, argon2_iterations=1)
    for k, v in over.items():
        setattr(s, k, v)
    return s


@pytest.fixture
def client(db: Database, clock: Clock) -> Iterator[TestClient]:
    with TestClient(create_app(db, make_settings(clock))) as c:
        yield c


@dataclass
class Device:
    device_id: str
    key: Ed25519PrivateKey
    client: TestClient
    clock: Clock

    def body(
        self,
        org_unit: str = SCHOOL,
        period: str = "2026-09",
        revision: int = 1,
        cells: list[dict[str, object]] | None = None,
        **over: object,
    ) -> dict[str, object]:
        data: dict[str, object] = {
            "schema": SCHEMA,
            "device_id": self.device_id,
            "org_unit": org_unit,
            "period": period,
            "revision": revision,
            "taxonomy_version": "2026.1",
            "generated_at": "2026-10-05T11:59:00Z",
            "cells": cells
            if cells is not None
            else [
                {"measure": "services", "dimensions": {"service": "TX-IND", "tier": 2}, "value": 12}
            ],
        }
        data.update(over)
        return data

    def put(
        self,
        data: dict[str, object] | bytes,
        org_unit: str = SCHOOL,
        period: str = "2026-09",
        *,
        created_offset: int = 0,
        key: str | None = None,
        signer: Ed25519PrivateKey | None = None,
        headers: dict[str, str] | None = None,
    ):  # type: ignore[no-untyped-def]
        raw = data if isinstance(data, bytes) else canonical_json(data)
        path = f"/api/v1/counts/{org_unit}/{period}"
        signed = sign_request(
            "PUT",
            path,
            raw,
            device_id=self.device_id,
            private_key=signer or self.key,
            created=int(self.clock().timestamp()) + created_offset,
            idempotency_key=key,
        )
        signed.update(headers or {})
        signed["Content-Type"] = "application/json"
        return self.client.put(path, content=raw, headers=signed)


def enroll(
    db: Database, client: TestClient, clock: Clock, units: tuple[str, ...] = (SCHOOL, DISTRICT)
) -> Device:
    code = enrollment.issue_code(db, list(units), now=clock(), ttl_hours=24, actor="test")
    key = generate_device_key()
    r = client.post(
        "/api/v1/enroll",
        json={"code": code, "device_public_key": public_key_b64(key), "app_version": "0.1.0"},
    )
    assert r.status_code == 200, r.text
    return Device(r.json()["device_id"], key, client, clock)


@pytest.fixture
def device(db: Database, client: TestClient, clock: Clock) -> Device:
    return enroll(db, client, clock)


def table_counts(db: Database) -> dict[str, int]:
    with db.read() as tx:
        return {
            t: int(tx.scalar(f"SELECT COUNT(*) FROM {t}"))
            for t in ("cells", "snapshots", "snapshot_history", "devices")
        }


# Dashboard helpers shared by the dashboard and publication tests.
PASSWORD = "fictional county lantern 7731"


def add(db: Database, clock: Clock, name: str, role: str, districts: list[str]) -> None:
    auth.add_user(
        db,
        name,
        role,
        PASSWORD,
        districts,
        now=clock(),
        actor="test",
        memory_kib=8192,
        iterations=1,
    )


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, html[:500]
    return m.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> int:
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return r.status_code


def seed_counts(db: Database, client: TestClient, clock: Clock) -> Device:
    dev = enroll(db, client, clock, units=(SCHOOL, DISTRICT))
    cells = [
        {"measure": "services", "dimensions": {"service": "TX-IND", "tier": 2}, "value": 40},
        {"measure": "services", "dimensions": {"service": "TX-GRP", "tier": 2}, "value": 7},
        {"measure": "screenings_administered", "dimensions": {"instrument": "PHQ-A"}, "value": 120},
        {"measure": "screenings_positive", "dimensions": {"instrument": "PHQ-A"}, "value": 9},
    ]
    assert dev.put(dev.body(cells=cells)).status_code == 200
    assert dev.put(dev.body(period="2026-08", cells=cells[:1]), period="2026-08").status_code == 200
    return dev
