"""The audit trail: append-only by triggers, hash-chained, tampering detected by verify."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import sqlcipher3
from hypothesis import given, settings
from hypothesis import strategies as st

from clinician_desk.clock import FakeClock
from clinician_desk.storage import Database
from clinician_desk.storage.audit import GENESIS_HASH
from clinician_desk.storage.connection import connect
from clinician_desk.storage.migrations_runner import head_version

# Audit rows of a new vault: the keyed chain's first entry and one schema.migrated entry per
# migration from 0008 on.
CREATED = head_version() - 6


def _write(db: Database, n: int) -> None:
    for i in range(n):
        with db.unit_of_work() as uow:
            uow.audit("note.created", "note", f"N{i}", {"field": "plan", "n": i})


def test_rows_are_chained(db: Database, clock: FakeClock) -> None:
    _write(db, 3)
    rows = db.conn.execute(
        "SELECT id, actor, at, prev_hash, hash, action FROM audit_log"
    ).fetchall()
    # The first rows: migration 0008 keying the chain, each migration recording the schema.
    assert [r["action"] for r in rows[:CREATED]] == ["audit.chain_keyed"] + ["schema.migrated"] * (
        CREATED - 1
    )
    assert [r["id"] for r in rows] == list(range(1, CREATED + 4))
    assert rows[0]["prev_hash"] == GENESIS_HASH
    for before, after in itertools.pairwise(rows):
        assert after["prev_hash"] == before["hash"]
    assert {r["actor"] for r in rows[CREATED:]} == {"clinician"}
    assert rows[CREATED]["at"] == "2026-09-14T15:00:00Z"
    assert db.verify() == []


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"])
def test_triggers_refuse_update_and_delete(db: Database, statement: str) -> None:
    _write(db, 2)
    with pytest.raises(sqlcipher3.IntegrityError, match="append-only"):
        db.conn.execute(statement)


def _tamper(db_path: Path, key: bytes, *statements: str) -> None:
    """Edit the trail around the triggers, as someone holding the key could."""
    conn = connect(db_path, key)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    for statement in statements:
        conn.execute(statement)
    conn.close()


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        (
            ['UPDATE audit_log SET details = \'{"field":"other"}\' WHERE id = 2'],
            "row 2 was altered",
        ),
        (["UPDATE audit_log SET actor = 'someone' WHERE id = 1"], "row 1 was altered"),
        (["DELETE FROM audit_log WHERE id = 2"], "row 2 is missing"),
        ([f"DELETE FROM audit_log WHERE id = {CREATED + 4}"], "removed from the end"),
        (["DELETE FROM meta WHERE key = 'audit_head'"], "chain head is missing"),
    ],
)
def test_tampering_is_reported(
    db: Database, db_path: Path, key: bytes, statements: list[str], expected: str
) -> None:
    _write(db, 4)
    db.close()
    _tamper(db_path, key, *statements)
    reopened = Database.open(db_path, key, clock=FakeClock())
    problems = reopened.verify()
    reopened.close()
    assert any(expected in p for p in problems), problems


def test_rewritten_row_with_recomputed_hash_breaks_the_next_link(
    db: Database, db_path: Path, key: bytes
) -> None:
    _write(db, 3)
    db.close()
    _tamper(db_path, key, "UPDATE audit_log SET hash = printf('%064d', 7) WHERE id = 2")
    reopened = Database.open(db_path, key, clock=FakeClock())
    problems = reopened.verify()
    reopened.close()
    assert any("row 2 was altered" in p for p in problems)
    assert any("row 3 does not link" in p for p in problems)


@settings(max_examples=15, deadline=None)
@given(
    details=st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=12), max_size=4)
)
def test_any_details_round_trip_and_verify(
    tmp_path_factory: pytest.TempPathFactory, details: dict[str, object]
) -> None:
    path = tmp_path_factory.mktemp("h") / "vault.db"
    database = Database.open(path, b"\x07" * 32, clock=FakeClock(), create=True)
    with database.unit_of_work() as uow:
        uow.audit("x.changed", "x", None, details)
    assert database.verify() == []
    database.close()
