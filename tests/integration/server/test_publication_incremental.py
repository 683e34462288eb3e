"""Incremental rebuild of the publication cube: after random sync rounds, refreshing only the
parts (fiscal years) whose inputs changed stores exactly the cube a full rebuild stores.

A small demo county (real ingest code, real SQLite file) is built once; every example copies it,
changes a few snapshots the way a sync round does (a new revision with other counts, or with no
counts at all), refreshes incrementally, reads the stored cube, rebuilds it in full and compares.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinician_desk.sync.wire import Cell, Snapshot
from county_server import demo
from county_server.db import Database
from county_server.ingest import _apply
from county_server.publication import cube, store
from county_server.publication import periods as P

NOW = datetime(2026, 10, 5, tzinfo=UTC)
CHANGES = [
    ("services", "TX-IND", 2, "TK-5", ""),
    ("services", "TX-GRP", 3, "6-8", ""),
    ("minutes", "TX-IND", 2, "TK-5", ""),
    ("screenings_administered", "", 0, "TK-5", "PSC-17"),
    ("screenings_positive", "", 0, "TK-5", "PSC-17"),
    ("referrals_made", "REFERRAL", 0, "", ""),
    ("students_served", "", 0, "TK-5", ""),
]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("incremental") / "template.sqlite3"
    db = Database.open(str(path))
    demo.populate(db, NOW, months=14, schools_total=13, devices_per_district=1)
    cube.rebuild(db, NOW, workers=1)
    db.close()
    yield path


def _copy(template: Path, into: Path) -> Database:
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{template}{suffix}")
        if source.exists():
            shutil.copyfile(source, f"{into}{suffix}")
    return Database.open(str(into))


def _stored(db: Database) -> tuple[list[tuple[object, ...]], tuple[object, ...]]:
    with db.read() as tx:
        rows = tx.all(
            "SELECT measure, org_level, org, time_level, period, cat_level, cat, value "
            "FROM publication_cells ORDER BY measure, org_level, org, time_level, period, "
            "cat_level, cat"
        )
        st_ = cube.state(tx)
    assert st_ is not None
    return rows, (st_.source, st_.cells, st_.hidden, st_.window)


change = st.tuples(
    st.integers(0, 10_000),  # which snapshot
    st.lists(  # its new counts (an empty list removes them)
        st.tuples(st.integers(0, len(CHANGES) - 1), st.integers(1, 30)),
        max_size=4,
        unique_by=lambda c: c[0],
    ),
)


def _cell(i: int, value: int) -> Cell:
    measure, service, tier, band, instrument = CHANGES[i]
    dims = {"service": service, "tier": tier, "grade_band": band, "instrument": instrument}
    return Cell(measure, value, **{k: v for k, v in dims.items() if v})  # type: ignore[arg-type]


def _sync_round(db: Database, changes: list[tuple[int, list[tuple[int, int]]]]) -> set[str]:
    """Apply new revisions through the ingest code; the fiscal years they touch."""
    touched: set[str] = set()
    with db.transaction() as tx:
        snaps = tx.all(
            "SELECT device_id, org_unit, period, revision FROM snapshots "
            "ORDER BY device_id, org_unit, period"
        )
        for pick, counts in changes:
            device, unit, period, revision = snaps[pick % len(snaps)]
            cells = tuple(_cell(i, value) for i, value in counts)
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
            touched.add(P.fiscal_year(str(period)))
    return touched


# ~10 s on a quiet machine: 5 examples, each an incremental refresh and a full rebuild
@pytest.mark.slow
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(change, min_size=1, max_size=3))
def test_incremental_refresh_stores_exactly_the_full_rebuild(
    template: Path, tmp_path: Path, changes: list[tuple[int, list[tuple[int, int]]]]
) -> None:
    target = tmp_path / f"county-{abs(hash(repr(changes)))}.sqlite3"
    db = _copy(template, target)
    try:
        touched = _sync_round(db, changes)
        with db.read() as tx:
            todo, everything = cube.stale_parts(tx, cube.Window.at(NOW))
        assert not everything and set(todo) <= touched and todo  # only what changed
        cube.refresh(db, NOW, workers=1)
        incremental = _stored(db)
        with db.read() as tx:
            assert cube.stale_parts(tx, cube.Window.at(NOW)) == ([], False)
        cube.rebuild(db, NOW, workers=1)
        assert _stored(db) == incremental
    finally:
        db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)


@pytest.mark.slow  # starts the worker processes (forkserver)
def test_worker_processes_build_the_same_cube(template: Path, tmp_path: Path) -> None:
    db = _copy(template, tmp_path / "county.sqlite3")
    try:
        _sync_round(db, [(3, [(0, 7)]), (500, [])])
        cube.refresh(db, NOW, workers=2)
        parallel = _stored(db)
        cube.rebuild(db, NOW, workers=1)
        assert _stored(db) == parallel
    finally:
        db.close()


def test_a_set_aside_device_makes_its_parts_stale(template: Path, tmp_path: Path) -> None:
    """Cells leaving the count without a new snapshot (a replaced laptop's cells set aside)
    still change the parts they were in."""
    db = _copy(template, tmp_path / "county.sqlite3")
    try:
        with db.read() as tx:
            before = cube.source_fingerprint(tx, cube.Window.at(NOW))
        with db.transaction() as tx:
            device, period = tx.one("SELECT device_id, MAX(period) FROM cells GROUP BY device_id")
            tx.execute("DELETE FROM cells WHERE device_id = ? AND period = ?", (device, period))
        with db.read() as tx:
            todo, everything = cube.stale_parts(tx, cube.Window.at(NOW))
        assert todo == [P.fiscal_year(str(period))] and not everything
        with db.read() as tx:  # the fingerprint of main (snapshots only) missed this
            assert cube.source_fingerprint(tx, cube.Window.at(NOW)) != before
    finally:
        db.close()


def test_another_month_or_directory_rebuilds_everything(template: Path, tmp_path: Path) -> None:
    db = _copy(template, tmp_path / "county.sqlite3")
    try:
        later = datetime(2026, 11, 2, tzinfo=UTC)
        with db.read() as tx:
            todo, everything = cube.stale_parts(tx, cube.Window.at(later))
        assert everything and todo == cube.Window.at(later).fiscal_years()
        with db.transaction() as tx:
            tx.execute("DELETE FROM schools WHERE code = (SELECT MIN(code) FROM schools)")
        with db.read() as tx:
            todo, _ = cube.stale_parts(tx, cube.Window.at(NOW))
        assert todo == cube.Window.at(NOW).fiscal_years()  # every part's digest changed
    finally:
        db.close()


def test_pages_skip_the_full_check_only_while_nothing_moved(template: Path, tmp_path: Path) -> None:
    """``ensure_fresh`` (every page) proves freshness with a cheap token and pays for the full
    part digests only when the token moves: a replaced laptop's cells set aside, without any new
    snapshot, still reach the next page."""
    from county_server.enrollment import _set_aside

    db = _copy(template, tmp_path / "county.sqlite3")
    try:
        first = cube.ensure_fresh(db, NOW)
        full_checks: list[int] = []
        real = store.source_fingerprint

        def counted(tx, window):  # type: ignore[no-untyped-def]
            full_checks.append(1)
            return real(tx, window)

        store.source_fingerprint = counted  # type: ignore[assignment]
        try:
            assert cube.ensure_fresh(db, NOW).source == first.source
            assert full_checks == []  # nothing moved: the cheap token sufficed
            with db.transaction() as tx:
                device = tx.scalar("SELECT MIN(device_id) FROM cells")
                assert _set_aside(tx, str(device)) > 0
            after = cube.ensure_fresh(db, NOW)
        finally:
            store.source_fingerprint = real  # type: ignore[assignment]
        assert full_checks  # the token moved, so the full check ran
        assert after.source != first.source  # and the cube was refreshed
        with db.read() as tx:
            assert after.source == cube.source_fingerprint(tx, cube.Window.at(NOW))
    finally:
        db.close()
