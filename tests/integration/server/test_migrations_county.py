"""The county server's migrations: they apply once, in order, and a newer database is refused."""

from __future__ import annotations

import sqlite3
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


def test_statement_splitter_respects_quotes_bodies_and_trigger_blocks() -> None:
    sql = (
        "CREATE TABLE t (note TEXT DEFAULT 'a;\nb', \"odd;\nname\" INT); -- trailing; comment\n"
        "/* a block; comment */\n"
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $fn$\nBEGIN\n"
        "  RAISE EXCEPTION 'x %;', 1;\n  RETURN NEW;\nEND;\n$fn$;\n"
        "CREATE TRIGGER g BEFORE INSERT ON t WHEN NEW.x < 0\nBEGIN\n"
        "  SELECT CASE WHEN 1 THEN RAISE(ABORT, 'no;') END;\nEND;\n"
        "SELECT 'it''s; fine'"
    )
    statements = split_statements(sql)
    assert len(statements) == 4, statements
    assert statements[0].startswith("CREATE TABLE t") and "'a;\nb'" in statements[0]
    assert statements[1].endswith("END;\n$fn$")
    assert statements[2].startswith("CREATE TRIGGER g") and statements[2].endswith("END")
    assert statements[3] == "SELECT 'it''s; fine'"


@pytest.mark.parametrize(
    "bad", ["SELECT 'open;\n", "SELECT $$ open;\n", "/* open;\n", 'SELECT "x;']
)
def test_statement_splitter_names_an_unterminated_quote(bad: str) -> None:
    with pytest.raises(DatabaseError, match="unterminated"):
        split_statements(bad)


def _with_extra_migration(tmp_path: Path, sql: str) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir()
    for mig in load_migrations():
        (folder / mig.name).write_text(mig.sql, encoding="utf-8")
    (folder / f"{len(load_migrations()) + 1:04d}_probe.sql").write_text(sql, encoding="utf-8")
    return folder


SQLITE_PROBE = """-- an SQLite trigger body: its inner ; ends no statement
CREATE TABLE probe (n INTEGER NOT NULL, note TEXT NOT NULL DEFAULT 'first;
second');
CREATE TRIGGER probe_check BEFORE INSERT ON probe WHEN NEW.n < 0
BEGIN
    SELECT RAISE(ABORT, 'negative value; refused');
END;
"""

POSTGRES_PROBE = """-- a PL/pgSQL body: every ; and % in it must reach PostgreSQL whole
CREATE FUNCTION probe_refuse_negative() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.n < 0 THEN
        RAISE EXCEPTION 'negative value %; refused', NEW.n;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TABLE probe (n INTEGER NOT NULL);
CREATE TRIGGER probe_check BEFORE INSERT ON probe
    FOR EACH ROW EXECUTE FUNCTION probe_refuse_negative();
"""


def test_sqlite_migration_with_a_trigger_body(tmp_path: Path) -> None:
    folder = _with_extra_migration(tmp_path, SQLITE_PROBE)
    db = Database.open(str(tmp_path / "m.sqlite3"), migrate=False)
    assert db.migrate(folder) == len(load_migrations()) + 1
    with db.transaction() as tx:
        tx.execute("INSERT INTO probe (n) VALUES (1)")
        assert tx.scalar("SELECT note FROM probe") == "first;\nsecond"
    with pytest.raises(sqlite3.IntegrityError, match="negative value; refused"):
        with db.transaction() as tx:
            tx.execute("INSERT INTO probe (n) VALUES (-1)")
    db.close()


@pytest.mark.postgres
def test_postgres_migration_with_a_dollar_quoted_plpgsql_body(tmp_path: Path) -> None:
    import os

    import psycopg

    url = os.environ.get("COUNTY_TEST_PG_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI is set but COUNTY_TEST_PG_URL is not")
        pytest.skip("COUNTY_TEST_PG_URL not set")
    schema = f"migration_probe_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in url else "?"
    db = Database.open(f"{url}{sep}options=-csearch_path%3D{schema}", migrate=False, pool_size=1)
    try:
        folder = _with_extra_migration(tmp_path, POSTGRES_PROBE)
        assert db.migrate(folder) == len(load_migrations()) + 1
        with db.transaction() as tx:
            tx.execute("INSERT INTO probe (n) VALUES (?)", (1,))
        with pytest.raises(psycopg.errors.RaiseException, match="negative value -1; refused"):
            with db.transaction() as tx:
                tx.execute("INSERT INTO probe (n) VALUES (?)", (-1,))
        assert db.migrate(folder) == 0
    finally:
        db.close()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


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
