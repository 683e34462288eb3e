"""The county server's migrations: they apply once, in order, and a newer database is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from county_server.db import Database, load_migrations, split_statements
from county_server.errors import DatabaseError


def test_migrations_apply_once_and_are_recorded(tmp_path: Path) -> None:
    db = Database.open(str(tmp_path / "m.sqlite3"))
    assert db.schema_version() == len(load_migrations())
    assert db.migrate() == 0
    with db.read() as tx:
        tables = {r[0] for r in tx.all("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"cells", "snapshots", "snapshot_history", "devices", "users", "audit_log"} <= tables
    db.close()


def test_newer_database_is_refused(tmp_path: Path) -> None:
    db = Database.open(str(tmp_path / "m.sqlite3"))
    with db.transaction() as tx:
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) "
            "VALUES (99, '0099_future.sql', 'x')"
        )
    db.close()
    with pytest.raises(DatabaseError, match="newer"):
        Database.open(str(tmp_path / "m.sqlite3"))


def test_not_a_database(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DatabaseError):
        Database.open(str(junk))
    with pytest.raises(DatabaseError):
        Database.open(str(tmp_path / "no" / "such" / "dir.sqlite3"))


def test_statement_splitter() -> None:
    assert split_statements("-- c\nCREATE TABLE a (x INT);\n\nCREATE INDEX i ON a (x);\n") == [
        "CREATE TABLE a (x INT)",
        "CREATE INDEX i ON a (x)",
    ]


def test_postgres_connection_loss_recovers() -> None:
    import os

    url = os.environ.get("COUNTY_TEST_PG_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI is set but COUNTY_TEST_PG_URL is not")
        pytest.skip("COUNTY_TEST_PG_URL not set")
    db = Database.open(url, pool_size=1)
    with db.read() as tx:
        pid = tx.scalar("SELECT pg_backend_pid()")
    killer = Database.open(url, migrate=False, pool_size=1)
    with killer.read() as tx:
        tx.scalar("SELECT pg_terminate_backend(?)", (pid,))
    killer.close()
    with pytest.raises(Exception):  # noqa: B017 - psycopg's OperationalError; the server maps it to 503
        with db.read() as tx:
            tx.scalar("SELECT 1")
    with db.read() as tx:
        assert tx.scalar("SELECT 1") == 1
    db.close()


def test_a_version_1_database_upgrades_with_its_devices_counting(tmp_path: Path) -> None:
    """Issue 18's migration on a database that already holds devices and counts: every device
    keeps counting, without a label, and the counts stay in ``cells``."""
    import sqlite3

    path = tmp_path / "v1.sqlite3"
    first = load_migrations()[0]
    conn = sqlite3.connect(path)
    sql = first.sql.replace("{{AUTOID}}", "INTEGER PRIMARY KEY AUTOINCREMENT")
    for stmt in split_statements(sql):
        conn.execute(stmt)
    conn.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at TEXT NOT NULL)"
    )
    conn.execute("INSERT INTO schema_migrations VALUES (1, ?, 'x')", (first.name,))
    conn.execute(
        "INSERT INTO devices (device_id, public_key, org_units, app_version, enrolled_at) "
        "VALUES ('dev_oldone1', 'k', '[\"99100006000001\"]', '0.1.0', '2025-01-01T00:00:00Z')"
    )
    conn.execute(
        "INSERT INTO cells VALUES ('dev_oldone1', '99100006000001', '99100000000000', "
        "'2025-01', 'services', 'TX-IND', 2, '', '', 7)"
    )
    conn.commit()
    conn.close()
    db = Database.open(str(path))
    with db.read() as tx:
        assert tx.one("SELECT label, counting, replaced_by FROM devices") == ("", 1, None)
        assert tx.scalar("SELECT SUM(value) FROM cells") == 7
    db.close()
