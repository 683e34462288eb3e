"""Child process for the canary test: writes a unique string through the storage layer in
several ways (a committed row, the audit trail, a sort and a temp table that SQLite may spill,
an uncommitted WAL and a checkpointed one), then exits with the database closed or still open.

Run with ``TMPDIR``/``SQLITE_TMPDIR`` pointed at a folder the test scans afterwards.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from clinician_desk.clock import FakeClock
from clinician_desk.storage import Database


def main(db_path: str, key_hex: str, canary: str, mode: str) -> None:
    db = Database.open(Path(db_path), bytes.fromhex(key_hex), clock=FakeClock(), create=True)
    with db.unit_of_work() as uow:
        for i in range(200):
            uow.conn.execute(
                "INSERT INTO settings VALUES (?, ?, 'now')", (f"note-{i}", f"{canary} {i} " * 20)
            )
        uow.audit("note.saved", "note", "1", {"field": canary})
        uow.conn.execute("CREATE TEMP TABLE scratch AS SELECT value FROM settings")
        uow.conn.execute("SELECT value FROM scratch ORDER BY value DESC").fetchall()
        uow.conn.execute("CREATE INDEX temp.scratch_v ON scratch (value)")
    with db.read() as conn:
        conn.execute(
            "SELECT value, count(*) FROM settings GROUP BY value ORDER BY length(value), value"
        ).fetchall()
    if mode == "checkpointed":
        db.checkpoint()
    if mode == "open":  # exit with the WAL never checkpointed (the process dies)
        sys.stdout.flush()
        os._exit(0)
    db.close()


if __name__ == "__main__":
    main(*sys.argv[1:5])
