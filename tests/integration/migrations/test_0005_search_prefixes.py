"""Migration 0005 (clinical record): the search index rebuilt with 2-8 character prefixes."""

from __future__ import annotations

from pathlib import Path

from clinician_desk.storage import migrations_runner
from clinician_desk.storage.connection import connect

KEY = b"\x55" * 32


def test_0005_keeps_rows_and_adds_prefix_indexes(tmp_path: Path) -> None:
    conn = connect(tmp_path / "m5.db", KEY)
    migrations = migrations_runner.available_migrations()
    for m in migrations[:4]:
        migrations_runner.apply(conn, m)
    conn.execute(
        "INSERT INTO record_search (rowid, body, kind, student_id)"
        " VALUES (9, 'fictional thermometer practice', 'note', 2)"
    )
    migrations_runner.apply(conn, migrations[4])
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 5
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'record_search'").fetchone()[0]
    assert "prefix = '2 3 4 5 6 7 8'" in sql
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "record_search_v5" not in names and "record_search_content" in names
    rows = conn.execute(
        "SELECT rowid, kind, student_id FROM record_search WHERE record_search MATCH 'thermome*'"
    ).fetchall()
    assert [tuple(r) for r in rows] == [(9, "note", 2)]
    conn.close()
