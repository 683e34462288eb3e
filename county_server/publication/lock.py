"""One publication build at a time, across every ``serve`` process that shares the database.

Every ``serve`` process runs the background refresher (``cube.start_refresher``), so a lock
that lives in one process lets *N* processes run the same rebuild *N* times. :class:`BuildLock`
holds two locks, in this order:

1. a thread lock, for the threads of this process (the refresher and page requests);
2. a lock the other processes see:

   * **PostgreSQL**: a session advisory lock (``pg_try_advisory_lock``) taken on a connection
     of its own, outside the pool, and held for the whole build. The server releases it when
     the build ends or, if the process dies, when its connection closes.
   * **SQLite**: an exclusive ``flock`` on ``<database file>.publication-lock`` next to the
     database (mode 0600, empty; it is created once and left in place). The kernel releases it
     when the process ends. An in-memory database has no other process to exclude.

The second process to ask either waits (``blocking=True``: ``rebuild-publication``, or a server
with no cube at all) or is told no (``blocking=False``: the refresher and pages, which then
serve the previous, complete cube). A waiter that gets the lock after another process's build
finds the parts fresh and has nothing to do: the parts to build are decided after the lock is
taken.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from county_server.db import Database

# The session advisory lock's key (the migrations use 7715001 for their transaction lock).
ADVISORY_KEY = 7715002
LOCK_SUFFIX = ".publication-lock"


class _Lease(Protocol):
    def close(self) -> None: ...


class _NoLease:
    def close(self) -> None:
        return None


class _PgLease:
    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def close(self) -> None:
        try:
            self._conn.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_KEY,))
        finally:
            self._conn.close()  # closing alone releases it too


class _FileLease:
    def __init__(self, fd: int) -> None:
        self._fd = fd

    def close(self) -> None:
        import fcntl

        try:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)


def lock_path(db: Database) -> str | None:
    """The lock file of an SQLite database; None for PostgreSQL and in-memory databases."""
    if db.dialect != "sqlite" or db.url in ("", ":memory:") or db.url.startswith("file::memory"):
        return None
    return db.url + LOCK_SUFFIX


def _take_pg(db: Database, blocking: bool) -> _Lease | None:
    conn = db.dedicated_connection()
    try:
        if blocking:
            conn.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_KEY,))
        else:
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (ADVISORY_KEY,)).fetchone()
            if not row or not row[0]:
                conn.close()
                return None
    except BaseException:
        conn.close()
        raise
    return _PgLease(conn)


def _take_file(path: str, blocking: bool) -> _Lease | None:
    try:
        import fcntl
    except ImportError:  # no flock on this platform: this process's thread lock only
        return _NoLease()
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return _FileLease(fd)


def _take(db: Database, blocking: bool) -> _Lease | None:
    if db.dialect == "postgresql":
        return _take_pg(db, blocking)
    path = lock_path(db)
    return _NoLease() if path is None else _take_file(path, blocking)


class BuildLock:
    """The build lock: ``acquire(db)`` / ``release()``, or ``with lock.held(db):``."""

    def __init__(self) -> None:
        self._thread = threading.Lock()
        self._lease: _Lease | None = None

    def acquire(self, db: Database, *, blocking: bool = True) -> bool:
        """Take both locks; False (holding neither) when ``blocking`` is False and a thread
        of this process or another process holds it."""
        if not self._thread.acquire(blocking=blocking):
            return False
        try:
            lease = _take(db, blocking)
        except BaseException:
            self._thread.release()
            raise
        if lease is None:
            self._thread.release()
            return False
        self._lease = lease
        return True

    def release(self) -> None:
        lease, self._lease = self._lease, None
        try:
            if lease is not None:
                lease.close()
        finally:
            self._thread.release()

    @contextmanager
    def held(self, db: Database) -> Iterator[None]:
        """Hold the lock (waiting for it) for the body of the ``with``."""
        self.acquire(db)
        try:
            yield
        finally:
            self.release()
