"""Destroying an eligible student's record: all content gone (from the tables, the search index
and the file's pages), one audit entry without content, counts unchanged, ``verify`` clean.

A real SQLCipher demo vault (fictional students) plus a canary written into an addendum and a
signed psychotherapy note of the student to destroy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.demo.generator import generate_demo
from clinician_desk.demo.screenings import demo_screenings
from clinician_desk.errors import NotFoundError, PermissionRefusedError
from clinician_desk.services.record.service import RecordService
from clinician_desk.services.retention import RetentionService
from clinician_desk.services.sync_facts import cells_for_period
from clinician_desk.storage import Database

from .pages import file_contains

KEY = b"\x42" * 32
CANARY = "QuokkaCanary4417"


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[tuple[Database, int]]:
    clock = FakeClock()
    db = Database.open(tmp_path / "vault.db", KEY, clock=clock, create=True)
    generate_demo(db, students=8, sessions=400, seed=11, extra=[demo_screenings()])
    with db.read() as conn:
        sid, session_id, note_id = conn.execute(
            "SELECT n.student_id, n.session_id, n.id FROM notes n"
            " WHERE n.status = 'signed' AND n.student_id IS NOT NULL"
            " GROUP BY n.student_id ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
    record = RecordService(db)
    record.add_addendum(note_id, f"Fictional addendum {CANARY} for the destruction test.")
    record.save_psychotherapy_note(session_id, sid, f"Fictional process note {CANARY}.")
    record.sign_psychotherapy_note(session_id, sid)
    record.save_form_draft(f"session-form:{sid}", {"location": CANARY})
    record.save_form_draft(f"referral:{sid}", {"reason": CANARY})
    record.save_form_draft(f"referral-status:{sid}:7", {"note": CANARY})
    record.save_form_draft(f"referral-status:{sid + 1}:{sid}", {"note": "another student"})
    record.end_services(sid, date(2026, 9, 14))
    db.checkpoint()
    yield db, int(sid)
    db.close()


def _periods(db: Database) -> list[str]:
    with db.read() as conn:
        rows = conn.execute(
            "SELECT substr(session_date, 1, 7) FROM sessions UNION"
            " SELECT substr(administered_on, 1, 7) FROM screenings UNION"
            " SELECT substr(referral_date, 1, 7) FROM referrals UNION"
            " SELECT substr(changed_on, 1, 7) FROM referral_status_history"
        ).fetchall()
    return sorted(str(r[0]) for r in rows)


def _counts(db: Database) -> dict[str, list[object]]:
    with db.read() as conn:
        return {p: sorted(map(repr, cells_for_period(conn, p))) for p in _periods(db)}


def _content_rows(db: Database, sid: int) -> dict[str, int]:
    queries = {
        "addenda": "SELECT count(*) FROM note_addenda a JOIN notes n ON n.id = a.note_id"
        " WHERE n.student_id = ?",
        "note text": "SELECT count(*) FROM notes WHERE student_id = ? AND sections <> '{}'",
        "psychotherapy": "SELECT count(*) FROM psychotherapy_notes WHERE student_id = ?",
        "answers": "SELECT count(*) FROM screenings WHERE student_id = ? AND responses <> '{}'",
        "plans": "SELECT count(*) FROM safety_plans WHERE student_id = ?",
        "reports": "SELECT count(*) FROM mandated_reports WHERE student_id = ?",
        "guardians": "SELECT count(*) FROM guardians WHERE student_id = ?",
        "search": "SELECT count(*) FROM record_search WHERE student_id = ?",
        "reasons": "SELECT count(*) FROM referrals WHERE student_id = ? AND reason <> ''",
    }
    with db.read() as conn:
        return {k: int(conn.execute(q, (sid,)).fetchone()[0]) for k, q in queries.items()}


def test_a_record_is_destroyed_only_when_eligible_and_then_completely(
    vault: tuple[Database, int],
) -> None:
    db, sid = vault
    service = RetentionService(db)
    status = service.status(sid)
    assert not status.eligible and sid not in [s.student_id for s in service.eligible()]
    with pytest.raises(PermissionRefusedError, match=status.retain_until.isoformat()):
        service.destroy(sid)
    with pytest.raises(NotFoundError):
        service.destroy(999_999)

    assert RecordService(db).search(CANARY, include_psychotherapy=True)  # indexed before
    before = _content_rows(db, sid)
    assert before["addenda"] and before["note text"] and before["psychotherapy"]
    assert file_contains(db.path, KEY, CANARY.encode()), "the page check must see the canary"
    assert file_contains(db.path, KEY, CANARY.lower().encode()), "and the index's tokens"
    counts = _counts(db)
    with db.read() as conn:
        dirty = conn.execute("SELECT * FROM count_dirty ORDER BY 1, 2").fetchall()

    assert isinstance(db.clock, FakeClock)
    db.clock.set(datetime(2060, 1, 5, 12, 0, tzinfo=UTC))
    assert sid in [s.student_id for s in service.eligible()]
    report = service.destroy(sid)

    assert report.removed["addenda"] >= 1 and report.removed["psychotherapy_notes"] == 1
    assert report.removed["signed_notes_emptied"] == before["note text"]
    assert set(_content_rows(db, sid).values()) == {0}
    assert RecordService(db).search(CANARY, include_psychotherapy=True) == []
    with db.read() as conn:
        name = conn.execute(
            "SELECT legal_first_name, legal_last_name, date_of_birth, ssid, active"
            " FROM students WHERE id = ?",
            (sid,),
        ).fetchone()
        last = conn.execute(
            "SELECT action, entity_id, details FROM audit_log ORDER BY id DESC LIMIT 1"
        ).fetchone()
        drafts = [str(r[0]) for r in conn.execute("SELECT key FROM form_drafts")]
        assert conn.execute("SELECT * FROM count_dirty ORDER BY 1, 2").fetchall() == dirty
    assert tuple(name) == ("Destroyed", "record", "1900-01-01", None, 0)
    assert drafts == [f"referral-status:{sid + 1}:{sid}"]  # another student's draft stays
    assert report.removed["form_drafts"] == 3
    assert last[0] == "student.record_destroyed" and last[1] == str(sid)
    details = json.loads(last[2])
    assert details["removed"] == report.removed and CANARY not in last[2]

    assert _counts(db) == counts, "the county's historical counts must not shrink"
    assert db.verify() == []
    for needle in (CANARY, CANARY.lower()):  # the text, and the search index's tokens
        assert not file_contains(db.path, KEY, needle.encode()), "freed pages hold the text"
    assert Path(f"{db.path}-wal").stat().st_size == 0

    with pytest.raises(PermissionRefusedError, match="already destroyed"):
        service.destroy(sid)
    with pytest.raises(PermissionRefusedError, match="record was destroyed"):  # the backstop
        RecordService(db).save_safety_plan(sid, {"warning_signs": ["fictional"]})
    with pytest.raises(PermissionRefusedError, match="record was destroyed"):
        RecordService(db).end_services(sid, None)
    assert sid not in [s.student_id for s in service.eligible()]
    assert service.status(sid).destroyed_on == date(2060, 1, 5)


def test_a_student_whose_services_continue_is_never_eligible(vault: tuple[Database, int]) -> None:
    db, sid = vault
    RecordService(db).end_services(sid, None)
    assert isinstance(db.clock, FakeClock)
    db.clock.set(datetime(2090, 1, 1, tzinfo=UTC))
    with pytest.raises(PermissionRefusedError, match="services have not ended"):
        RetentionService(db).destroy(sid)
    assert _content_rows(db, sid)["psychotherapy"] == 1  # nothing changed
