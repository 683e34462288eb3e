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
