"""Migration 0001 (storage): meta, settings and the append-only audit_log."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlcipher3

from clinician_desk.clock import FakeClock
from clinician_desk.errors import StorageError
from clinician_desk.storage import migrations_runner
from clinician_desk.storage.connection import connect
from clinician_desk.storage.database import Database
from clinician_desk.storage.migrations_runner import Migration

KEY = b"\x42" * 32


def _fresh(tmp_path: Path) -> sqlcipher3.Connection:
    return connect(tmp_path / "raw.db", KEY)


def test_0001_creates_tables_triggers_and_version(tmp_path: Path) -> None:
    conn = _fresh(tmp_path)
    migrations_runner.apply(conn, migrations_runner.available_migrations()[0])
    names = {
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table','trigger')")
    }
    assert {"meta", "settings", "audit_log", "audit_log_no_update", "audit_log_no_delete"} <= names
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    assert meta["application"] == "clinician-desk"
    conn.close()


def test_failed_migration_leaves_previous_version(tmp_path: Path) -> None:
    conn = _fresh(tmp_path)
    migrations_runner.apply(conn, migrations_runner.available_migrations()[0])
    broken = Migration(2, "broken", "CREATE TABLE half (x);\nINSERT INTO nowhere VALUES (1);")
    with pytest.raises(StorageError, match="left at its previous version"):
        migrations_runner.apply(conn, broken)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "half" not in tables
    assert not conn.in_transaction
    conn.close()


def test_migration_files_are_numbered_without_gaps() -> None:
    numbers = [m.number for m in migrations_runner.available_migrations()]
    assert numbers == list(range(1, len(numbers) + 1))


def test_upgrade_from_0001_backs_up_first(tmp_path: Path) -> None:
    path = tmp_path / "vault.db"
    conn = connect(path, KEY)
    migrations_runner.apply(conn, migrations_runner.available_migrations()[0])
    conn.execute("INSERT INTO settings VALUES ('lang', 'en', 'then')")
    conn.close()
    db = Database.open(path, KEY, clock=FakeClock())
    assert db.schema_version == migrations_runner.head_version()
    db.close()
    copies = list((tmp_path / "backups").glob("pre-migration-v0001-*.db"))
    if migrations_runner.head_version() == 1:
        assert copies == []
        return
    assert len(copies) == 1
    old = connect(copies[0], KEY)
    assert old.execute("PRAGMA user_version").fetchone()[0] == 1
    assert old.execute("SELECT value FROM settings").fetchone()[0] == "en"
    old.close()
