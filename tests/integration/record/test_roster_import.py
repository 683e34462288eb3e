"""Roster import against a real vault: all-or-nothing, re-import updates, dry run writes nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from clinician_desk.domain.students import ParentContact, StudentInput
from clinician_desk.errors import ValidationError
from clinician_desk.services.record.service import RecordService
from clinician_desk.storage import Database

HEAD = "Student_Number^Last_Name^First_Name^DOB^Grade_Level^School_CDS^Home_Language\n"
ROWS = [
    "00017^Testington^Demo^09/01/2011^9^99999990000033^Spanish",
    "00018^Notreal^Fakey^20101231^12^99999990000033^",
]


def _count(db: Database, table: str) -> int:
    with db.read() as conn:
        # Audit entries of creating the vault (migration 0008, actor 'clinician-desk') aside.
        where = " WHERE actor <> 'clinician-desk'" if table == "audit_log" else ""
        return int(conn.execute(f"SELECT count(*) FROM {table}{where}").fetchone()[0])


def test_import_then_reimport_updates_by_district_number(
    record: RecordService, db: Database
) -> None:
    first = record.import_roster((HEAD + "\n".join(ROWS)).encode(), preset="template")
    assert (first.created, first.updated) == (2, 0)
    hits = record.search("testington")
    sid = hits[0].student_id
    assert sid is not None
    # clinical fields set by the clinician survive a re-import
    view = record.student_view(sid)
    data = StudentInput(
        legal_first_name=view.legal_first_name,
        legal_last_name=view.legal_last_name,
        date_of_birth=view.date_of_birth,
        grade=view.grade,
        school_cds=view.school_cds,
        district_student_number=view.district_student_number,
        language=view.language,
    )
    record.update_student(
        sid,
        replace(
            data,
            consent_basis="minor_consent",
            parent_contact=ParentContact(inappropriate_reason="documented (fictional)"),
        ),
    )
    moved = ROWS[0].replace("^9^", "^10^")
    second = record.import_roster((HEAD + moved + "\n" + ROWS[1]).encode())
    assert (second.created, second.updated, second.unchanged) == (0, 1, 1)
    assert _count(db, "students") == 2
    after = record.student_view(sid)
    assert after.grade == "10" and after.consent_basis == "minor_consent"
    assert after.district_student_number == "00017"
    with db.read() as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_log")]
    assert actions.count("roster.imported") == 2 and actions.count("student.created") == 2
    assert db.verify() == []


def test_bad_roster_writes_nothing(record: RecordService, db: Database) -> None:
    bad = HEAD + ROWS[0] + "\n" + "00019^Ipsum^Lorem^02/31/2012^5^99999990000033^\n"
    with pytest.raises(ValidationError) as info:
        record.import_roster(bad.encode())
    assert "line 3: date_of_birth is not a real calendar date" in info.value.message
    assert _count(db, "students") == 0 and _count(db, "schools") == 0
    assert _count(db, "audit_log") == 0
    dup = HEAD + ROWS[0] + "\n" + ROWS[0] + "\n"
    with pytest.raises(ValidationError, match="line 3: district student number repeats"):
        record.import_roster(dup.encode())
    with pytest.raises(ValidationError, match="required column"):
        record.import_roster(b"Student_Number^Last_Name\n1^A\n")
    assert _count(db, "students") == 0


def test_dry_run_reports_and_writes_nothing(record: RecordService, db: Database) -> None:
    result = record.import_roster((HEAD + "\n".join(ROWS)).encode(), dry_run=True)
    assert result.created == 2 and result.dry_run
    assert "would be created" in result.report()
    assert _count(db, "students") == 0 and _count(db, "audit_log") == 0
    bad = record.import_roster((HEAD + "x^^^^^^\n").encode(), dry_run=True)
    assert not bad.parsed.ok and "line 2" in bad.report()


def test_students_birthdates_are_dates(record: RecordService) -> None:
    record.import_roster((HEAD + ROWS[1]).encode())
    sid = record.search("fakey")[0].student_id
    assert sid is not None
    assert record.student_view(sid).date_of_birth == date(2010, 12, 31)
