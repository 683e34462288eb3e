"""The state-scale bench at a tiny scale against the test PostgreSQL, so its code cannot rot: the
generator enrolls real devices, a real ``serve`` process takes every signed PUT, and the
server's stored totals equal the generated truth — once after the first sync, and unchanged
after every device re-sends its latest month as revision 2. A body changed after signing makes
the load generator fail loudly instead of counting a refused PUT as throughput."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bench import bench_state
from county_server.db import Database
from tests.support.postgres import fresh_pg, pg_url

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def pg() -> Iterator[str]:
    url = pg_url()
    if not url:
        pytest.skip("COUNTY_TEST_PG_URL not set (source scripts/_postgres.sh; start_test_postgres)")
    fresh_pg(url)
    yield url


def _services_total(db: Database) -> int:
    with db.read() as tx:
        return int(
            tx.scalar("SELECT COALESCE(SUM(value), 0) FROM cells WHERE measure = ?", ("services",))
            or 0
        )


@pytest.mark.slow  # about 8 s: a real serve process
def test_tiny_state_through_signed_puts(pg: str) -> None:
    db = Database.open(pg)
    months = ["2025-09", "2025-10", "2025-11", "2025-12"]
    state = bench_state.generate(db, scale=0.0004, now=datetime.now(UTC), months=months)
    assert len(state.devices) == 4 and len(state.schools) == 4
    assert 0 < state.snapshots <= 16
    servers = bench_state.Servers(pg, 1)
    try:
        first = bench_state.send_all(
            pg, servers, bench_state.signed_lanes(state, state.devices), connections=2
        )
        assert first.puts == state.snapshots and first.rate > 0
        assert _services_total(db) == state.total("services") > 0
        again = bench_state.send_all(
            pg,
            servers,
            bench_state.signed_lanes(state, state.devices, latest_only=True, revision=2),
            connections=2,
        )
        assert again.puts == len([d for d in state.devices if state.plan[d.device_id]])
        assert _services_total(db) == state.total("services")
        lanes = bench_state.signed_lanes(state, state.devices[:1], revision=3)
        path, body, headers = lanes[0][0]
        lanes[0][0] = (path, body.replace(b'"revision":3', b'"revision":4'), headers)
        with pytest.raises(RuntimeError, match="not 200"):
            bench_state.send_all(pg, servers, lanes, connections=1)
        assert _services_total(db) == state.total("services")
    finally:
        servers.close()
        db.close()


def test_fiscal_months_are_five_july_to_june_years() -> None:
    months = bench_state.fiscal_months()
    assert len(months) == 60
    assert months[0] == "2021-07" and months[-1] == "2026-06"
    assert len(set(months)) == 60


def test_every_target_figure_carries_its_target_and_a_miss_says_where() -> None:
    rows: list[tuple[str, float, str, float | None]] = [
        ("state_load_avg_end", 9.5, "load", None),
        ("state_puts_per_s_2proc", 158.0, "PUT/s", 1.1),
        ("state_cpu_ms_per_put_server_2proc", 2.5, "ms", None),
        ("state_cpu_ms_per_put_pg_2proc", 1.0, "ms", None),
        ("state_wide_page_p95_ms_overview", 62.0, "ms", None),
        ("state_wide_page_p95_ms_service", 180.0, "ms", None),
        ("state_wide_page_cpu_ms_service", 24.0, "ms", None),
        ("state_wide_page_p95_ms_service_during_ingest", 240.0, "ms", None),
        ("state_wide_ingest_puts_per_s_during_pages", 170.0, "PUT/s", None),
        ("state_refresh_district_s", 2.0, "s", None),
        ("state_rebuild_full_est_cpu_pow_s", 900.0, "s", None),
        ("state_export_fy_s", 3.0, "s", None),
    ]
    got = {str(r[0]): r for r in bench_state.with_targets(rows)}
    assert len(got["state_export_fy_s"]) == 4  # no target, nothing added
    puts = got["state_puts_per_s_2proc"][4]
    assert isinstance(puts, dict)
    assert puts["target"] == ">= 1000 PUT/s" and puts["met"] is False
    assert abs(puts["target_ratio"] - 0.158) < 1e-9
    assert "3.50 ms" in puts["where"] and "3.5 free cores" in puts["where"]
    page = got["state_wide_page_p95_ms_overview"][4]
    assert page == {"target": "<= 100 ms", "target_ratio": 0.62, "met": True}
    slow = got["state_wide_page_p95_ms_service"][4]
    assert isinstance(slow, dict) and "24 ms of serve CPU" in slow["where"]
    busy = got["state_wide_page_p95_ms_service_during_ingest"][4]
    assert isinstance(busy, dict) and busy["met"] is False and "170 PUT/s" in busy["where"]
    edge = got["state_refresh_district_s"][4]
    assert isinstance(edge, dict) and edge["met"] is True  # the limit itself meets "<= 2 s"
    rebuild = got["state_rebuild_full_est_cpu_pow_s"][4]
    assert isinstance(rebuild, dict) and rebuild["met"] is False
    assert "linear programs" in rebuild["where"]


def test_a_figure_line_names_its_target_and_whether_it_was_met() -> None:
    from bench.__main__ import figure_line

    missed = {"target": "<= 100 ms", "target_ratio": 2.4, "met": False, "where": "x"}
    assert (
        figure_line("state_page", 240.0, "ms", None, missed)
        == "state_page 240 ms target=<=100ms (2.4x) MISSED"
    )
    met = {"target": ">= 1000 PUT/s", "target_ratio": 1.25, "met": True}
    assert (
        figure_line("p", 1250.0, "PUT/s", 1.1, met)
        == "p 1250 PUT/s ratio=1.1 target=>=1000PUT/s (1.25x) met"
    )
    assert figure_line("p", 3.0, "s", None, {}) == "p 3 s"
