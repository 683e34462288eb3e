"""County server at state scale (issue 23): a fictional state loaded into PostgreSQL through the
server's own signed-PUT ingest, then ingest rate, sync times, cube rebuild, pages and an export.

The full shape is 1,000 districts, 10,000 schools and 10,000 enrolled devices (one laptop per
school) with 5 fiscal years (FY2021-22 … FY2025-26, 60 months) of monthly snapshots. This machine
runs a scaled-down state: ``scale`` multiplies districts, schools and devices (default 1/100,
1/200 with ``--quick``; ``BENCH_STATE_SCALE`` overrides; a 1/20 run never finished its first
rebuild here, and a whole 1/50 rebuild took 277 s). Sparsity: a device reports in a school month
with probability 0.85 (0.2 in July and August), and a report holds 1–4 services (tier 2 or 3)
plus ``students_served`` — a few cells, not the whole taxonomy.

Every snapshot reaches the database as a signed ``PUT /api/v1/counts/…`` to real
``county-server serve`` processes (uvicorn, on loopback), never by writing tables directly:

* ``state_puts_per_s_1proc`` / ``state_puts_per_s_2proc``: the first sync (every device's 5
  years) of one half of the devices against one ``serve`` process, of the other half against
  two processes sharing the database (connections split evenly between them, as a proxy would).
  Target: >= 1,000 PUT/s with two. ``state_cpu_ms_per_put_server_*`` and
  ``state_cpu_ms_per_put_pg_*`` say where the time goes (CPU of the ``serve`` processes and of
  the PostgreSQL backends serving them, per PUT); the load generator shares the 2 cores.
* ``state_resync_puts_per_s``: every device re-sends its latest month (revision 2), two processes.
* ``state_first_sync_full_est_h`` / ``state_month_resync_full_est_min``: the full state's first sync
  (10,000 devices × their 5 years of snapshots) and a month's re-sync (10,000 devices × one
  month), extrapolated from the measured two-process rate — extrapolated, not measured.
* ``state_rebuild_s_half`` / ``state_rebuild_s``: ``county-server rebuild-publication`` (a
  separate process, timed from outside, no ``serve`` process running) after the first half and
  after the whole scaled state; ``state_rebuild_cpu_s*`` is its CPU time. Every ``county-server``
  command here runs with ``COUNTY_PUBLICATION_WORKERS=1``: the parts are built in the command's
  own process, so its CPU time is the whole build's (worker processes of a forkserver reach no
  CPU accounting and outlive the command), and the wall time is the serial build's.
  ``state_rebuild_full_est[_cpu]_s`` extends the line through the two measured points (a fixed
  cost plus ``state_rebuild_ms_per_1k_snapshots``) to the full state's snapshots;
  ``state_rebuild_full_est[_cpu]_pow_s`` the power law ``t = a·n^b`` through the same points
  (``state_rebuild_exponent[_cpu]`` is ``b``). Target <= 60 s. Extrapolations, not measurements.
* ``state_refresh_district_s`` / ``_cpu_s``: one district's devices re-send their latest month
  (revision 3) to a ``serve`` process, then ``cube.refresh`` runs in a process of its own (timed
  inside it, imports excluded) and rebuilds only the parts (fiscal years) whose inputs changed;
  ``state_refresh_district_parts`` says how many. Target <= 2 s.
* ``state_page_p95_ms_<page>``: p95 of 20 requests per dashboard page to a ``serve`` process
  over HTTP, signed in, reading the fresh cube, once the ``serve`` processes are idle (their
  start-up freshness check done). Target <= 100 ms. ``state_page_cpu_ms_<page>``: the ``serve``
  processes' CPU per page request (a loaded machine stretches the p95, not this).
* ``state_export_fy_s`` / ``state_export_fy_bytes``: ``county-server export`` of FY2025-26
  (district-month CSV, the whole state), timed from outside.
* ``state_wide_*`` (``BENCH_STATE_PARTS=wide``): the full state's **1,000 districts** in the
  directory and the cube, one school and one laptop each, 17 months (FY2025-26 and FY2026-27
  to date; 5 months with ``--quick``): every page that lists districts has the full state's
  rows, while the cube has fewer schools and months to build. The first sync (two processes),
  the rebuild, the five pages' p95 idle and ``_during_ingest`` (while a thread keeps every
  laptop re-sending its latest month with a rising revision through the same two ``serve``
  processes, ``state_wide_ingest_puts_per_s_during_pages``), and the fiscal-year export twice
  (``_after_ingest``: it first rebuilds the parts the load changed; then reading only).

Every figure with a target carries it (``with_targets``): ``python -m bench`` prints
``target=… (ratio×) met|MISSED``, lists each missed one with where its time goes (from the
run's own figures), and ``--json`` holds ``target``, ``target_ratio``, ``met`` and ``where``.
``BENCH_STATE_PARTS`` (``scaled,wide`` by default) picks the parts; ``state_load_avg_*`` is the
machine's load average at the start and end.

Needs ``COUNTY_TEST_PG_URL`` (``source scripts/_postgres.sh && start_test_postgres``); its public
schema is wiped. Without it the module prints nothing. Run:
``python -m bench --only state [--quick]``.
"""

from __future__ import annotations

import math
import os
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.signed_load import Servers
from bench.state_data import FULL_DEVICES, Row, fiscal_months, generate, signed_lanes
from bench.state_load import (
    INSECURE,
    PASSWORD,
    Rows,
    cli,
    fresh,
    page_p95,
    send_all,
    sizes,
    timed_refresh,
    wait_quiet,
)
from bench.state_targets import with_targets
from bench.state_wide import measure_wide
from county_server import auth

__all__ = ["Servers", "fiscal_months", "generate", "send_all", "signed_lanes", "with_targets"]


def measure(url: str, scale: float) -> list[Row]:
    rows = Rows()
    now = datetime.now(UTC)
    db = fresh(url)
    t0 = time.perf_counter()
    state = generate(db, scale=scale, now=now)
    rows.append(("state_scale", scale, "x", None))
    rows.append(("state_devices", float(len(state.devices)), "devices", None))
    rows.append(("state_snapshots", float(state.snapshots), "PUTs", None))
    rows.append(("state_generate_s", time.perf_counter() - t0, "s", None))
    auth.add_user(
        db, "bench", "admin", PASSWORD, [], now=now, actor="bench", memory_kib=8192, iterations=1
    )
    db.close()
    half = len(state.devices) // 2
    first, second = state.devices[:half], state.devices[half:]

    one = Servers(url, 1, extra=INSECURE)
    try:
        r1 = send_all(url, one, signed_lanes(state, first))
    finally:
        one.close()
    rows.append(("state_puts_per_s_1proc", r1.rate, "PUT/s", None))
    rows.append(("state_cpu_ms_per_put_server_1proc", r1.server_cpu_ms, "ms", None))
    rows.append(("state_cpu_ms_per_put_pg_1proc", r1.pg_cpu_ms, "ms", None))
    # Every rebuild runs its parts in the command's own process (one worker): worker processes
    # of a forkserver reach no CPU accounting, so with them the CPU figure would leave them out.
    # The wall time is then the serial build's (an upper bound for two workers on free cores).
    rebuild_half, rebuild_half_cpu, _ = cli(url, "rebuild-publication")
    rows.append(("state_rebuild_s_half", rebuild_half, "s", None))
    rows.append(("state_rebuild_cpu_s_half", rebuild_half_cpu, "s", None))

    two = Servers(url, 2, extra=INSECURE)
    try:  # closed before the rebuild: their refreshers must not build under it
        r2 = send_all(url, two, signed_lanes(state, second))
        rs = send_all(url, two, signed_lanes(state, state.devices, latest_only=True, revision=2))
    finally:
        two.close()
    rows.append(("state_puts_per_s_2proc", r2.rate, "PUT/s", r2.rate / r1.rate))
    rows.append(("state_cpu_ms_per_put_server_2proc", r2.server_cpu_ms, "ms", None))
    rows.append(("state_cpu_ms_per_put_pg_2proc", r2.pg_cpu_ms, "ms", None))
    per_put = r2.server_cpu_ms + r2.pg_cpu_ms
    rows.append(("state_cpu_ms_per_put_total_2proc", per_put, "ms", None))
    rows.append(("state_cores_for_1000_puts_per_s", per_put, "cores", None))
    per_device = state.snapshots / len(state.devices)
    rows.append(
        ("state_first_sync_full_est_h", FULL_DEVICES * per_device / r2.rate / 3600, "h", None)
    )
    rows.append(("state_resync_puts_per_s", rs.rate, "PUT/s", None))
    rows.append(("state_month_resync_full_est_min", FULL_DEVICES / rs.rate / 60, "min", None))
    rebuild, rebuild_cpu, out = cli(url, "rebuild-publication")
    rows.append(("state_rebuild_s", rebuild, "s", None))
    rows.append(("state_rebuild_cpu_s", rebuild_cpu, "s", None))
    n_half = sum(len(state.plan[d.device_id]) for d in first)
    n_all = state.snapshots
    n_full = n_all / scale
    rows.append(("state_rebuild_snapshots_half", float(n_half), "snapshots", None))
    rows.append(("state_rebuild_snapshots", float(n_all), "snapshots", None))
    for suffix, half_v, all_v in (
        ("", rebuild_half, rebuild),
        ("_cpu", rebuild_half_cpu, rebuild_cpu),
    ):
        # Line: a fixed cost plus a cost per snapshot, through the two measured points.
        slope = max(0.0, (all_v - half_v) / max(1, n_all - n_half))
        est = all_v + slope * (n_full - n_all)
        rows.append((f"state_rebuild_full_est{suffix}_s", est, "s", None))
        # Power law t = a * n^b through the same two points (cost growing faster than the
        # data shows as b > 1; a fixed cost at small sizes pulls b below 1).
        b = math.log(max(all_v, 1e-9) / max(half_v, 1e-9)) / math.log(n_all / max(1, n_half))
        rows.append((f"state_rebuild_exponent{suffix}", b, "x", None))
        est_pow = all_v * (n_full / n_all) ** b
        rows.append((f"state_rebuild_full_est{suffix}_pow_s", est_pow, "s", None))
        if suffix == "":
            rows.append(("state_rebuild_ms_per_1k_snapshots", 1000 * 1000 * slope, "ms", None))
    cells = re.search(r"([0-9]+) cells", out)
    if cells:
        rows.append(("state_publication_cells", float(cells.group(1)), "rows", None))
    district = state.districts[0].code
    two = Servers(url, 2, extra=INSECURE)
    try:
        wait_quiet(two)
        page_cpu: dict[str, float] = {}
        p95 = page_p95(
            two.ports[0],
            {
                "overview": "/",
                "overview_quarters": "/?grain=quarter",
                "district": f"/district/{district}",
                "service": "/service/TX-IND",
            },
            servers=two,
            cpu_ms=page_cpu,
        )
    finally:
        two.close()
    for name, ms in p95.items():
        rows.append((f"state_page_p95_ms_{name}", ms, "ms", None))
        rows.append((f"state_page_cpu_ms_{name}", page_cpu[name], "ms", None))
    # One district re-sends its latest month (revision 3); cube.refresh then rebuilds only the
    # parts (fiscal years) whose inputs changed. Target <= 2 s.
    prefix = state.districts[0].code[:7]
    local = [d for d in state.devices if d.school.startswith(prefix) and state.plan[d.device_id]]
    one = Servers(url, 1, extra=INSECURE)
    try:  # closed at once: its refresher (every 30 s) must not do the work measured next
        send_all(url, one, signed_lanes(state, local, latest_only=True, revision=3))
    finally:
        one.close()
    wall, cpu, parts, everything = timed_refresh(url)
    rows.append(("state_refresh_district_devices", float(len(local)), "devices", None))
    rows.append(
        ("state_refresh_district_parts", float(parts), "parts", 1.0 if everything else None)
    )
    rows.append(("state_refresh_district_s", wall, "s", None))
    rows.append(("state_refresh_district_cpu_s", cpu, "s", None))
    for size_row in sizes(url, scale):
        rows.append(size_row)
    with tempfile.TemporaryDirectory(prefix="bench-state-") as tmp:
        out_file = Path(tmp) / "fy.csv"
        secs, secs_cpu, _ = cli(
            url, "export", "--from", "2025-07", "--to", "2026-06", "--out", str(out_file)
        )
        rows.append(("state_export_fy_s", secs, "s", None))
        rows.append(("state_export_fy_cpu_s", secs_cpu, "s", None))
        rows.append(("state_export_fy_bytes", float(out_file.stat().st_size), "bytes", None))
    return rows


def run(quick: bool) -> list[tuple[object, ...]]:
    pg = os.environ.get("COUNTY_TEST_PG_URL")
    if not pg:
        return []
    scale = float(os.environ.get("BENCH_STATE_SCALE") or (1 / 200 if quick else 1 / 100))
    parts = (os.environ.get("BENCH_STATE_PARTS") or "scaled,wide").split(",")
    rows: list[Row] = [("state_load_avg_start", os.getloadavg()[0], "load", None)]
    if "scaled" in parts:
        rows += measure(pg, scale)
    if "wide" in parts:
        rows += measure_wide(pg, quick)
    rows.append(("state_load_avg_end", os.getloadavg()[0], "load", None))
    return with_targets(rows)


if __name__ == "__main__":
    from bench.__main__ import main

    sys.exit(main(["--only", "state", *sys.argv[1:]]))
