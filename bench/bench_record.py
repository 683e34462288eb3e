"""Clinical-record figures on a demo vault: search, caseload, save-and-sign, student page.

For 200 students × 20,000 sessions (and × 100,000 in the full run) the demo generator fills a
real SQLCipher vault; ``sqlcipher_export`` then writes a plain SQLite copy of the same data.
Every figure runs the same service code on both (the plain copy through the standard library's
``sqlite3`` with the same pragmas except encryption) and reports ours, with
ratio = SQLCipher / plain:

- ``search_p95_ms`` — p95 over a mix of name prefixes and clinical words (bm25, top 50);
- ``search_common_word_ms`` — median for a word in nearly every note (worst case);
- ``caseload_ms`` — median of the whole caseload overview (five queries);
- ``save_and_sign_p95_ms`` — p95 of signing a note with new text in one transaction (draft
  save, search index, content hash, count_dirty mark, audit entry, COMMIT with fsync);
- ``student_page_ms`` — median of a student page (view + 100 sessions + referrals + audit
  entry + COMMIT), over random students (most not yet in the page cache), the three
  databases taking turns on the same students (see ``_page_figures``).

Each figure is repeated as ``….no_memory_security``: a second connection to a copy of the same
encrypted file with ``cipher_memory_security`` left off. The app now runs with it off too (see
clinician_desk/storage/connection.py), so these rows are a same-run control; note that SQLCipher
makes the setting process-wide once any connection enables it.

Run: ``python -m bench.bench_record [--quick]``. Figures only, never pass/fail.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import sqlcipher3

from bench.data import demo_database
from clinician_desk.clock import FakeClock
from clinician_desk.domain.sessions import SessionInput
from clinician_desk.services import notes, search, students
from clinician_desk.storage import Database
from clinician_desk.storage.database import UnitOfWork
from clinician_desk.storage.repositories import caseload

Row = tuple[str, float, str, float | None]
KEY = bytes(range(32))
QUERIES = (
    "testy",
    "mcfake",
    "sampl",
    "thermometer",
    "grandparent",
    "robotics",
    "bus",
    "sleep routine",
    "soccer tryouts",
    "lego",
    "worry box",
    "dummyworth",
    "substitute",
)


def _p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, round(0.95 * len(xs)) - 1)] * 1000


def _median(xs: list[float]) -> float:
    return statistics.median(xs) * 1000


class Target:
    """One database (SQLCipher via ``Database`` or the plain copy) behind the same API."""

    def __init__(self, name: str, conn: Any, clock: FakeClock, db: Database | None = None):
        self.name, self.conn, self.clock, self.db = name, conn, clock, db

    @contextmanager
    def uow(self) -> Iterator[UnitOfWork]:
        if self.db is not None:
            with self.db.unit_of_work() as u:
                yield u
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield UnitOfWork(self.conn, self.clock, "clinician")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[Any]:
        if self.db is not None:
            with self.db.read() as c:
                yield c
            return
        yield self.conn


def _plain_copy(src: Path, dest: Path) -> sqlite3.Connection:
    raw = sqlcipher3.connect(str(src))
    raw.execute(f"PRAGMA key = \"x'{KEY.hex()}'\"")
    raw.execute(f"ATTACH DATABASE '{dest}' AS plain KEY ''")
    raw.execute("SELECT sqlcipher_export('plain')")
    raw.execute("DETACH DATABASE plain")
    raw.close()
    conn = sqlite3.connect(dest, isolation_level=None, check_same_thread=False)
    for pragma in (
        "journal_mode = WAL",
        "synchronous = FULL",
        "temp_store = MEMORY",
        "foreign_keys = ON",
        "cache_size = -65536",
    ):
        conn.execute(f"PRAGMA {pragma}")
    conn.row_factory = sqlite3.Row
    return conn


def _cipher_without_memory_security(src: Path, dest: Path) -> Any:
    """The same encrypted file opened with every pragma of ours except
    ``cipher_memory_security`` (to show what that setting costs)."""
    shutil.copyfile(src, dest)
    conn = sqlcipher3.connect(str(dest), isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA key = \"x'{KEY.hex()}'\"")
    for pragma in (
        "journal_mode = WAL",
        "synchronous = FULL",
        "temp_store = MEMORY",
        "foreign_keys = ON",
        "cache_size = -65536",
    ):
        conn.execute(f"PRAGMA {pragma}")
    conn.row_factory = sqlcipher3.Row
    return conn


def _timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def _measure(t: Target, student_ids: list[int], drafts: list[int], reps: int) -> dict[str, float]:
    figures: dict[str, float] = {}

    def do_search(q: str) -> None:
        with t.read() as c:
            search.search(c, q)

    for q in QUERIES:  # warm the cache the way a session in use would be
        do_search(q)
    times = [x for q in QUERIES for x in _timed(lambda q=q: do_search(q), reps)]
    figures["search_p95_ms"] = _p95(times)
    figures["search_common_word_ms"] = _median(_timed(lambda: do_search("student"), 3))

    def do_caseload() -> None:
        with t.read() as c:
            caseload.caseload_overview(c, t.clock.now())

    do_caseload()
    figures["caseload_ms"] = _median(_timed(do_caseload, reps))

    sign_times = []
    for i, note_id in enumerate(drafts):
        t0 = time.perf_counter()
        with t.uow() as u:
            notes.sign_note(u, note_id, {"subjective": f"Benchmark note {i}, fictional."})
        sign_times.append(time.perf_counter() - t0)
    figures["save_and_sign_p95_ms"] = _p95(sign_times)
    return figures


def _page_figures(targets: list[Target], student_ids: list[int], n: int) -> list[float]:
    """Median student page per target, the targets taking turns on the same students.

    Each round opens one random student's page on every target, in a rotating order, so a burst
    of load from other processes hits all targets alike instead of one target's whole block.
    Most picks are a student whose pages are not in the cache yet (the first look after
    unlock); one page of a student opened first warms nothing the others need but the indexes.
    """
    rng = random.Random(5)
    times: list[list[float]] = [[] for _ in targets]

    def page(t: Target, sid: int) -> float:
        t0 = time.perf_counter()
        with t.uow() as u:
            students.student_page(u, sid)
        return time.perf_counter() - t0

    for t in targets:  # the same first page everywhere, not timed
        page(t, student_ids[0])
    for i in range(n):
        sid = rng.choice(student_ids)
        for k in range(len(targets)):
            j = (i + k) % len(targets)
            times[j].append(page(targets[j], sid))
    return [_median(xs) for xs in times]


def _drafts(t: Target, student_ids: list[int], n: int) -> list[int]:
    out = []
    for i in range(n):
        sid = student_ids[i % len(student_ids)]
        with t.read() as c:
            cds = c.execute("SELECT school_cds FROM students WHERE id = ?", (sid,)).fetchone()[0]
        s = SessionInput(
            date(2026, 9, 14), 600, 645, "TX-IND", 2, "in_person", "school", "student", cds, (sid,)
        )
        with t.uow() as u:
            out.append(notes.document_session(u, s, "SOAP").note_ids[sid])
    return out


def run_size(sessions: int, reps: int) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-record-") as tmp:
        clock = FakeClock()
        path = Path(tmp) / "vault.db"
        # bench/data.py: the demo vault at this size and seed, built once and cached (the
        # build time is the one measured when it was built on this machine)
        demo = demo_database(path, sessions, seed=2026)
        assert demo.key == KEY
        rows.append((f"record.demo_build_{sessions // 1000}k_s", demo.build_seconds, "s", None))
        db = Database.open(path, KEY, clock=clock)
        db.checkpoint()
        plain = _plain_copy(path, Path(tmp) / "plain.db")
        nosec_conn = _cipher_without_memory_security(path, Path(tmp) / "nosec.db")
        nosec = Target("sqlcipher-no-memsec", nosec_conn, clock)
        ours = Target("sqlcipher", db.conn, clock, db)
        base = Target("plain", plain, clock)
        with ours.read() as c:
            ids = [int(r[0]) for r in c.execute("SELECT id FROM students ORDER BY id")]
        # the same drafts on both copies (ids line up because both start identical)
        d_ours, d_base = _drafts(ours, ids, 40), _drafts(base, ids, 40)
        d_nosec = _drafts(nosec, ids, 40)
        assert d_ours == d_base == d_nosec
        fo = _measure(ours, ids, d_ours, reps)
        fb = _measure(base, ids, d_base, reps)
        fn = _measure(nosec, ids, d_nosec, reps)
        pages = _page_figures([ours, base, nosec], ids, reps * 4)
        fo["student_page_ms"], fb["student_page_ms"], fn["student_page_ms"] = pages
        for name, value in fo.items():
            rows.append(
                (
                    f"record.{name}@{sessions // 1000}k",
                    round(value, 2),
                    "ms",
                    round(value / fb[name], 2) if fb[name] else None,
                )
            )
            rows.append(
                (
                    f"record.{name}@{sessions // 1000}k.no_memory_security",
                    round(fn[name], 2),
                    "ms",
                    round(fn[name] / fb[name], 2) if fb[name] else None,
                )
            )
        plain.close()
        nosec_conn.close()
        db.close()
    return rows


def run(quick: bool) -> list[Row]:
    rows = run_size(20_000, reps=5 if quick else 10)
    if not quick:
        rows += run_size(100_000, reps=10)
    return rows


if __name__ == "__main__":
    for name, value, unit, ratio in run(quick="--quick" in sys.argv):
        extra = f" ratio={ratio}" if ratio is not None else ""
        print(f"{name} {value} {unit}{extra}", flush=True)
