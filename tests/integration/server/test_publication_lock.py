"""The publication build lock holds across processes (issue 23): with several ``serve``
processes on one database only one of them rebuilds the cube; the others serve the previous,
complete cube. Real processes, real SQLite files and a real PostgreSQL advisory lock."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient

from county_server.db import Database
from county_server.publication import cube
from county_server.publication.lock import LOCK_SUFFIX, BuildLock, lock_path

from .conftest import SCHOOL, Clock, seed_counts

ROOT = Path(__file__).resolve().parents[3]

HOLDER = """
import sys
from county_server.db import Database
from county_server.publication.lock import BuildLock
db = Database.open(sys.argv[1], migrate=False, pool_size=1)
lock = BuildLock()
lock.acquire(db)
print("held", flush=True)
sys.stdin.readline()
lock.release()
print("released", flush=True)
"""


@contextmanager
def held_by_another_process(db: Database) -> Iterator[None]:
    """The build lock, held by a separate Python process on the same database."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, db.url],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        assert proc.stdout.readline().strip() == "held"
        yield
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "released"
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


def test_two_engines_on_one_database_build_one_at_a_time(db: Database) -> None:
    other = Database.open(db.url, migrate=False, pool_size=1)  # as a second process would
    try:
        first, second = BuildLock(), BuildLock()
        assert first.acquire(db, blocking=False)
        assert not second.acquire(other, blocking=False)
        first.release()
        assert second.acquire(other, blocking=False)
        assert not first.acquire(db, blocking=False)
        second.release()
        with first.held(db):
            pass
        assert second.acquire(other, blocking=False)  # held() gave it back
        second.release()
    finally:
        other.close()


def test_a_build_in_another_process_keeps_this_one_from_rebuilding(
    db: Database, client: TestClient, clock: Clock
) -> None:
    dev = seed_counts(db, client, clock)
    first = cube.ensure_fresh(db, clock())
    cells = [{"measure": "services", "dimensions": {"service": "TX-IND", "tier": 2}, "value": 61}]
    body = dev.body(period="2026-07", cells=cells)
    assert dev.put(body, org_unit=SCHOOL, period="2026-07").status_code == 200  # stale now
    with held_by_another_process(db):
        during = cube.ensure_fresh(db, clock())
        assert during == first  # the other process is building: serve the previous cube
        with db.read() as tx:
            assert cube.stale_parts(tx, cube.Window.at(clock()))[0] != []
    after = cube.ensure_fresh(db, clock())
    assert after.source != first.source
    with db.read() as tx:
        assert cube.stale_parts(tx, cube.Window.at(clock()))[0] == []


def test_the_lock_file_sits_next_to_the_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / "county.sqlite3"
    db = Database.open(str(path))
    try:
        assert lock_path(db) == str(path) + LOCK_SUFFIX
        lock = BuildLock()
        with lock.held(db):
            assert (path.parent / (path.name + LOCK_SUFFIX)).stat().st_mode & 0o077 == 0
            assert not lock.acquire(db, blocking=False)  # this process's threads wait too
    finally:
        db.close()


def test_a_lock_file_that_cannot_be_created_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "county.sqlite3"
    db = Database.open(str(path))
    try:
        (tmp_path / (path.name + LOCK_SUFFIX)).mkdir()  # a folder where the file should be
        lock = BuildLock()
        try:
            lock.acquire(db)
        except OSError as exc:
            assert LOCK_SUFFIX in str(exc)
        else:
            raise AssertionError("a lock that cannot be taken must not be reported as held")
        (tmp_path / (path.name + LOCK_SUFFIX)).rmdir()
        assert lock.acquire(db, blocking=False)  # the failure left nothing held
        lock.release()
    finally:
        db.close()
