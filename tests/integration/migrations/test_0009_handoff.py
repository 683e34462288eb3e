"""Migration 0009 (caseload handoff): the v0008 fixture upgrades with its data intact and
verifies; a handed-off student's record refuses new work (by trigger, whatever the caller)
but a retention destruction can still empty it; provenance is kept as written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlcipher3

from clinician_desk.clock import FakeClock
from clinician_desk.storage import Database
from clinician_desk.storage.connection import connect
from tests.fixtures.vaults.generate import FIXTURE_KEY, fixture_path

NOW = "2026-09-14T15:00:00Z"


def _v8(tmp_path: Path) -> Path:
    live = tmp_path / "vault.db"
    shutil.copyfile(fixture_path(8), live)
    return live


def test_the_v8_fixture_upgrades_and_verifies(tmp_path: Path) -> None:
    live = _v8(tmp_path)
    conn = connect(live, FIXTURE_KEY)
    before = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    conn.close()
    db = Database.open(live, FIXTURE_KEY, clock=FakeClock())
    try:
        assert db.schema_version >= 9
        assert db.verify() == []
        tables = {
            r[0] for r in db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        assert {
            "handoff_identity",
            "handoff_contacts",
            "handoffs",
            "handoff_students",
            "handoff_records",
            "handoff_transfers",
        } <= tables
        assert db.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] > before
    finally:
        db.close()


def _transferred_student(db: Database) -> int:
    with db.unit_of_work() as uow:
        c = uow.conn
        c.execute(
            "INSERT INTO schools VALUES ('99999990000011', 'Fictional Oak', '99999990000000')"
        )
        sid = c.execute(
            "INSERT INTO students (legal_first_name, legal_last_name, date_of_birth, grade,"
            " school_cds, district_cds, created_at, updated_at) VALUES ('Testy', 'McFakeface',"
            " '2012-01-01', '5', '99999990000011', '99999990000000', ?, ?)",
            (NOW, NOW),
        ).lastrowid
        hid = c.execute(
            "INSERT INTO handoffs (direction, package_id, package_hash, peer_name,"
            " peer_fingerprint, made_at, recorded_at, student_count)"
            " VALUES ('sent', 'p1', ?, 'Colleague', 'fp', ?, ?, 1)",
            ("0" * 64, NOW, NOW),
        ).lastrowid
        c.execute(
            "UPDATE students SET active = 0, service_ended_on = '2010-01-01' WHERE id = ?", (sid,)
        )
        c.execute("INSERT INTO handoff_transfers VALUES (?, ?, '2010-01-01')", (sid, hid))
    return int(sid)


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO guardians (student_id, position, name) VALUES ({sid}, 0, 'Fictional')",
        "INSERT INTO safety_plans (student_id, created_on, created_by, steps, created_at)"
        " VALUES ({sid}, '2026-09-14', 'x', '{{}}', 'now')",
        "INSERT INTO referrals (student_id, destination, referral_date, reason, status,"
        " status_changed_on, school_cds, created_at, updated_at) VALUES ({sid}, 'school_team',"
        " '2026-09-14', 'x', 'sent', '2026-09-14', '99999990000011', 'now', 'now')",
        "INSERT INTO mandated_reports (student_id, phone_report_at, agency, follow_up_due_at,"
        " status, school_cds, created_at, updated_at) VALUES ({sid}, 'now', 'CPS', 'later',"
        " 'follow_up_pending', '99999990000011', 'now', 'now')",
        "UPDATE students SET grade = '6' WHERE id = {sid}",
    ],
)
def test_a_handed_off_student_is_read_only(tmp_path: Path, statement: str) -> None:
    db = Database.open(tmp_path / "v.db", FIXTURE_KEY, clock=FakeClock(), create=True)
    try:
        sid = _transferred_student(db)
        with pytest.raises(Exception, match="handed off"):
            with db.unit_of_work() as uow:
                uow.conn.execute(statement.format(sid=sid))
    finally:
        db.close()


def test_retention_can_still_empty_a_handed_off_record(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "v.db", FIXTURE_KEY, clock=FakeClock(), create=True)
    try:
        sid = _transferred_student(db)
        with db.unit_of_work() as uow:
            uow.conn.execute(
                "INSERT INTO retention_destructions (student_id, retain_until, destroyed_on,"
                " started_at, destroyed_by) VALUES (?, '2017-01-02', '2026-09-14', ?, 'x')",
                (sid, NOW),
            )
            uow.conn.execute("UPDATE students SET legal_first_name = '-' WHERE id = ?", (sid,))
            uow.conn.execute(
                "UPDATE retention_destructions SET completed_at = ? WHERE student_id = ?",
                (NOW, sid),
            )
    finally:
        db.close()


def test_provenance_cannot_be_rewritten(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "v.db", FIXTURE_KEY, clock=FakeClock(), create=True)
    try:
        _transferred_student(db)
        with db.unit_of_work() as uow:
            uow.conn.execute("INSERT INTO handoff_records VALUES ('student', 1, 1, NULL)")
        with pytest.raises(sqlcipher3.DatabaseError, match="kept as is"):
            with db.unit_of_work() as uow:
                uow.conn.execute("UPDATE handoff_records SET origin_ref = '9'")
    finally:
        db.close()
