"""Kill-9 torture for the storage layer, shared by the crash test and ``bench/bench_storage.py``.

A child process (``python -m tests.support.crash_harness DB KEYHEX START``) opens the
vault and saves note-sized rows in units of work (a settings row plus its audit entry, like a
note save), printing each id on stdout only after COMMIT returned. The parent SIGKILLs it at a
random moment (during start-up/open or in the middle of the writes), then checks that every
acknowledged id is present, that reopening raises no rolled-back-work warning (the audit-head
sidecar may lag the database after a kill, never lead it) and ``verify`` finds nothing wrong.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from clinician_desk.clock import FakeClock, SystemClock
from clinician_desk.storage import Database

NOTE_TEXT = "Synthetic progress note for a fictional student. " * 12  # ~600 bytes


def child(db_path: str, key_hex: str, start: int) -> None:
    db = Database.open(Path(db_path), bytes.fromhex(key_hex), clock=SystemClock())
    i = start
    out = sys.stdout
    while True:
        with db.unit_of_work() as uow:
            uow.conn.execute(
                "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)",
                (f"probe-{i:08d}", f"{NOTE_TEXT} #{i}", "2026-09-14T15:00:00Z"),
            )
            uow.audit("probe.saved", "probe", str(i), {"n": i})
        out.write(f"{i}\n")
        out.flush()
        i += 1


@dataclass
class TortureResult:
    cycles: int = 0
    acknowledged: int = 0
    lost: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    kills_before_first_ack: int = 0


def _kill_after(proc: subprocess.Popen[bytes], delay: float, wait_first_ack: bool) -> bytes:
    """Collect stdout, SIGKILL after ``delay`` seconds (counted from the first ack if asked)."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    data = b""
    started = time.monotonic()
    deadline = None if wait_first_ack else started + delay
    hard_stop = started + 60
    while True:
        now = time.monotonic()
        if (deadline is not None and now >= deadline) or now >= hard_stop:
            break
        timeout = 0.05 if deadline is None else max(0.0, min(0.05, deadline - now))
        ready, _, _ = select.select([fd], [], [], timeout)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
            if deadline is None and b"\n" in data:
                deadline = time.monotonic() + delay
    proc.send_signal(signal.SIGKILL)
    rest, _ = proc.communicate(timeout=30)
    return data + rest


def torture(db_path: Path, key: bytes, cycles: int, seed: int = 0) -> TortureResult:
    """Run ``cycles`` kill-9 cycles against a vault at ``db_path`` (created if missing)."""
    rng = random.Random(seed)
    if not db_path.exists():
        Database.open(db_path, key, clock=FakeClock(), create=True).close()
    result = TortureResult()
    acked: set[int] = set()
    next_id = 0
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for _ in range(cycles):
        proc = subprocess.Popen(
            [sys.executable, "-m", __name__, str(db_path), key.hex(), str(next_id)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        during_open = rng.random() < 0.2
        delay = rng.uniform(0.0, 0.6) if during_open else rng.uniform(0.0, 0.25)
        out = _kill_after(proc, delay, wait_first_ack=not during_open)
        lines = out.decode().split("\n")
        ids = [int(x) for x in lines[:-1]]  # a last, partial line was never acknowledged
        if not ids:
            result.kills_before_first_ack += 1
        acked.update(ids)
        next_id = max([next_id - 1, *ids]) + 1
        result.cycles += 1
        db = Database.open(db_path, key, clock=FakeClock())
        try:
            # A kill between COMMIT and the audit-head sidecar write leaves the sidecar behind
            # the database: that must never be reported as lost work.
            result.problems += list(db.integrity_warnings)
            present = {
                int(row[0][6:])
                for row in db.conn.execute("SELECT key FROM settings WHERE key LIKE 'probe-%'")
            }
            result.lost = sorted(acked - present)
            if result.lost:
                break
            audit_ids = {
                int(row[0])
                for row in db.conn.execute(
                    "SELECT entity_id FROM audit_log WHERE action = 'probe.saved'"
                )
            }
            if present != audit_ids:
                result.problems.append("a probe row and its audit entry were not atomic")
                break
            next_id = max(next_id, max(present, default=-1) + 1)
        finally:
            db.close()
    db = Database.open(db_path, key, clock=FakeClock())
    try:
        result.problems += db.verify()
    finally:
        db.close()
    result.acknowledged = len(acked)
    return result


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2], int(sys.argv[3]))
