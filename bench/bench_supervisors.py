"""Supervisors' view figures (issue 21): the median time of every dashboard page on the demo
county (13 districts, 300 schools, five fiscal years of counts), admin and supervisor, and the
county fiscal-year report PDF.

* ``supervisors_page_ms_<page>_<engine>``: median of 7 requests (after one warm-up request that
  may rebuild the cube) through the real app (FastAPI TestClient); target <= 100 ms each. The
  ratio is the page's median over the median of ``/referrals`` (a page issue 21 left alone)
  measured in the same run.
* ``supervisors_report_s_<engine>``: median of 3 builds of the whole county's fiscal-year report
  PDF (reportlab) through ``/report.pdf``; target <= 3 s.

PostgreSQL figures come when ``COUNTY_TEST_PG_URL`` points at the throw-away test cluster
(``source scripts/_postgres.sh && start_test_postgres``; its public schema is wiped).
Run: ``python -m bench --only supervisors [--quick]``.
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

from county_server import auth, demo
from county_server.db import Database
from county_server.publication import cube

Row = tuple[str, float, str, float | None]
NOW = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)
PASSWORD = "bench fictional password"


def _fresh(url: str) -> Database:
    if url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")
    return Database.open(url)


def _median_ms(client: object, path: str, repeat: int = 7) -> float:
    get = client.get  # type: ignore[attr-defined]
    r = get(path)
    assert r.status_code == 200, (path, r.status_code)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        r = get(path)
        times.append(time.perf_counter() - t)
        assert r.status_code == 200, (path, r.status_code)
    return 1000 * statistics.median(times)


def measure(url: str, engine: str, months: int) -> list[Row]:
    from fastapi.testclient import TestClient

    from county_server.app import create_app
    from county_server.settings import ServerSettings

    db = _fresh(url)
    demo.populate(db, NOW, months=months, schools_total=300)
    districts, schools = demo.demo_directory(300)
    district, school = districts[0].code, schools[0].code
    for name, role, mine in (("bench", "admin", []), ("sup", "supervisor", [district])):
        auth.add_user(
            db, name, role, PASSWORD, mine, now=NOW, actor="bench", memory_kib=8192, iterations=1
        )
    cube.rebuild(db, NOW)
    app = create_app(db, ServerSettings(now=lambda: NOW, secure_cookies=False))
    pages = {
        "overview": "/",
        "overview_previous_fy": "/?fy=FY2025-26",
        "overview_q2": "/?quarter=Q2&measure=minutes",
        "overview_quarters": "/?grain=quarter",
        "district": f"/district/{district}",
        "school": f"/school/{school}",
        "service": "/service/TX-IND",
        "screenings": "/screenings",
        "completeness": "/completeness",
        "months": "/months",
        "codes": "/enrollment-codes",
        "not_found": "/no/such/page",
        "referrals": "/referrals",
    }
    rows: list[Row] = []
    with TestClient(app) as c:
        for user in ("bench", "sup"):
            c.cookies.clear()
            token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
            assert token is not None
            c.post(
                "/login",
                data={"username": user, "password": PASSWORD, "csrf_token": token.group(1)},
            )
            role = "admin" if user == "bench" else "supervisor"
            got: dict[str, float] = {}
            for name, path in pages.items():
                if role == "supervisor" and name in ("months", "codes"):
                    continue
                if name == "not_found":
                    t = time.perf_counter()
                    assert c.get(path).status_code == 404
                    got[name] = 1000 * (time.perf_counter() - t)
                    continue
                got[name] = _median_ms(c, path)
            base = got["referrals"]
            for name, ms in got.items():
                rows.append((f"supervisors_page_ms_{name}_{role}_{engine}", ms, "ms", ms / base))
        c.cookies.clear()
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
        assert token is not None
        c.post(
            "/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token.group(1)}
        )
        times = []
        for _ in range(3):
            t = time.perf_counter()
            r = c.get("/report.pdf?fy=FY2025-26")
            times.append(time.perf_counter() - t)
            assert r.status_code == 200 and r.content.startswith(b"%PDF")
        rows.append((f"supervisors_report_s_{engine}", statistics.median(times), "s", None))
    db.close()
    return rows


def run(quick: bool) -> list[Row]:
    months = 24 if quick else 60
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-supervisors-") as tmp:
        rows += measure(str(Path(tmp) / "sup.sqlite3"), "sqlite", months)
        pg = os.environ.get("COUNTY_TEST_PG_URL")
        if pg:
            rows += measure(pg, "postgresql", months)
    return rows


if __name__ == "__main__":
    for name, value, unit, ratio in run(quick="--quick" in sys.argv):
        extra = f" ratio={ratio:.2f}" if ratio is not None else ""
        print(f"{name} {value:.4g} {unit}{extra}")
