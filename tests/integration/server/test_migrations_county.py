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
