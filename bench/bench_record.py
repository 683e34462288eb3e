"""Clinical-record figures on a demo vault: search, caseload, save-and-sign, student page.

For 200 students × 20,000 sessions (and × 100,000 in the full run) the demo generator fills a
real SQLCipher vault; ``sqlcipher_export`` then writes a plain SQLite copy of the same data (same
schema, triggers and FTS index). Every figure runs the same service code on both — the plain
copy through the standard library's ``sqlite3`` with the same pragmas except encryption, the
same keyed audit chain and the same audit-head sidecar after each COMMIT — so the ratio
(SQLCipher / plain) measures encryption alone. Every figure is taken in interleaved rounds (the
two databases take turns, the first one alternating), so a burst of load lands on both sides:

- ``search_median_ms`` / ``search_p95_ms`` — over rounds of a mix of name prefixes and clinical
  words (bm25, top 50), 13 queries × reps per side;
- ``search_common_word_ms`` — median for a word in nearly every note (worst case);
- ``caseload_ms`` — median of the whole caseload overview (five queries);
- ``save_and_sign_ms`` (median) / ``save_and_sign_p95_ms`` — signing a note with new text in one
  transaction (draft save, search index, content hash, count_dirty mark, audit entry, COMMIT
  with fsync, sidecar), 200 notes per side (60 with ``--quick``);
- ``save_and_sign_mean_ms`` / ``save_and_sign_cpu_mean_ms`` — the same signs' means, which
  carry the search index's merges (a few signs in a hundred merge FTS5 segments and write
  400-700 pages; the median sign does not);
- ``save_and_sign_wal_pages`` (median) / ``…_mean`` — pages each sign appended to the WAL,
  counted from the frame headers outside the timing: every one is encrypted and MACed on the
  vault;
- ``student_page_ms`` — median of a student page (view + 100 sessions + referrals + audit
  entry + COMMIT), over random students (most not yet in the page cache), both databases on
  the same student in each round (see ``_page_figures``).

Every side starts from the same page cache: ``Database.open`` runs the unlock check on the
vault, and the plain copies run the same check after they are made (docs/decisions/0140).
The unit of each encrypted row names the target (issue 23: ratio <= 1.2).

``…_cpu_ms`` rows are the same rounds in this thread's CPU time (no fsync wait, no other
process's load in them): the decryption and encryption work itself. ``….plain`` rows are the
plain baseline; ``….same_library`` rows are a third copy, plain too,
opened through SQLCipher's own SQLite build without a key (its ratio = encrypted / that), which
separates "another SQLite build" from encryption (docs/decisions/0114).

Run: ``python -m bench.bench_record [--quick]``. Figures only, never pass/fail.
"""

from __future__ import annotations

import random
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

from bench.bench_storage import TARGET, FrameCounter
from bench.data import demo_database
from clinician_desk.clock import FakeClock
from clinician_desk.domain.sessions import SessionInput
from clinician_desk.services import notes, search, students
from clinician_desk.storage import Database, audit, headmark, tamper
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
    """One database (SQLCipher via ``Database`` or the plain copy) behind the same API.

    The plain copy does the app's own work too, so the ratio measures encryption alone: its
    units of work append to the same keyed audit chain (the audit key is derived from the same
    data key) and record the audit head in a sidecar after COMMIT, as ``Database`` does."""

    def __init__(
        self,
        name: str,
        conn: Any,
        clock: FakeClock,
        db: Database | None = None,
        *,
        audit_key: bytes | None = None,
        head: tuple[Path, bytes] | None = None,
    ):
        self.name, self.conn, self.clock, self.db = name, conn, clock, db
        self.audit_key, self.head = audit_key, head
        file = conn.execute("PRAGMA database_list").fetchone()[2]
        self.wal = Path(f"{file}-wal")

    @contextmanager
    def uow(self) -> Iterator[UnitOfWork]:
        if self.db is not None:
            with self.db.unit_of_work() as u:
                yield u
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            work = UnitOfWork(self.conn, self.clock, "clinician", self.audit_key)
            yield work
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
        if work.appended and self.head is not None:
            headmark.write(self.head[0], self.head[1], headmark.database_head(self.conn))

    @contextmanager
    def read(self) -> Iterator[Any]:
        if self.db is not None:
            with self.db.read() as c:
                yield c
            return
        self.conn.execute("BEGIN")
        try:
            yield self.conn
        finally:
            self.conn.execute("ROLLBACK")


def _plain_copy(src: Path, dest: Path, library: Any = sqlite3) -> Any:
    raw = sqlcipher3.connect(str(src))
    raw.execute(f"PRAGMA key = \"x'{KEY.hex()}'\"")
    raw.execute(f"ATTACH DATABASE '{dest}' AS plain KEY ''")
    raw.execute("SELECT sqlcipher_export('plain')")
    raw.execute("DETACH DATABASE plain")
    raw.close()
    conn = library.connect(str(dest), isolation_level=None, check_same_thread=False)
    for pragma in (
        "journal_mode = WAL",
        "synchronous = FULL",
        "temp_store = MEMORY",
        "foreign_keys = ON",
        "cache_size = -65536",
    ):
        conn.execute(f"PRAGMA {pragma}")
    conn.row_factory = library.Row
    return conn


def _interleaved(
    targets: list[Target],
    op: Callable[[Target, int], object],
    rounds: int,
    counters: list[FrameCounter] | None = None,
) -> list[list[float]]:
    """Seconds of ``op(target, i)`` per target; each round runs every target once, starting
    with a different target each round, so a burst of load lands on both sides alike.
    ``counters`` (one per target) count the WAL pages of each call, outside the timing."""
    times: list[list[float]] = [[] for _ in targets]
    cpu = CPU.setdefault(id(op), [[] for _ in targets])
    for i in range(rounds):
        for k in range(len(targets)):
            j = (i + k) % len(targets)
            if counters is not None:
                counters[j].before()
            t0, c0 = time.perf_counter(), time.thread_time()
            op(targets[j], i)
            times[j].append(time.perf_counter() - t0)
            cpu[j].append(time.thread_time() - c0)
            if counters is not None:
                counters[j].after()
    return times


# This thread's CPU seconds per call, by operation (``_interleaved`` fills it): the work itself,
# without waiting for fsync or for the other processes on the machine.
CPU: dict[int, list[list[float]]] = {}


def _measure(
    targets: list[Target], student_ids: list[int], drafts: list[list[int]], reps: int
) -> list[dict[str, float]]:
    figures: list[dict[str, float]] = [{} for _ in targets]

    def do_search(t: Target, q: str) -> None:
        with t.read() as c:
            search.search(c, q)

    for t in targets:  # warm the cache the way a session in use would be
        for q in QUERIES:
            do_search(t, q)
    rounds = [q for _ in range(reps) for q in QUERIES]
    times = _interleaved(targets, lambda t, i: do_search(t, rounds[i]), len(rounds))
    for f, xs in zip(figures, times, strict=True):
        f["search_p95_ms"] = _p95(xs)
        f["search_median_ms"] = _median(xs)
    times = _interleaved(targets, lambda t, i: do_search(t, "student"), max(3, reps // 2))
    for f, xs in zip(figures, times, strict=True):
        f["search_common_word_ms"] = _median(xs)

    def do_caseload(t: Target, _: int) -> None:
        with t.read() as c:
            caseload.caseload_overview(c, t.clock.now())

    _interleaved(targets, do_caseload, 1)
    CPU.clear()
    times = _interleaved(targets, do_caseload, reps * 3)
    for f, xs, cs in zip(figures, times, CPU.pop(id(do_caseload)), strict=True):
        f["caseload_ms"] = _median(xs)
        f["caseload_cpu_ms"] = _median(cs)

    def do_sign(t: Target, i: int) -> None:
        note_id = drafts[targets.index(t)][i]
        with t.uow() as u:
            notes.sign_note(u, note_id, {"subjective": f"Benchmark note {i}, fictional."})

    CPU.clear()
    counters = [FrameCounter(t.wal) for t in targets]
    times = _interleaved(targets, do_sign, len(drafts[0]), counters)
    for f, xs, cs, fc in zip(figures, times, CPU.pop(id(do_sign)), counters, strict=True):
        f["save_and_sign_cpu_ms"] = _median(cs)
        f["save_and_sign_ms"] = _median(xs)
        f["save_and_sign_p95_ms"] = _p95(xs)
        # the mean carries the search index's merges (a few signs in a hundred write 400-700
        # pages); the median sign does not merge
        f["save_and_sign_mean_ms"] = statistics.fmean(xs) * 1000
        f["save_and_sign_cpu_mean_ms"] = statistics.fmean(cs) * 1000
        f["save_and_sign_wal_pages"] = statistics.median(fc.counts)
        f["save_and_sign_wal_pages_mean"] = statistics.fmean(fc.counts)
    return figures


def _page_figures(
    targets: list[Target], student_ids: list[int], n: int
) -> tuple[list[float], list[float]]:
    """Median student page per target, the targets taking turns on the same students.

    Each round opens one random student's page on every target, in a rotating order, so a burst
    of load from other processes hits all targets alike instead of one target's whole block.
    Most picks are a student whose pages are not in the cache yet (the first look after
    unlock); one page of a student opened first warms nothing the others need but the indexes.
    """
    rng = random.Random(5)
    picks = [rng.choice(student_ids) for _ in range(n)]

    def page(t: Target, i: int) -> None:
        with t.uow() as u:
            students.student_page(u, picks[i])

    for t in targets:  # the same first page everywhere, not timed
        with t.uow() as u:
            students.student_page(u, student_ids[0])
    CPU.clear()
    walls = [_median(xs) for xs in _interleaved(targets, page, n)]
    return walls, [_median(cs) for cs in CPU.pop(id(page))]


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


def run_size(sessions: int, reps: int, signs: int) -> list[Row]:
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
        root = audit.record_root(db.conn, KEY)
        # A demo copy comes without its audit-head sidecar, so ``Database`` finds it missing and
        # stops updating it: the plain sides then skip it too (same work on every side).
        frozen = bool(db.integrity_warnings)
        conns = []
        targets = [Target("sqlcipher", db.conn, clock, db)]
        for name, library in (("plain", sqlite3), ("same_library", sqlcipher3)):
            copy = Path(tmp) / f"{name}.db"
            conns.append(_plain_copy(path, copy, library))
            # ``Database.open`` ran the unlock check on the vault, which left the pages it read
            # in the page cache; the same check here starts every side from the same cache
            # (a fuller cache also costs more at COMMIT, see docs/decisions/0140).
            tamper.unlock_check(conns[-1], KEY)
            head = None if frozen else (headmark.sidecar_path(copy), headmark.mac_key(root))
            targets.append(
                Target(name, conns[-1], clock, audit_key=audit.audit_key(root), head=head)
            )
        with targets[0].read() as c:
            ids = [int(r[0]) for r in c.execute("SELECT id FROM students ORDER BY id")]
        # the same drafts on every copy (ids line up because all start identical)
        drafts = [_drafts(t, ids, signs) for t in targets]
        assert drafts[0] == drafts[1] == drafts[2]
        fo, fb, fs = _measure(targets, ids, drafts, reps)
        pages, page_cpu = _page_figures(targets, ids, reps * 8)
        fo["student_page_ms"], fb["student_page_ms"], fs["student_page_ms"] = pages
        fo["student_page_cpu_ms"], fb["student_page_cpu_ms"], fs["student_page_cpu_ms"] = page_cpu
        at = f"@{sessions // 1000}k"
        for name, value in fo.items():
            unit = "pages" if "_wal_pages" in name else "ms"
            rows.append(
                (f"record.{name}{at}", round(value, 2), f"{unit};{TARGET}", value / fb[name])
            )
            rows.append((f"record.{name}{at}.plain", round(fb[name], 2), unit, None))
            rows.append(
                (
                    f"record.{name}{at}.same_library",
                    round(fs[name], 2),
                    unit,
                    value / fs[name],
                )
            )
        for conn in conns:
            conn.close()
        db.close()
    return rows


def run(quick: bool) -> list[Row]:
    rows = run_size(20_000, reps=5 if quick else 10, signs=60 if quick else 200)
    if not quick:
        rows += run_size(100_000, reps=10, signs=200)
    return rows


if __name__ == "__main__":
    for name, value, unit, ratio in run(quick="--quick" in sys.argv):
        extra = f" ratio={ratio:.2f}" if ratio is not None else ""
        print(f"{name} {value} {unit}{extra}", flush=True)
