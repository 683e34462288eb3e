"""Storage figures: vault open time after the KDF, SQLCipher vs plain SQLite, kill-9 torture.

- ``storage.open_after_kdf``: ``Database.open`` of an existing vault at head (connect, raw key,
  key proof, pragmas, TEMP_STORE check, migration check) — the share of unlock that is not the
  KDF (target with the vault's own part: <= 50 ms).
- insert (one note-sized row + audit entry per transaction, WAL, synchronous=FULL, as a note
  save) and read (point lookups, warm cache; full scan on a cold connection) with ratio =
  SQLCipher time / plain ``sqlite3`` time measured in the same run.
  The app runs with ``cipher_memory_security`` OFF (see clinician_desk/storage/connection.py);
  with it ON, a cached lookup measured ~15 µs → ~45 µs on this machine.
- ``storage.unlock_total_with_open``: passphrase → open database with the KDF calibrated on
  this machine (full run only); ``storage.unlock_open_share`` is the part after the vault.
- ``storage.crash_cycles`` / ``storage.crash_lost``: the SIGKILL torture of the crash test,
  200 cycles in the full run (``BENCH_CRASH_CYCLES`` to change), skipped with ``--quick``;
  each cycle starts a Python process (~0.5-0.8 s here), so 1,000 would not fit the 15-minute
  full run — the 1,000-cycle kill torture (notes and signing) is ``python -m bench.torture``.

Run: ``python -m bench.bench_storage [--quick]``.
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from clinician_desk.clock import FakeClock
from clinician_desk.storage import Database

Row = tuple[str, float, str, float | None]
TEXT = "Synthetic progress note for a fictional student. " * 12


def _open_ms(path: Path, key: bytes, repeats: int, query: str | None = None) -> float:
    """Median time of ``Database.open`` (plus ``query`` if given); closing is not timed (it
    checkpoints the WAL and fsyncs, which a user waits for at lock, not at unlock)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        db = Database.open(path, key, clock=FakeClock())
        if query:
            db.conn.execute(query).fetchone()
        times.append(time.perf_counter() - start)
        db.close()
    return statistics.median(times) * 1000


def _median_ms(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _plain(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA cache_size = -65536")
    conn.execute("CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value, updated_at)")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS audit_log (id INTEGER PRIMARY KEY, at, actor, action,"
        " entity, entity_id, details, prev_hash, hash)"
    )
    return conn


def _insert_ours(db: Database, n: int, offset: int) -> None:
    for i in range(offset, offset + n):
        with db.unit_of_work() as uow:
            uow.conn.execute("INSERT INTO settings VALUES (?, ?, 'now')", (f"n{i:06d}", TEXT))
            uow.audit("note.saved", "note", str(i))


def _insert_plain(conn: sqlite3.Connection, n: int, offset: int) -> None:
    for i in range(offset, offset + n):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO settings VALUES (?, ?, 'now')", (f"n{i:06d}", TEXT))
        last = conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        conn.execute(
            "INSERT INTO audit_log VALUES (NULL, 'now', 'c', 'note.saved', 'note', ?, '{}', ?, ?)",
            (str(i), last[0] if last else "0" * 64, "f" * 64),
        )
        conn.execute("COMMIT")


def _unlock_total(folder: Path) -> list[Row]:
    """Passphrase to open database with the KDF calibrated on this machine (what a user waits
    for at the unlock screen), and the same minus the vault's own unlock."""
    from clinician_desk.config import VaultPaths
    from clinician_desk.vault import create_vault, unlock_vault

    paths = VaultPaths(folder / "profiles" / "bench")
    phrase = "bench fictional walrus meadow"
    key, _ = create_vault(paths, phrase)
    Database.open(paths.database, key, clock=FakeClock(), create=True).close()
    key.wipe()
    totals, unlocks = [], []
    for _ in range(3):
        start = time.perf_counter()
        k = unlock_vault(paths, phrase)
        unlocked = time.perf_counter()
        db = Database.open(paths.database, k, clock=FakeClock())
        totals.append(time.perf_counter() - start)
        unlocks.append(unlocked - start)
        db.close()
        k.wipe()
    total = statistics.median(totals) * 1000
    return [
        ("storage.unlock_total_with_open", total, "ms", None),
        ("storage.unlock_open_share", total - statistics.median(unlocks) * 1000, "ms", None),
    ]


def run(quick: bool) -> list[Row]:
    rows: list[Row] = []
    n_insert = 200 if quick else 1000
    n_read = 2000 if quick else 10000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        key = os.urandom(32)
        path = folder / "vault.db"
        Database.open(path, key, clock=FakeClock(), create=True).close()
        open_ms = _open_ms(path, key, 15)
        rows.append(("storage.open_after_kdf", open_ms, "ms", None))

        db = Database.open(path, key, clock=FakeClock())
        plain = _plain(folder / "plain.db")
        t0 = time.perf_counter()
        _insert_ours(db, n_insert, 0)
        ours = (time.perf_counter() - t0) / n_insert * 1000
        t0 = time.perf_counter()
        _insert_plain(plain, n_insert, 0)
        base = (time.perf_counter() - t0) / n_insert * 1000
        rows.append(("storage.note_save", ours, "ms/save", ours / base))

        db.checkpoint()
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        keys = [f"n{random.randrange(n_insert):06d}" for _ in range(n_read)]
        sql = "SELECT value FROM settings WHERE key = ?"
        t0 = time.perf_counter()
        for k in keys:
            db.conn.execute(sql, (k,)).fetchone()
        ours = (time.perf_counter() - t0) / n_read * 1e6
        t0 = time.perf_counter()
        for k in keys:
            plain.execute(sql, (k,)).fetchone()
        base = (time.perf_counter() - t0) / n_read * 1e6
        rows.append(("storage.point_read_warm", ours, "us/read", ours / base))
        db.close()
        plain.close()

        scan = "SELECT count(*), sum(length(value)) FROM settings"
        ours = _open_ms(path, key, 7, scan) - _open_ms(path, key, 7)

        def cold_plain() -> None:
            c = sqlite3.connect(folder / "plain.db")
            c.execute(scan).fetchone()
            c.close()

        base = _median_ms(cold_plain, 7)
        rows.append(("storage.full_scan_cold", ours, "ms", ours / base if base else None))

        if not quick:
            rows += _unlock_total(folder)
            from tests.support.crash_harness import torture

            cycles = int(os.environ.get("BENCH_CRASH_CYCLES", "200"))
            t0 = time.perf_counter()
            result = torture(folder / "crash.db", os.urandom(32), cycles, seed=7)
            rows.append(("storage.crash_cycles", float(result.cycles), "cycles", None))
            rows.append(("storage.crash_acknowledged", float(result.acknowledged), "saves", None))
            rows.append(("storage.crash_lost", float(len(result.lost)), "saves", None))
            rows.append(
                ("storage.crash_verify_problems", float(len(result.problems)), "problems", None)
            )
            rows.append(("storage.crash_seconds", time.perf_counter() - t0, "s", None))
    return rows


if __name__ == "__main__":
    for name, value, unit, ratio in run("--quick" in sys.argv):
        extra = f" ratio={ratio:.2f}" if ratio is not None else ""
        print(f"{name} {value:.3f} {unit}{extra}")
