"""Roster import progress and cancel against a real vault: a cancel mid-commit adds nothing."""

from __future__ import annotations

import pytest

from clinician_desk.services.record.service import RecordService
from clinician_desk.services.roster import PROGRESS_EVERY, RosterImportCancelled
from clinician_desk.storage import Database

HEAD = "Student_Number^Last_Name^First_Name^DOB^Grade_Level^School_CDS^Home_Language\n"
ROWS = 2 * PROGRESS_EVERY + 37


def _roster(first: int = 0, count: int = ROWS) -> bytes:
    lines = [
        f"{90000 + i:06d}^Fakerow{i}^Pretend^09/01/2011^7^99999990000033^English"
        for i in range(first, first + count)
    ]
    return (HEAD + "\n".join(lines)).encode()


def _count(db: Database, table: str) -> int:
    with db.read() as conn:
        # Audit entries of creating the vault (migration 0008, actor 'clinician-desk') aside.
        where = " WHERE actor <> 'clinician-desk'" if table == "audit_log" else ""
        return int(conn.execute(f"SELECT count(*) FROM {table}{where}").fetchone()[0])


def test_progress_is_reported_every_n_rows_up_to_the_total(record: RecordService) -> None:
    seen: list[tuple[int, int]] = []
    result = record.import_roster(
        _roster(), preset="template", progress=lambda d, t: seen.append((d, t))
    )
    assert result.created == ROWS
    assert seen == [(0, ROWS), (PROGRESS_EVERY, ROWS), (2 * PROGRESS_EVERY, ROWS), (ROWS, ROWS)]
    dry: list[tuple[int, int]] = []
    record.import_roster(_roster(), dry_run=True, progress=lambda d, t: dry.append((d, t)))
    assert dry[-1] == (ROWS, ROWS)


@pytest.mark.parametrize("how", ["return_false", "raise"])
def test_cancel_mid_commit_rolls_back_every_row(
    record: RecordService, db: Database, how: str
) -> None:
    record.import_roster(_roster(count=3))  # an earlier import that must stay as it was
    before = (_count(db, "students"), _count(db, "audit_log"), _count(db, "schools"))

    class Stop(Exception):
        pass

    def progress(done: int, total: int) -> bool:
        if done >= PROGRESS_EVERY:  # rows 0..199 are already written in the transaction
            if how == "raise":
                raise Stop()
            return False
        return True

    expected = RosterImportCancelled if how == "return_false" else Stop
    with pytest.raises(expected) as info:
        record.import_roster(_roster(), progress=progress)
    if how == "return_false":
        assert "Nothing was imported" in info.value.message  # type: ignore[attr-defined]
    assert (_count(db, "students"), _count(db, "audit_log"), _count(db, "schools")) == before
    assert record.search("fakerow250") == []
    assert db.verify() == []
    # the same roster imports cleanly afterwards: the cancel left nothing half-written
    again = record.import_roster(_roster())
    assert (again.created, again.updated, again.unchanged) == (ROWS - 3, 0, 3)
    assert db.verify() == []


def test_cancel_during_dry_run_writes_nothing(record: RecordService, db: Database) -> None:
    with pytest.raises(RosterImportCancelled):
        record.import_roster(_roster(), dry_run=True, progress=lambda d, t: d == 0)
    assert _count(db, "students") == 0 and _count(db, "audit_log") == 0
