"""Publication cube figures (issue 17): rebuild time, page medians from the cube, audit time.

The demo county (13 districts, 300 schools, 5 fiscal years = 60 months; 2 years with
``--quick``) is loaded through the real ingest code, then:

* ``publication_rebuild_s_<engine>``: a full rebuild (every part built, suppressed and stored)
  in process, median of 3; ``publication_rebuild_cpu_s_<engine>``: its CPU seconds;
  ``publication_rebuild_2workers_s_<engine>``: the same with 2 worker processes, interleaved
  with the in-process runs; target: rebuild <= 10 s.
* ``…_baseline``: the same rebuild and refresh figures with the pre-0064 protector (one scipy
  ``linprog`` call per LP, no widening; ``COUNTY_SUPPRESSION_BASELINE=1``), interleaved run by
  run with the current one; ``publication_rebuild_cpu_ratio_<engine>``: current CPU over
  baseline CPU (decision 0064's budget: about 1.3).
* ``publication_refresh_one_district_s_<engine>``: an incremental refresh after one district's
  device sends new revisions of its last three months (median of 3).
* ``publication_load_avg_<engine>``: median load average at the start of those runs.
* ``publication_cells`` / ``publication_hidden_pct``: size of the cube and the share hidden.
* ``publication_hidden_cells_pct`` / ``_ge100`` / ``_ge1000`` / ``publication_hidden_value_pct``:
  information loss, over distinct published cells: the share hidden, hidden cells with a true
  value of at least 100 and 1,000, and the hidden share of the cube's total value.
* ``publication_audit_s``: the attacker's audit of the stored publication (every hidden cell
  with a true value 1–10 given an LP-proven interval reaching 0 and 11); skipped with
  ``COUNTY_BENCH_PUBLICATION_AUDIT=0`` (it takes minutes).
* ``publication_page_ms_<page>_<engine>``: median of 7 requests per dashboard page, reading the
  fresh cube (the first request, which would rebuild a stale cube, is not counted); target
  <= 100 ms.

PostgreSQL figures are printed when ``COUNTY_TEST_PG_URL`` points at the throw-away test
cluster (its public schema is wiped). Run: ``python -m bench --only publication [--quick]``.
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

import numpy as np

from clinician_desk.sync.wire import Cell
from county_server import auth, demo
from county_server.db import Database
from county_server.publication import cube, store, suppress
from county_server.publication.audit import Publication, audit

Row = tuple[str, float, str, float | None]
PASSWORD = "bench fictional password"
NOW = datetime(2026, 10, 5, tzinfo=UTC)


def _fresh(url: str) -> Database:
    if url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")
    return Database.open(url)


def _district_sync_round(db: Database, k: int) -> None:
    """A sync round of one district's device: new revisions (other counts) of its snapshots of
    the last three months, through the ingest code."""
    from clinician_desk.sync.wire import Snapshot
    from county_server.ingest import _apply

    with db.transaction() as tx:
        device = tx.scalar("SELECT MIN(device_id) FROM snapshots")
        snaps = tx.all(
            "SELECT org_unit, period, revision FROM snapshots WHERE device_id = ? AND period >= ?",
            (device, "2026-08"),
        )
        for unit, period, revision in snaps:
            body = tx.all(
                "SELECT measure, service, tier, grade_band, instrument, value FROM cells "
                "WHERE device_id = ? AND org_unit = ? AND period = ?",
                (device, unit, period),
            )
            cells = tuple(
                Cell(
                    m,
                    int(v) + 1 + k,
                    service=s or None,
                    tier=int(t) or None,
                    grade_band=b or None,
                    instrument=i or None,
                )
                for m, s, t, b, i, v in body
            )
            snap = Snapshot(
                str(device),
                str(unit),
                str(period),
                int(revision) + 1,
                "2026.1",
                "2026-10-05T00:00:00Z",
                cells,
            )
            _apply(tx, snap, b"", NOW)


def _protector(baseline: bool) -> None:
    """Switch the suppression between the current protector and the pre-0064 one (by the
    environment switch suppress.py reads on every call); the worker pool is restarted so its
    processes see the switch, and warmed up outside the timed runs."""
    want = "1" if baseline else "0"
    if os.environ.get(suppress.BASELINE_ENV, "0") == want:
        return
    os.environ[suppress.BASELINE_ENV] = want
    if store._POOL is not None:
        store._POOL.shutdown()
        store._POOL = None
    pool = store._pool(2)
    for job in [pool.submit(time.sleep, 0.3) for _ in range(2)]:
        job.result()


def information_loss(pub: Publication) -> list[Row]:
    """What suppression costs readers: hidden published cells (one number, one cell) by size,
    and the hidden share of the linear cube's total value (students served left out)."""
    values = pub.values
    hidden = ~pub.shown
    linear = np.fromiter(
        (not (isinstance(k, tuple) and k[0] == cube.STUDENTS) for k in pub.keys),
        np.bool_,
        len(pub.keys),
    )
    total = int(values[linear].sum())
    return [
        ("publication_hidden_cells_pct", 100.0 * float(hidden.mean()), "%", None),
        ("publication_hidden_ge100", float((hidden & (values >= 100)).sum()), "cells", None),
        ("publication_hidden_ge1000", float((hidden & (values >= 1000)).sum()), "cells", None),
        (
            "publication_hidden_value_pct",
            100.0 * int(values[linear & hidden].sum()) / max(total, 1),
            "%",
            None,
        ),
    ]


def measure(url: str, engine: str, months: int, with_audit: bool) -> list[Row]:
    from fastapi.testclient import TestClient

    from county_server.app import create_app
    from county_server.settings import ServerSettings

    rows: list[Row] = []
    db = _fresh(url)
    demo.populate(db, NOW, months=months, schools_total=300)
    auth.add_user(
        db, "bench", "admin", PASSWORD, [], now=NOW, actor="bench", memory_kib=8192, iterations=1
    )
    # Full rebuild, in process and with worker processes, interleaved with the same runs of
    # the pre-0064 protector (scipy linprog, no widening; "_baseline"), median of 3 each: wall
    # and this process's CPU seconds, the load average at the start of each run.
    walls: dict[tuple[int, bool], list[float]] = {}
    cpus: dict[bool, list[float]] = {False: [], True: []}
    loads: list[float] = []
    for _ in range(3):
        for baseline in (False, True):
            _protector(baseline)
            for workers in (1, 2):
                loads.append(os.getloadavg()[0])
                t0, c0 = time.perf_counter(), time.process_time()
                state = cube.rebuild(db, NOW, workers=workers)
                walls.setdefault((workers, baseline), []).append(time.perf_counter() - t0)
                if workers == 1:
                    cpus[baseline].append(time.process_time() - c0)
    for baseline, tail in ((False, ""), (True, "_baseline")):
        rows.append(
            (
                f"publication_rebuild_s_{engine}{tail}",
                statistics.median(walls[1, baseline]),
                "s",
                None,
            )
        )
        rows.append(
            (
                f"publication_rebuild_cpu_s_{engine}{tail}",
                statistics.median(cpus[baseline]),
                "s",
                None,
            )
        )
        rows.append(
            (
                f"publication_rebuild_2workers_s_{engine}{tail}",
                statistics.median(walls[2, baseline]),
                "s",
                None,
            )
        )
    rows.append(
        (
            f"publication_rebuild_cpu_ratio_{engine}",
            statistics.median(cpus[False]) / statistics.median(cpus[True]),
            "x baseline",
            None,
        )
    )
    # Incremental: one district's device sends new revisions of its last 3 months (each
    # refresh after its own sync round; new and baseline protector interleaved).
    incremental: dict[bool, list[float]] = {False: [], True: []}
    for k in range(3):
        for baseline in (True, False):  # end on the new protector: its cube is audited below
            _protector(baseline)
            _district_sync_round(db, 2 * k + int(baseline))
            loads.append(os.getloadavg()[0])
            t0 = time.perf_counter()
            cube.refresh(db, NOW)
            incremental[baseline].append(time.perf_counter() - t0)
    for baseline, tail in ((False, ""), (True, "_baseline")):
        rows.append(
            (
                f"publication_refresh_one_district_s_{engine}{tail}",
                statistics.median(incremental[baseline]),
                "s",
                None,
            )
        )
    rows.append((f"publication_load_avg_{engine}", statistics.median(loads), "", None))
    with db.read() as tx:
        stored = cube.state(tx)
    assert stored is not None
    state = stored
    if with_audit:
        rows.append(("publication_cells", float(state.cells), "rows", None))
        rows.append(("publication_hidden_pct", 100.0 * state.hidden / state.cells, "%", None))
        pub, mismatched = cube.stored_publication(db, NOW)
        rows += information_loss(pub)
        # COUNTY_BENCH_PUBLICATION_AUDIT=0 skips the audit (minutes) when only speed matters.
        if os.environ.get("COUNTY_BENCH_PUBLICATION_AUDIT", "1") != "0":
            t3 = time.perf_counter()
            report = audit(pub)
            rows.append(("publication_audit_s", time.perf_counter() - t3, "s", None))
            passed = float(report.passed and not mismatched)
            rows.append(("publication_audit_passed", passed, "", None))
            rows.append(("publication_audit_sensitive", float(report.sensitive), "cells", None))
    app = create_app(db, ServerSettings(now=lambda: NOW, secure_cookies=False))
    district = demo.demo_directory(300)[0][0].code
    pages = {
        "overview": "/",
        "overview_quarters": "/?grain=quarter",
        "district": f"/district/{district}",
        "district_students": f"/district/{district}?measure=students_served",
        "service": "/service/CRISIS",
        "screenings": "/screenings?period=FY2025-26",
        "referrals": "/referrals?period=FY2025-26-Q3",
    }
    with TestClient(app) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
        assert token is not None
        c.post(
            "/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token.group(1)}
        )
        for name, path in pages.items():
            assert c.get(path).status_code == 200, path
            times = []
            for _ in range(7):
                t = time.perf_counter()
                r = c.get(path)
                times.append(time.perf_counter() - t)
                assert r.status_code == 200, (path, r.status_code)
            rows.append(
                (
                    f"publication_page_ms_{name}_{engine}",
                    1000 * statistics.median(times),
                    "ms",
                    None,
                )
            )
    db.close()
    return rows


def run(quick: bool) -> list[Row]:
    months = 24 if quick else 60
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-publication-") as tmp:
        rows += measure(str(Path(tmp) / "pub.sqlite3"), "sqlite", months, True)
        pg = os.environ.get("COUNTY_TEST_PG_URL")
        if pg:
            rows += measure(pg, "postgresql", months, False)
    return rows


if __name__ == "__main__":
    for name, value, unit, _ in run(quick="--quick" in sys.argv):
        print(f"{name} {value:.4g} {unit}")
