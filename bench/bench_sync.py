"""Sync figures: one month's snapshots from a large vault, and a full first sync to loopback.

* ``sync_month_snapshots_ms`` — rebuild every snapshot of one busy month (read the vault's
  signed sessions, screenings and referrals; aggregate; build and re-validate the canonical
  bodies) from a vault of 100,000 demo sessions (20,000 with ``--quick``; the cached
  vaults of ``bench/data.py``). Target <= 200 ms.
* ``sync_first_full_s`` — enroll, then send every month of ~5 school years (two demo runs two
  years apart) to a real county server process on loopback, until nothing is pending.
  Target <= 10 s. ``sync_first_full_puts`` is the number of snapshots sent. The server runs
  with its rate limits raised; ``sync_first_full_default_limits_s`` repeats the sync against the
  production limits (20 PUT/s per device, burst 60), where 429 + Retry-After pace the client.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.data import demo_database
from clinician_desk.clock import FakeClock
from clinician_desk.demo.generator import generate_demo
from clinician_desk.domain.counts import snapshots
from clinician_desk.services.sync_facts import cells_for_period
from clinician_desk.storage import Database
from clinician_desk.sync.payload import build_payload
from tests.support.county import DEMO_DISTRICT, CountyServer
from tests.support.vaultkit import open_vault

Row = tuple[str, float, str, float | None]


def _busiest_month(vault_db: object) -> str:
    with vault_db.read() as conn:  # type: ignore[attr-defined]
        row = conn.execute(
            "SELECT substr(session_date, 1, 7) AS m, COUNT(*) FROM sessions"
            " GROUP BY m ORDER BY 2 DESC LIMIT 1"
        ).fetchone()
    return str(row[0])


def bench_month(tmp: Path, sessions: int) -> list[Row]:
    data = demo_database(tmp / "big.db", sessions)  # shared, cached demo vault (bench/data.py)
    db = Database.open(data.path, data.key or b"", clock=FakeClock())
    try:
        month = _busiest_month(db)
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            with db.read() as conn:
                cells = cells_for_period(conn, month)
            bodies = [
                build_payload(
                    snap,
                    org_unit=ou,
                    period=month,
                    revision=1,
                    taxonomy_version="2026.1",
                    device_id="dev_benchbench01",
                    generated_at=datetime(2026, 9, 14, tzinfo=UTC),
                )
                for (ou, _), snap in snapshots(cells).items()
            ]
            times.append((time.perf_counter() - t0) * 1000)
            assert bodies
        with db.read() as conn:
            n = conn.execute(
                "SELECT COUNT(*) FROM sessions WHERE substr(session_date, 1, 7) = ?", (month,)
            ).fetchone()[0]
    finally:
        db.close()
    return [
        ("sync_month_snapshots_ms", statistics.median(times), "ms", None),
        ("sync_month_sessions", float(n), "sessions", None),
        ("sync_vault_sessions", float(sessions), "sessions", None),
    ]


def bench_first_sync(tmp: Path, sessions_per_run: int, *, rate: float = 5000.0) -> list[Row]:
    clock = FakeClock(datetime(2024, 9, 14, 15, 0, tzinfo=UTC))
    v = open_vault(tmp / f"five-years-{rate:g}", clock=clock)
    county = CountyServer(tmp / f"county-{rate:g}", rate=rate)
    county.start()
    try:
        generate_demo(v.services.db, students=400, sessions=sessions_per_run, seed=5)
        clock.set(datetime(2026, 9, 14, 15, 0, tzinfo=UTC))
        generate_demo(v.services.db, students=400, sessions=sessions_per_run, seed=6)
        v.sync.enroll(county.url, county.issue_code((DEMO_DISTRICT,)))
        t0 = time.perf_counter()
        rounds = v.sync.sync_until_idle(sleep=time.sleep)
        elapsed = time.perf_counter() - t0
        puts = sum(len(r.verdicts) for r in rounds)
        assert v.sync.status().pending_count == 0, rounds[-1].problem
        months = len({p.period for p in v.sync.status().periods})
    finally:
        county.stop()
        v.close()
    if rate <= 0:
        return [("sync_first_full_default_limits_s", elapsed, "s", None)]
    return [
        ("sync_first_full_s", elapsed, "s", None),
        ("sync_first_full_puts", float(puts), "snapshots", None),
        ("sync_first_full_months", float(months), "months", None),
    ]


def run(quick: bool) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        rows = bench_month(Path(tmp), 20_000 if quick else 100_000)
        rows += bench_first_sync(Path(tmp), 2_000 if quick else 10_000)
        if not quick:  # the server's production rate limits (20/s per device, burst 60)
            rows += bench_first_sync(Path(tmp), 10_000, rate=0)
    return rows


if __name__ == "__main__":
    for name, value, unit, ratio in run(quick=False):
        print(f"{name} {value:.4g} {unit}" + (f" ratio={ratio:.3g}" if ratio else ""))
