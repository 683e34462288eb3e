"""``Database.verify()`` runs the page-level checks on two more connections in two more threads:
it must name exactly what the same checks name one after the other on one connection — page,
structure, foreign-key and record findings alike, in the same order — and a second connection
that cannot be opened must not lose any check."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from clinician_desk.bootstrap import build_services
from clinician_desk.errors import StorageError
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.verify import verify_connection
from clinician_desk.vault import unlock_vault
from tests.support import tamper_harness as harness


@pytest.mark.slow  # 3-8 s: builds the harness vault and verifies it three times
def test_concurrent_verify_names_what_sequential_verify_names(tmp_path: Path) -> None:
    scene = harness.build_scene(tmp_path)
    facts = harness.drop_trigger_edit_leave(scene, random.Random(15))
    conn = harness.raw_connection(scene.paths)  # a row pointing at a student that is not there
    conn.execute("PRAGMA foreign_keys = OFF")
    session = conn.execute("SELECT min(id) FROM sessions").fetchone()[0]
    conn.execute(
        "INSERT INTO session_students (session_id, student_id, session_date)"
        " VALUES (?, 987654, '2026-09-01')",
        (session,),
    )
    conn.close()

    key = unlock_vault(scene.paths, harness.PASSPHRASE, clock=scene.clock)
    services = build_services(scene.paths, key, scene.clock)
    try:
        db = services.db
        raw = bytes(key.raw)
        sequential = verify_connection(db.conn, raw)
        concurrent = db.verify()

        def cannot_open() -> Connection:
            raise StorageError("the second connection is refused (test)")

        fallback = verify_connection(db.conn, raw, open_copy=cannot_open)
    finally:
        services.close()
    assert any("foreign keys: row" in line and "session_students" in line for line in sequential)
    assert any(f"note {facts['id']}" in line for line in sequential)
    assert any("schema" in line and "notes_signed_no_update" in line for line in sequential)
    assert concurrent == sequential
    assert fallback == sequential
