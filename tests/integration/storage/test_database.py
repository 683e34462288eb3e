"""Opening, creating and refusing vault databases; units of work (real SQLCipher files)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlcipher3

from clinician_desk.clock import FakeClock
from clinician_desk.errors import CorruptionError, SchemaTooNewError, StorageError
from clinician_desk.storage import Database
from clinician_desk.storage.connection import key_pragma_literal
from clinician_desk.storage.migrations_runner import head_version


class _Key:
    """Stands in for the vault's DataKey (storage only needs ``.raw``)."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw


def test_create_then_reopen_keeps_data(db_path: Path, key: bytes, clock: FakeClock) -> None:
    db = Database.open(db_path, _Key(key), clock=clock, create=True)
    with db.unit_of_work() as uow:
        uow.conn.execute("INSERT INTO settings (key, value, updated_at) VALUES ('k', 'v', 'now')")
        uow.audit("setting.changed", "setting", "k")
    db.close()
    again = Database.open(db_path, key, clock=clock)
    with again.read() as conn:
        assert conn.execute("SELECT value FROM settings WHERE key='k'").fetchone()[0] == "v"
        # the migrations' entries (keyed chain, one schema entry from 0008 on) and this one
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == head_version() - 5
    assert again.schema_version == head_version()
    assert again.verify() == []
    again.close()


def test_pragmas_are_applied(db: Database) -> None:
    conn = db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA temp_store").fetchone()[0] == 2  # MEMORY
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA cache_size").fetchone()[0] == -65536
    # off on purpose (see clinician_desk/storage/connection.py): it doubled query costs
    assert conn.execute("PRAGMA cipher_memory_security").fetchone()[0] == "0"


def test_file_is_not_plaintext_sqlite(db: Database, db_path: Path) -> None:
    db.checkpoint()
    assert not db_path.read_bytes().startswith(b"SQLite format 3")


def test_wrong_key_is_corruption_naming_the_file(db: Database, db_path: Path) -> None:
    db.close()
    with pytest.raises(CorruptionError, match=r"vault\.db .* damaged or not a clinician-desk"):
        Database.open(db_path, os.urandom(32), clock=FakeClock())


def test_zero_byte_file_is_corruption_not_first_run(db_path: Path, key: bytes) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"")
    with pytest.raises(CorruptionError):
        Database.open(db_path, key, clock=FakeClock(), create=True)
    assert db_path.read_bytes() == b""  # nothing was written over it


def test_schemaless_encrypted_file_is_corruption(db_path: Path, key: bytes) -> None:
    db_path.parent.mkdir(parents=True)
    conn = sqlcipher3.connect(str(db_path))
    conn.execute(f"PRAGMA key = {key_pragma_literal(key)}")
    conn.execute("CREATE TABLE other (x)")
    conn.commit()
    conn.close()
    with pytest.raises(CorruptionError):
        Database.open(db_path, key, clock=FakeClock(), create=True)


def test_missing_file_without_create_is_refused(db_path: Path, key: bytes) -> None:
    with pytest.raises(StorageError, match="no vault database"):
        Database.open(db_path, key, clock=FakeClock())
    assert not db_path.exists()


def test_newer_schema_is_refused(db: Database, db_path: Path, key: bytes) -> None:
    db.conn.execute(f"PRAGMA user_version = {head_version() + 5}")
    db.close()
    with pytest.raises(SchemaTooNewError, match="newer version"):
        Database.open(db_path, key, clock=FakeClock())


def test_wrong_key_length_is_refused(db_path: Path) -> None:
    with pytest.raises(StorageError, match="wrong length"):
        Database.open(db_path, b"short", clock=FakeClock(), create=True)


def test_unit_of_work_rolls_back_on_exception(db: Database) -> None:
    with pytest.raises(RuntimeError), db.unit_of_work() as uow:
        uow.conn.execute("INSERT INTO settings VALUES ('a', 'b', 'c')")
        uow.audit("setting.changed", "setting", "a")
        raise RuntimeError("boom")
    with db.read() as conn:
        assert conn.execute("SELECT count(*) FROM settings").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == head_version() - 6
    assert db.verify() == []


def test_closed_database_says_locked(db: Database) -> None:
    db.close()
    db.close()  # idempotent
    with pytest.raises(StorageError, match="locked"), db.unit_of_work():
        pass


def test_create_leaves_no_temporary_files(db: Database, db_path: Path) -> None:
    names = sorted(p.name for p in db_path.parent.iterdir())
    assert all(n.startswith("vault.db") for n in names), names


def test_vault_busy_in_another_connection_is_a_clear_error(
    db: Database, db_path: Path, key: bytes
) -> None:
    other = Database.open(db_path, key, clock=FakeClock())
    other.conn.execute("PRAGMA busy_timeout = 50")
    try:
        with db.unit_of_work() as uow:
            uow.audit("note.saved", "note", "1")
            with pytest.raises(StorageError, match="in use by another program"):
                with other.unit_of_work() as blocked:
                    blocked.audit("note.saved", "note", "2")
        assert other.conn.in_transaction is False
        with other.unit_of_work() as uow2:  # once free, the other writer works
            uow2.audit("note.saved", "note", "3")
        assert other.verify() == []
    finally:
        other.close()


def test_constraint_errors_from_callers_pass_through_unchanged(db: Database) -> None:
    with pytest.raises(sqlcipher3.IntegrityError), db.unit_of_work() as uow:
        uow.conn.execute("INSERT INTO settings VALUES ('k', 'v', 'now')")
        uow.conn.execute("INSERT INTO settings VALUES ('k', 'v', 'now')")
    assert db.conn.in_transaction is False


def test_read_inside_a_unit_of_work_sees_its_rows(db: Database) -> None:
    with db.unit_of_work() as uow:
        uow.conn.execute("INSERT INTO settings VALUES ('inside', 'yes', 'now')")
        with db.read() as conn:
            assert conn.execute("SELECT value FROM settings").fetchone()[0] == "yes"
        assert db.conn.in_transaction  # the read did not end the unit of work
    with db.read() as conn:
        assert conn.execute("SELECT count(*) FROM settings").fetchone()[0] == 1
    assert not db.conn.in_transaction


def test_damage_met_while_reading_is_a_corruption_error(
    db_path: Path, key: bytes, clock: FakeClock
) -> None:
    """A vault that opens (page 1 and the schema are intact) but has a damaged data page: the
    read fails with CorruptionError naming the file, not a raw library error."""
    db = Database.open(db_path, _Key(key), clock=clock, create=True)
    filler = "fictional setting value " * 40
    with db.unit_of_work() as uow:
        uow.conn.executemany(
            "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 'now')",
            ((f"k{i:05d}", filler) for i in range(400)),
        )
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = bytearray(db_path.read_bytes())
    page = 4096
    assert len(data) > 20 * page
    middle = (len(data) // page // 2) * page
    for i in range(middle + 100, middle + 200):
        data[i] ^= 0xFF
    db_path.write_bytes(bytes(data))

    damaged = Database.open(db_path, _Key(key), clock=clock)
    try:
        with pytest.raises(CorruptionError, match=db_path.name), damaged.read() as conn:
            conn.execute("SELECT key, value FROM settings ORDER BY key").fetchall()
        # the connection is still usable for verify, which names the damage
        assert damaged.verify() != []
    finally:
        damaged.close()
