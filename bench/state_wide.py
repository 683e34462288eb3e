"""The 1,000-district shape of ``bench_state`` (``state_wide_*``): every page that lists districts
has the full state's rows; the pages idle and while signed PUTs run, and the fiscal-year export."""

from __future__ import annotations

import re
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.signed_load import Servers, send_lanes
from bench.state_data import WIDE_MONTHS, Row, State, generate, signed_lanes
from bench.state_load import (
    INSECURE,
    PASSWORD,
    Rows,
    cli,
    fresh,
    page_p95,
    send_all,
    wait_quiet,
)
from county_server import auth


class Background:
    """Signed PUTs sent without pause in a thread (every device re-sends its latest month with
    a rising revision, round after round) until :meth:`stop`."""

    def __init__(self, state: State, ports: list[int], first_revision: int) -> None:
        self.state, self.ports, self.revision = state, ports, first_revision
        self.puts, self.seconds = 0, 0.0
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                lanes = signed_lanes(
                    self.state, self.state.devices, latest_only=True, revision=self.revision
                )
                self.seconds += send_lanes(self.ports, lanes, 16)
                self.puts += sum(len(lane) for lane in lanes)
                self.revision += 1
        except BaseException as exc:  # reported by stop()
            self.error = exc

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        if self.error is not None:
            raise RuntimeError(f"background load failed: {self.error}") from self.error


def wide_pages(state: State) -> dict[str, str]:
    district = state.districts[len(state.districts) // 2].code
    return {
        "overview": "/",
        "overview_last_fy": "/?fy=FY2025-26",
        "overview_quarters": "/?grain=quarter&fy=FY2025-26",
        "district": f"/district/{district}?fy=FY2025-26",
        "service": "/service/TX-IND?fy=FY2025-26",
    }


def measure_wide(url: str, quick: bool) -> list[Row]:
    """The full state's 1,000 districts in the directory and the cube, each with one school and
    one laptop, reporting FY2025-26 and FY2026-27 to date (17 months; 5 with ``--quick``): the
    pages list every district, so their size is the full state's while the cube has fewer
    schools and months to build. Then the pages with no load and while signed PUTs run."""
    rows = Rows()
    now = datetime.now(UTC)
    db = fresh(url)
    t0 = time.perf_counter()
    months = WIDE_MONTHS[-5:] if quick else WIDE_MONTHS
    state = generate(db, scale=1.0, now=now, months=months, shape=(1000, 1000, 1000))
    rows.append(("state_wide_districts", float(len(state.districts)), "districts", None))
    rows.append(("state_wide_snapshots", float(state.snapshots), "PUTs", None))
    rows.append(("state_wide_generate_s", time.perf_counter() - t0, "s", None))
    auth.add_user(
        db, "bench", "admin", PASSWORD, [], now=now, actor="bench", memory_kib=8192, iterations=1
    )
    db.close()
    two = Servers(url, 2, extra=INSECURE)
    try:  # closed after the sync: their refreshers must not build under the measured rebuild
        r = send_all(url, two, signed_lanes(state, state.devices))
    finally:
        two.close()
    rows.append(("state_wide_puts_per_s_2proc", r.rate, "PUT/s", None))
    rows.append(("state_wide_cpu_ms_per_put_server", r.server_cpu_ms, "ms", None))
    rows.append(("state_wide_cpu_ms_per_put_pg", r.pg_cpu_ms, "ms", None))
    wall, cpu, out = cli(url, "rebuild-publication")
    rows.append(("state_wide_rebuild_s", wall, "s", None))
    rows.append(("state_wide_rebuild_cpu_s", cpu, "s", None))
    cells = re.search(r"([0-9]+) cells", out)
    if cells:
        rows.append(("state_wide_publication_cells", float(cells.group(1)), "rows", None))
    pages = wide_pages(state)
    two = Servers(url, 2, extra=INSECURE)
    try:
        waited = wait_quiet(two)
        rows.append(("state_wide_serve_start_busy_s", waited, "s", None))
        page_cpu: dict[str, float] = {}
        idle = page_p95(two.ports[0], pages, servers=two, cpu_ms=page_cpu)
        for name, ms in idle.items():
            rows.append((f"state_wide_page_p95_ms_{name}", ms, "ms", None))
            rows.append((f"state_wide_page_cpu_ms_{name}", page_cpu[name], "ms", None))
        load = Background(state, two.ports, 2)
        try:
            busy = page_p95(two.ports[0], pages)
        finally:
            load.stop()
        rows.append(("state_wide_ingest_puts_during_pages", float(load.puts), "PUTs", None))
        if load.seconds:
            rate = load.puts / load.seconds
            rows.append(("state_wide_ingest_puts_per_s_during_pages", rate, "PUT/s", None))
        for name, ms in busy.items():
            rows.append((f"state_wide_page_p95_ms_{name}_during_ingest", ms, "ms", None))
    finally:
        two.close()
    # The whole state's fiscal year (FY2026-27 to date with --quick), twice: the first export
    # proves the cube fresh and rebuilds the parts the load above changed, the second only reads.
    first, last = (months[0], months[-1]) if quick else ("2025-07", "2026-06")
    for label in ("after_ingest", ""):
        with tempfile.TemporaryDirectory(prefix="bench-state-") as tmp:
            out_file = Path(tmp) / "fy.csv"
            secs, secs_cpu, _ = cli(
                url, "export", "--from", first, "--to", last, "--out", str(out_file)
            )
            name = "state_wide_export_fy" + (f"_{label}" if label else "")
            rows.append((f"{name}_s", secs, "s", None))
            rows.append((f"{name}_cpu_s", secs_cpu, "s", None))
            rows.append((f"{name}_bytes", float(out_file.stat().st_size), "bytes", None))
    return rows
