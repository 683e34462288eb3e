"""Dashboard pages with the background refresher (issue 23): while a ``serve`` process's refresher
keeps the cube fresh, a page reads the stored cube and never pays for the freshness proof or a
rebuild in the request (at the full state's size the proof alone measured 170–260 ms). Without a
refresher a page proves freshness itself, as before."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from county_server.db import Database
from county_server.publication import cube, served, store

from .conftest import SCHOOL, Clock, add, seed_counts, sign_in


def test_with_a_refresher_a_page_reads_the_stored_cube(
    db: Database, client: TestClient, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    dev = seed_counts(db, client, clock)
    add(db, clock, "ada", "admin", [])
    assert sign_in(client, "ada") == 303
    first = cube.ensure_fresh(db, clock())
    checks: list[str] = []
    real = cube.source_fingerprint

    def counted(tx, window):  # type: ignore[no-untyped-def]
        checks.append(threading.current_thread().name)
        return real(tx, window)

    monkeypatch.setattr(store, "source_fingerprint", counted)  # where ensure_fresh looks
    store._VERIFIED.pop(id(db), None)  # the refresher's first round proves the cube fresh
    stop = served.start_refresher(db, clock, every_seconds=3600)
    try:
        deadline = time.monotonic() + 30
        while "publication-refresher" not in checks and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "publication-refresher" in checks
        cells = [
            {"measure": "services", "dimensions": {"service": "TX-IND", "tier": 2}, "value": 9}
        ]
        body = dev.body(period="2026-07", cells=cells)
        assert dev.put(body, org_unit=SCHOOL, period="2026-07").status_code == 200
        assert client.get("/").status_code == 200
        assert client.get("/completeness").status_code == 200
        assert [name for name in checks if name != "publication-refresher"] == []
        assert served.page_state(db, clock()) == first  # as of the refresher's last round
        with db.read() as tx:
            assert cube.stale_parts(tx, cube.Window.at(clock()))[0] != []  # no page rebuilt
    finally:
        stop.set()
    after = served.page_state(db, clock())  # no refresher: the page proves and rebuilds
    assert after.source != first.source
    with db.read() as tx:
        assert cube.stale_parts(tx, cube.Window.at(clock()))[0] == []


def test_with_a_refresher_but_no_cube_yet_the_first_page_builds_it(
    db: Database, client: TestClient, clock: Clock
) -> None:
    seed_counts(db, client, clock)
    with db.read() as tx:
        assert cube.state(tx) is None
    stop = served.start_refresher(db, clock, every_seconds=3600)
    try:
        state = served.page_state(db, clock())
        assert state.cells > 0
    finally:
        stop.set()
