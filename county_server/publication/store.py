"""Storing the cube and keeping it fresh: full rebuilds, incremental refreshes of the parts
whose inputs changed (in worker processes when more than one), the cheap freshness token pages
check first, and the background refresher.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from county_server.db import Database, Tx, now_iso
from county_server.publication.build import (
    _digests_of,
    _directory,
    _directory_digest,
    _part_counts,
    _source_of,
    _split,
    build_part,
    fiscal_years,
    part_digest,
    part_digests,
    part_periods,
    source_fingerprint,
)
from county_server.publication.lock import BuildLock
from county_server.publication.model import Row, Window

_log = logging.getLogger("county_server.publication")

_BUILD_LOCK = BuildLock()  # across threads and processes (lock.py)


@dataclass(frozen=True)
class State:
    built_at: str
    source: str
    window: Window
    cells: int
    hidden: int


def state(tx: Tx) -> State | None:
    row = tx.one(
        "SELECT built_at, source, window_first, current_month, cells, hidden "
        "FROM publication_state WHERE id = 1"
    )
    if row is None:
        return None
    return State(
        str(row[0]), str(row[1]), Window(str(row[2]), str(row[3])), int(row[4]), int(row[5])
    )


@dataclass(frozen=True)
class PartResult:
    """A part ready to store: its digest (of the inputs it was built from) and its rows."""

    fiscal_year: str
    digest: str
    rows: list[Row]
    hidden: int


def compute_part(tx: Tx, window: Window, fiscal_year: str, directory: dict[str, str]) -> PartResult:
    """Build and suppress one part from the counts ``tx`` sees (digest read in the same
    transaction, so it describes exactly the counts the rows were built from)."""
    digest = part_digest(tx, window, fiscal_year, _directory_digest(directory))
    rows, students = _part_counts(tx, window, fiscal_year)
    by_part, students_by = _split(rows, students, directory, window)
    part = build_part(by_part.get(fiscal_year, []), students_by.get(fiscal_year, []), directory)
    out = part.rows()
    return PartResult(fiscal_year, digest, out, sum(1 for r in out if r[-1] is None))


def _part_job(url: str, first: str, current: str, fiscal_year: str) -> PartResult:
    """One part in a worker process (its own connection and read transaction)."""
    db = Database.open(url, migrate=False, pool_size=1)
    try:
        with db.read() as tx:
            return compute_part(tx, Window(first, current), fiscal_year, _directory(tx))
    finally:
        db.close()


_POOL: ProcessPoolExecutor | None = None


def _pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes for the parts, started once and kept (forkserver: no fork of a
    threaded server process)."""
    global _POOL
    if _POOL is None:
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if "forkserver" in methods:
            ctx.set_forkserver_preload([__name__])
        _POOL = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    return _POOL


def stop_workers() -> None:
    """Stop the part workers and the forkserver they were started from.

    ``serve`` calls this when it stops: its pool outlived it before, and a worker in the middle
    of a part kept building for nobody (up to ~40 s of CPU on the state bench) while an idle
    forkserver never exited. Harmless when none were started; the next rebuild starts new ones.
    """
    global _POOL
    pool, _POOL = _POOL, None
    if pool is None:
        return
    # No public way to reach the workers before Python 3.14's terminate_workers().
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in workers:
        if proc.is_alive():
            proc.terminate()
    for proc in workers:
        proc.join(timeout=5)
    try:
        from multiprocessing import forkserver

        forkserver._forkserver._stop()  # type: ignore[attr-defined]  # its own (test) hook
    except (AttributeError, OSError):  # pragma: no cover - other start methods or platforms
        pass


def default_workers() -> int:
    """Processes for a rebuild: ``COUNTY_PUBLICATION_WORKERS``, else up to 2 (one per core)."""
    text = os.environ.get("COUNTY_PUBLICATION_WORKERS", "")
    if text.isdigit() and int(text) > 0:
        return int(text)
    return max(1, min(2, os.cpu_count() or 1))


def _compute(db: Database, window: Window, todo: Sequence[str], workers: int) -> list[PartResult]:
    if workers <= 1 or len(todo) <= 1:
        with db.read() as tx:
            directory = _directory(tx)
            return [compute_part(tx, window, fy, directory) for fy in todo]
    pool = _pool(workers)
    jobs = [pool.submit(_part_job, db.url, window.first, window.current, fy) for fy in todo]
    return [job.result() for job in jobs]


_CELL_COLUMNS = ("measure", "org_level", "org", "time_level", "period", "cat_level", "cat", "value")


def _save_parts(
    db: Database, window: Window, results: Sequence[PartResult], now: datetime, full: bool
) -> State:
    """Replace the stored rows of the rebuilt parts (all of them when ``full``) and the state,
    in one transaction: readers see the previous cube or the new one, never a mix."""
    with db.transaction() as tx:
        previous = state(tx)
        digests = {} if full or previous is None else _digests_of(previous.source)
        if full:
            tx.execute("DELETE FROM publication_cells")
        for result in results:
            periods = part_periods(result.fiscal_year)
            marks = ", ".join("?" for _ in periods)
            tx.execute(f"DELETE FROM publication_cells WHERE period IN ({marks})", periods)
            digests[result.fiscal_year] = result.digest
        for result in results:
            tx.insert_rows("publication_cells", _CELL_COLUMNS, result.rows)
        counted = tx.one("SELECT COUNT(*), COUNT(*) - COUNT(value) FROM publication_cells")
        cells, hidden = (int(counted[0]), int(counted[1])) if counted else (0, 0)
        new = State(now_iso(now), _source_of(digests), window, cells, hidden)
        tx.execute("DELETE FROM publication_state")
        tx.execute(
            "INSERT INTO publication_state (id, built_at, source, window_first, current_month, "
            "cells, hidden) VALUES (1, ?, ?, ?, ?, ?, ?)",
            (new.built_at, new.source, window.first, window.current, cells, hidden),
        )
    return new


def stale_parts(tx: Tx, window: Window) -> tuple[list[str], bool]:
    """The parts to rebuild, and whether that is all of them (no cube yet, another window or
    directory: every digest differs then)."""
    current = state(tx)
    digests = part_digests(tx, window)
    stored = {} if current is None else _digests_of(current.source)
    if current is None or current.window != window or set(stored) != set(digests):
        return sorted(digests), True
    return sorted(fy for fy, d in digests.items() if stored[fy] != d), False


def _refresh_locked(db: Database, now: datetime, full: bool, workers: int | None) -> State:
    window = Window.at(now)
    with db.read() as tx:
        todo, everything = stale_parts(tx, window)
        current = state(tx)
    if full:
        todo, everything = fiscal_years(window), True
    if not todo and current is not None:
        return current
    results = _compute(db, window, todo, default_workers() if workers is None else workers)
    return _save_parts(db, window, results, now, everything)


def rebuild(db: Database, now: datetime, *, workers: int | None = None) -> State:
    """Build and store the whole cube now (one build at a time)."""
    with _BUILD_LOCK.held(db):
        return _refresh_locked(db, now, True, workers)


def refresh(db: Database, now: datetime, *, workers: int | None = None) -> State:
    """Rebuild only the parts whose inputs changed (every part when the window or the directory
    changed); the stored cube is then exactly what :func:`rebuild` would store."""
    with _BUILD_LOCK.held(db):
        return _refresh_locked(db, now, False, workers)


# The full freshness check (every part's digest) reads every snapshot and groups every cell:
# about 200 ms on the demo county, too much for every page. A page first compares a cheap token
# of everything that can move the cells -- the snapshots (count, newest arrival, revisions), the
# cells set aside for replaced devices, the directory and the window -- with the token seen when
# this process last proved the stored cube fresh; only a different token pays for the full check.
_VERIFIED: dict[int, tuple[str, str]] = {}


def _change_token(tx: Tx, window: Window) -> str:
    snaps = tx.one("SELECT COUNT(*), MAX(received_at), SUM(revision) FROM snapshots")
    aside = tx.one("SELECT COUNT(*) FROM cells_set_aside")
    directory = _directory_digest(_directory(tx))  # a school moving district changes it
    return f"{snaps}|{aside}|{directory}|{window.first}|{window.current}"


def ensure_fresh(db: Database, now: datetime) -> State:
    """The stored cube's state, refreshing it first (the parts that changed) when the data or
    the month changed.

    While another thread is rebuilding, the previous cube (complete, suppressed as a whole) is
    served rather than waited for; only a server with no cube at all waits."""
    window = Window.at(now)
    with db.read() as tx:
        current = state(tx)
        token = _change_token(tx, window)
        known = _VERIFIED.get(id(db))
        if current is not None and known == (token, current.source):
            return current  # nothing the parts are built from has moved since the last check
        fresh = current is not None and current.source == source_fingerprint(tx, window)
    if fresh and current is not None:
        _VERIFIED[id(db)] = (token, current.source)
        return current
    if current is not None and not _BUILD_LOCK.acquire(db, blocking=False):
        return current  # being rebuilt right now: the previous cube is complete and safe
    if current is None:
        _BUILD_LOCK.acquire(db)
    try:
        refreshed = _refresh_locked(db, now, False, None)
        with db.read() as tx:
            _VERIFIED[id(db)] = (_change_token(tx, window), refreshed.source)
        return refreshed
    finally:
        _BUILD_LOCK.release()


def start_refresher(
    db: Database, now: Callable[[], datetime], every_seconds: float = 30.0
) -> threading.Event:
    """Keep the cube fresh in the background (after each sync round, within ``every_seconds``)
    so that no page view waits for a rebuild. Set the returned event to stop the thread."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                ensure_fresh(db, now())
            except Exception as exc:  # keep refreshing; pages rebuild lazily meanwhile
                _log.warning("publication refresh failed (%s)", exc.__class__.__name__)
            stop.wait(every_seconds)

    threading.Thread(target=loop, name="publication-refresher", daemon=True).start()
    return stop
