"""County server figures: signed snapshot PUTs per second, and dashboard page times.

* ``server_puts_per_s_<engine>``: a real ``county-server serve`` process (uvicorn, one worker)
  on loopback; a load generator in this process sends pre-signed, distinct snapshot PUTs from
  50 enrolled devices over 16 concurrent keep-alive connections (a minimal raw HTTP/1.1
  client, so the generator's CPU does not dominate), for a fixed number of requests.
  Target (issue 7): >= 300/s on the SQLite default. ``server_cpu_ms_per_put_<engine>`` is the
  server process's CPU time per request (the load generator shares the machine, so on a busy
  machine the wall-clock rate understates what the server can do).
* ``server_district_page_ms_<engine>`` / ``server_overview_page_ms_<engine>``: median time of
  the district page (one district's ~23 schools × 12 months, suppressed, with its SVG chart)
  and the county overview, with 5 years of synthetic data for 300 schools (2 years with
  ``--quick``). Target: district page <= 200 ms.

PostgreSQL figures are printed when ``COUNTY_TEST_PG_URL`` points at the throw-away test
cluster (``source scripts/_postgres.sh && start_test_postgres``) — its public schema is wiped.
Run: ``python -m bench.bench_server [--quick]``.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.signed_load import Request, Servers, send_lanes
from clinician_desk.sync.signing import generate_device_key, public_key_b64, sign_request
from clinician_desk.sync.wire import SCHEMA, canonical_json
from county_server import auth, demo, enrollment
from county_server.db import Database

Row = tuple[str, float, str, float | None]
PASSWORD = "bench fictional password"


def _fresh(url: str) -> Database:
    if url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")
    return Database.open(url)


def puts_per_second(url: str, total: int) -> tuple[float, float]:
    """(requests per second of wall time, server CPU ms per request)."""
    db = _fresh(url)
    now = datetime.now(UTC)
    districts, schools = demo.demo_directory(300)
    demo.orgunits.save(db, districts, schools, now=now, actor="bench")
    devices = []
    for i in range(50):
        school = schools[i]
        code = enrollment.issue_code(db, [school.code], now=now, ttl_hours=1, actor="bench")
        key = generate_device_key()
        with db.transaction() as tx:
            done = enrollment.redeem(tx, code, public_key_b64(key), b"", "0.1.0", now)
        devices.append((done.device_id, key, school.code))
    db.close()
    created = int(now.timestamp())
    requests: list[Request] = []
    for n in range(total):
        device_id, key, school = devices[n % len(devices)]
        revision = n // len(devices) + 1
        body = canonical_json(
            {
                "schema": SCHEMA,
                "device_id": device_id,
                "org_unit": school,
                "period": "2026-09",
                "revision": revision,
                "taxonomy_version": "2026.1",
                "generated_at": "2026-10-01T00:00:00Z",
                "cells": [
                    {
                        "measure": "services",
                        "dimensions": {"service": svc, "tier": t, "grade_band": "6-8"},
                        "value": (n + t) % 40,
                    }
                    for svc in ("TX-IND", "TX-GRP", "CM-COORD", "CONSULT")
                    for t in (2, 3)
                ],
            }
        )
        path = f"/api/v1/counts/{school}/2026-09"
        headers = sign_request(
            "PUT", path, body, device_id=device_id, private_key=key, created=created
        )
        headers["Content-Type"] = "application/json"
        requests.append((path, body, headers))
    by_device: dict[str, list[Request]] = {}
    for req in requests:
        by_device.setdefault(req[2]["Signature-Input"].split('keyid="')[1][:30], []).append(req)
    lanes = list(by_device.values())  # one device's revisions stay in order
    servers = Servers(url, 1)
    try:
        cpu0 = servers.cpu()
        elapsed = send_lanes(servers.ports, lanes)
        cpu1 = servers.cpu()
    finally:
        servers.close()
    return total / elapsed, 1000 * (cpu1 - cpu0) / total


def page_times(url: str, months: int) -> tuple[float, float]:
    from fastapi.testclient import TestClient

    from county_server.app import create_app
    from county_server.settings import ServerSettings

    db = _fresh(url)
    now = datetime(2026, 10, 5, tzinfo=UTC)
    demo.populate(db, now, months=months, schools_total=300)
    auth.add_user(
        db, "bench", "admin", PASSWORD, [], now=now, actor="bench", memory_kib=8192, iterations=1
    )
    app = create_app(db, ServerSettings(now=lambda: now, secure_cookies=False))
    with TestClient(app) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
        assert token is not None
        c.post(
            "/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token.group(1)}
        )
        district = demo.demo_directory(300)[0][0].code

        def median_ms(path: str) -> float:
            times = []
            for _ in range(7):
                t0 = time.perf_counter()
                r = c.get(path)
                times.append(time.perf_counter() - t0)
                assert r.status_code == 200, r.status_code
            return 1000 * statistics.median(times)

        result = (median_ms(f"/district/{district}"), median_ms("/"))
    db.close()
    return result


def run(quick: bool) -> list[Row]:
    rows: list[Row] = []
    engines = {"sqlite": None}
    pg = os.environ.get("COUNTY_TEST_PG_URL")
    if pg:
        engines["postgresql"] = pg
    with tempfile.TemporaryDirectory(prefix="bench-county-") as tmp:
        for engine, pg_url in engines.items():
            url = pg_url or str(Path(tmp) / f"{engine}-puts.sqlite3")
            rate, cpu_ms = puts_per_second(url, 600 if quick else 3000)
            rows.append((f"server_puts_per_s_{engine}", rate, "req/s", None))
            # Server CPU per PUT: 1000 / this is the rate one free core could sustain.
            rows.append((f"server_cpu_ms_per_put_{engine}", cpu_ms, "ms", None))
            url = pg_url or str(Path(tmp) / f"{engine}-pages.sqlite3")
            district_ms, overview_ms = page_times(url, 24 if quick else 60)
            rows.append((f"server_district_page_ms_{engine}", district_ms, "ms", None))
            rows.append((f"server_overview_page_ms_{engine}", overview_ms, "ms", None))
    return rows


if __name__ == "__main__":
    for name, value, unit, _ in run(quick="--quick" in sys.argv):
        print(f"{name} {value:.4g} {unit}")
