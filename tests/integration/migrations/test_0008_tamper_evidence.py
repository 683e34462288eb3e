"""Migration 0008 (tamper evidence): the keyed audit chain starts, signed rows written before
every signature was audited are kept in a sealed baseline, the schema is recorded with its
fingerprint in the audit trail, and the audit-head sidecar becomes required."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.errors import StorageError
from clinician_desk.storage import Database, audit, migrations_runner
from clinician_desk.storage.connection import Connection, connect
from tests.fixtures.vaults.generate import FIXTURE_KEY, fixture_path

NOW = "2026-09-14T15:00:00Z"


def _v7_copy(tmp_path: Path) -> Path:
    live = tmp_path / "vault.db"
    shutil.copyfile(fixture_path(7), live)  # holds a signed note with no signing audit entry
    return live


def _raw(path: Path, *statements: str) -> None:
    conn = connect(path, FIXTURE_KEY)
    try:
        for sql in statements:
            conn.execute(sql)
    finally:
        conn.close()


def test_upgrade_seals_the_unaudited_rows_and_keys_the_chain(tmp_path: Path) -> None:
    live = _v7_copy(tmp_path)
    db = Database.open(live, FIXTURE_KEY, clock=FakeClock())
    try:
        assert db.integrity_warnings == ()
        assert db.verify() == []
        conn = db.conn
        baseline = conn.execute("SELECT kind, row_id FROM record_baseline ORDER BY 1, 2")
        assert [tuple(r) for r in baseline] == [("destruction", 2), ("note", 1)]
        first = audit.keyed_from(conn)
        rows = conn.execute(
            "SELECT id, action, details FROM audit_log WHERE id >= ? ORDER BY id", (first,)
        ).fetchall()
        # One schema.migrated entry per migration from 0008 to the head.
        later = list(range(8, migrations_runner.head_version() + 1))
        assert [r[1] for r in rows] == ["audit.chain_keyed"] + ["schema.migrated"] * len(later)
        assert json.loads(rows[0][2])["baseline"]["note"] == 1
        assert [json.loads(r[2])["version"] for r in rows[1:]] == later
    finally:
        db.close()


def test_keyed_rows_cannot_be_recomputed_without_the_key(tmp_path: Path) -> None:
    live = _v7_copy(tmp_path)
    Database.open(live, FIXTURE_KEY, clock=FakeClock()).close()
    conn = connect(live, FIXTURE_KEY)
    row = conn.execute("SELECT * FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    fields = {
        "row_id": row["id"],
        "at": row["at"],
        "actor": row["actor"],
        "action": row["action"],
        "entity": row["entity"],
        "entity_id": row["entity_id"],
        "details": row["details"],
        "prev_hash": row["prev_hash"],
    }
    plain = audit.entry_hash(**fields)
    keyed = audit.entry_hash(**fields, mac_key=audit.audit_key(FIXTURE_KEY))
    conn.close()
    assert row["hash"] == keyed != plain
    # Someone re-hashing the last row with plain SHA-256 (all one can do without the key).
    _raw(
        live,
        "DROP TRIGGER audit_log_no_update",
        f"UPDATE audit_log SET hash = '{plain}' WHERE id = {row['id']}",
    )
    db = Database.open(live, FIXTURE_KEY, clock=FakeClock())
    try:
        problems = db.verify()
    finally:
        db.close()
    assert f"audit chain: row {row['id']} was altered after it was written" in problems
    assert any("schema: trigger audit_log_no_update is missing" in p for p in problems)


def test_editing_a_baseline_note_or_adding_to_the_baseline_is_named(tmp_path: Path) -> None:
    live = _v7_copy(tmp_path)
    Database.open(live, FIXTURE_KEY, clock=FakeClock()).close()
    _raw(
        live,
        "DROP TRIGGER notes_signed_no_update",
        'UPDATE notes SET sections = \'{"text":"changed (fictional)"}\' WHERE id = 1',
        "INSERT INTO record_baseline VALUES ('note', 99, printf('%064d', 1))",
    )
    db = Database.open(live, FIXTURE_KEY, clock=FakeClock())
    try:
        problems = db.verify()
        warned = db.integrity_warnings
    finally:
        db.close()
    assert "signed note 1: its text no longer matches what was signed" in problems
    assert any(p.startswith("record baseline: rows were added") for p in problems)
    # The unlock check is incremental (no new audit entry speaks about note 1), but it sees the
    # dropped trigger and the grown baseline at once.
    assert any("trigger notes_signed_no_update is missing" in w for w in warned)
    assert any(w.startswith("record baseline: rows were added") for w in warned)


def test_the_recorded_schema_is_sealed(tmp_path: Path) -> None:
    live = _v7_copy(tmp_path)
    Database.open(live, FIXTURE_KEY, clock=FakeClock()).close()
    _raw(live, "UPDATE meta SET value = '[]' WHERE key = 'schema_objects'")
    db = Database.open(live, FIXTURE_KEY, clock=FakeClock())
    try:
        problems = db.verify()
    finally:
        db.close()
    assert any("does not match the fingerprint its migration wrote" in p for p in problems)


def _at_v7(path: Path) -> Connection:
    conn = connect(path, FIXTURE_KEY)
    for m in migrations_runner.available_migrations()[:7]:
        migrations_runner.apply(conn, m)
    return conn


def test_0008_needs_the_key_and_leaves_version_7_without_it(tmp_path: Path) -> None:
    conn = _at_v7(tmp_path / "m8.db")
    try:
        with pytest.raises(StorageError, match="needs the data key"):
            migrations_runner.apply(conn, migrations_runner.available_migrations()[7])
        assert migrations_runner.current_version(conn) == 7
        migrations_runner.apply(
            conn, migrations_runner.available_migrations()[7], raw_key=FIXTURE_KEY, at=NOW
        )
        assert migrations_runner.current_version(conn) == 8
        assert (
            conn.execute("SELECT value FROM meta WHERE key = 'head_sidecar'").fetchone()[0]
            == "required"
        )
    finally:
        conn.close()
