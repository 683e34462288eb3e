"""The student page reads its session list from covering indexes (migration 0007) and still
shows exactly what the sessions and notes tables hold, also after sessions are corrected."""

from __future__ import annotations

from datetime import date

from clinician_desk.demo.generator import generate_demo
from clinician_desk.services.record.service import RecordService
from clinician_desk.services.students import RECENT_SESSIONS
from clinician_desk.storage import Database
from clinician_desk.storage.repositories.notes import RECENT_SESSIONS_SQL
from tests.integration.record.conftest import session, student

# The page's session list as it was read before 0007: through the sessions and notes tables.
THROUGH_TABLES = (
    "SELECT s.id, n.id, s.session_date, s.service_code, s.tier,"
    " s.end_minute - s.start_minute, s.participant_kind, n.status,"
    " (SELECT count(*) FROM note_addenda a WHERE a.note_id = n.id)"
    " FROM session_students ss JOIN sessions s ON s.id = ss.session_id"
    " LEFT JOIN notes n ON n.session_id = s.id AND n.student_id = ss.student_id"
    " WHERE ss.student_id = ? ORDER BY s.session_date DESC, s.id DESC LIMIT ?"
)


def _through_tables(db: Database, student_id: int) -> list[tuple[object, ...]]:
    with db.read() as c:
        return [tuple(r) for r in c.execute(THROUGH_TABLES, (student_id, RECENT_SESSIONS))]


def _page_rows(record: RecordService, student_id: int) -> list[tuple[object, ...]]:
    return [
        (
            s.session_id,
            s.note_id,
            s.session_date.isoformat(),
            s.service_code,
            s.tier,
            s.minutes,
            s.participant_kind,
            s.note_status,
            s.addenda,
        )
        for s in record.student_page(student_id).sessions
    ]


def test_page_sessions_equal_the_tables_for_every_demo_student(
    db: Database, record: RecordService
) -> None:
    generate_demo(db, students=12, sessions=1500, seed=8)  # > 100 sessions for most students
    with db.read() as c:
        ids = [int(r[0]) for r in c.execute("SELECT id FROM students")]
        addenda = c.execute("SELECT count(*) FROM note_addenda").fetchone()[0]
    assert addenda > 0
    for sid in ids:
        expected = _through_tables(db, sid)
        assert _page_rows(record, sid) == expected
    assert any(len(_through_tables(db, sid)) == RECENT_SESSIONS for sid in ids)


def test_page_follows_a_corrected_session(record: RecordService, db: Database) -> None:
    a, b = record.create_student(student(1)), record.create_student(student(2))
    doc = record.document_session(
        session((a, b), participant_kind="group", group_size=2, service_code="TX-GRP", tier=3)
    )
    record.update_session(
        doc.session_id,
        session(
            (a, b),
            participant_kind="group",
            group_size=2,
            service_code="PSY-EDU-GRP",
            tier=2,
            session_date=date(2026, 10, 2),
            end_minute=660,
        ),
    )
    record.sign_note(doc.note_ids[a], {"plan": "Fictional group note."})
    for sid in (a, b):
        (row,) = _page_rows(record, sid)
        assert row == _through_tables(db, sid)[0]
        assert row[2:7] == ("2026-10-02", "PSY-EDU-GRP", 2, 60, "group")
    assert _page_rows(record, a)[0][7] == "signed" and _page_rows(record, b)[0][7] == "draft"


def test_page_session_list_is_read_from_indexes_only(db: Database) -> None:
    with db.read() as c:
        plan = [str(r[3]) for r in c.execute("EXPLAIN QUERY PLAN " + RECENT_SESSIONS_SQL, (1, 5))]
    assert any("COVERING INDEX session_students_student" in p for p in plan), plan
    assert any("COVERING INDEX notes_student" in p for p in plan), plan
    assert not any(p.startswith("SCAN") or "TEMP B-TREE" in p for p in plan), plan
    assert not any("sessions" in p.split(" USING")[0] for p in plan), plan
