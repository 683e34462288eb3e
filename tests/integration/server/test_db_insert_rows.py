"""``Tx.insert_rows``: the cube's bulk insert (COPY on PostgreSQL), on both engines."""

from __future__ import annotations

import pytest

from county_server.db import Database


def test_insert_rows_round_trips_every_value(db: Database) -> None:
    rows = [
        ("students_served", "school", "FIC-001", "month", "2025-07", "service", "ÑAndú", 7),
        ("students_served", "district", "FIC", "fy", "FY2025-26", "all", "", None),
        ("contacts", "county", "tab\there", "quarter", "2025-Q3", "tier", "back\\slash", 0),
    ]
    columns = ("measure", "org_level", "org", "time_level", "period", "cat_level", "cat", "value")
    with db.transaction() as tx:
        tx.execute("DELETE FROM publication_cells")
        tx.insert_rows("publication_cells", columns, rows)
        tx.insert_rows("publication_cells", columns, [])
    with db.read() as tx:
        stored = tx.all(f"SELECT {', '.join(columns)} FROM publication_cells ORDER BY org")
    assert sorted(stored) == sorted(rows)


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        ("publication_cells; DROP TABLE devices", ("value",)),
        ("publication_cells", ("value) FROM STDIN; --",)),
        ("publication_cells", ()),
        ("Publication_Cells", ("value",)),
    ],
)
def test_insert_rows_refuses_names_that_are_not_plain(
    db: Database, table: str, columns: tuple[str, ...]
) -> None:
    with db.transaction() as tx, pytest.raises(ValueError, match="plain table or column"):
        tx.insert_rows(table, columns, [(1,)])
    with db.read() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM devices") is not None
