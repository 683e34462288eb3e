"""A caseload handed off between two real SQLCipher vaults (20 students, 500 sessions): every
record the package claims is present and byte-identical after import, signed notes keep their
signer, time and hash and still verify, both audit trails record the handoff and check, and
psychotherapy notes travel only when ticked per student."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from clinician_desk.domain.notes import content_hash
from clinician_desk.domain.sessions import SessionInput
from clinician_desk.errors import PermissionRefusedError, StorageError
from clinician_desk.services import notes
from clinician_desk.storage.repositories import handoff as handoff_repo
from tests.support.handoff import CARRIED, Pair, make_pair, rows_of, student_ids


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    p = make_pair(tmp_path_factory.mktemp("handoff"))
    yield p
    p.close()


@pytest.fixture(scope="module")
def handed(pair: Pair) -> dict[str, Any]:
    ids = student_ids(pair.sender)[:12]
    psy_for = ids[:1]  # the first student's process note is ticked, the second's is not
    done = pair.out.export(ids, pair.recipient_fp, psychotherapy_for=psy_for)
    imported = pair.into.import_package(done.data)
    return {"ids": ids, "psy_for": psy_for, "export": done, "import": imported}


def _sender_rows(pair: Pair, ids: list[int], psy_for: list[int]) -> dict[str, list[dict[str, Any]]]:
    q = ",".join(str(i) for i in ids)
    p = ",".join(str(i) for i in psy_for)
    where = {
        "students": (f"id IN ({q})", ()),
        "guardians": (f"student_id IN ({q})", ()),
        "notes": (f"student_id IN ({q}) AND status = 'signed'", ()),
        "psychotherapy_notes": (f"student_id IN ({p}) AND status = 'signed'", ()),
        "sessions": (
            f"id IN (SELECT session_id FROM notes WHERE student_id IN ({q}) AND status = 'signed'"
            f" UNION SELECT session_id FROM psychotherapy_notes WHERE student_id IN ({p}))",
            (),
        ),
        "note_addenda": (
            f"note_id IN (SELECT id FROM notes WHERE student_id IN ({q}) AND status = 'signed')",
            (),
        ),
        "safety_plans": (f"student_id IN ({q})", ()),
        "screenings": (f"student_id IN ({q})", ()),
        "screening_results": (
            f"screening_id IN (SELECT id FROM screenings WHERE student_id IN ({q}))",
            (),
        ),
        "referrals": (f"student_id IN ({q})", ()),
        "referral_status_history": (
            f"referral_id IN (SELECT id FROM referrals WHERE student_id IN ({q}))",
            (),
        ),
        "mandated_reports": (f"student_id IN ({q})", ()),
    }
    return {t: rows_of(pair.sender, t, *where[t]) for t in CARRIED}


def _strip(row: dict[str, Any], table: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in CARRIED[table]}


def test_every_record_arrives_byte_identical(pair: Pair, handed: dict[str, Any]) -> None:
    expected = _sender_rows(pair, handed["ids"], handed["psy_for"])
    assert expected["notes"] and expected["note_addenda"] and expected["screenings"]
    assert expected["screening_results"] and expected["safety_plans"]
    assert expected["referrals"] and expected["psychotherapy_notes"]
    for table in CARRIED:
        got = rows_of(pair.recipient, table, "1", ())
        assert len(got) == len(expected[table]), table
        assert [_strip(r, table) for r in got] == [_strip(r, table) for r in expected[table]], table
    assert handed["import"].counts == handed["export"].counts
    # Every foreign key points at the matching row (rows arrive in the sender's order).
    s_map = dict(
        zip(
            [r["id"] for r in expected["students"]],
            [r["id"] for r in rows_of(pair.recipient, "students", "1", ())],
            strict=True,
        )
    )
    got_notes = rows_of(pair.recipient, "notes", "1", ())
    assert [s_map[r["student_id"]] for r in expected["notes"]] == [
        r["student_id"] for r in got_notes
    ]
    # Follow-ups keep their plan; the open safety flag of the open critical screening arrives.
    with pair.recipient.services.db.read() as conn:
        linked = conn.execute(
            "SELECT count(*) FROM screening_follow_ups f JOIN safety_plans p"
            " ON p.id = f.safety_plan_id JOIN screenings s ON s.id = f.screening_id"
            " WHERE p.student_id = s.student_id"
        ).fetchone()[0]
        flags = conn.execute(
            "SELECT count(*) FROM safety_flags f JOIN screenings s"
            " ON s.id = CAST(f.source_ref AS INTEGER) AND s.student_id = f.student_id"
            " WHERE f.closed_at IS NULL AND f.source = 'screening'"
        ).fetchone()[0]
    assert linked == 1 and flags == 1


def test_signed_notes_keep_signer_time_hash_and_verify(pair: Pair, handed: dict[str, Any]) -> None:
    for note in rows_of(pair.recipient, "notes", "1", ()):
        sections = json.loads(note["sections"])
        assert content_hash(sections, note["signed_by"], note["signed_at"]) == note["content_hash"]
    assert pair.recipient.services.db.verify() == []
    assert pair.sender.services.db.verify() == []
    # An addendum's hash covers its note's id in the vault that signed it; it still verifies.
    addenda = rows_of(pair.recipient, "note_addenda", "1", ())
    assert addenda
    with pair.recipient.services.db.read() as conn:
        for a in addenda:
            origin = conn.execute(
                "SELECT origin_ref FROM handoff_records WHERE kind = 'addendum' AND row_id = ?",
                (a["id"],),
            ).fetchone()[0]
            body = {"addendum": a["body"], "note": origin}
            assert content_hash(body, a["signed_by"], a["signed_at"]) == a["content_hash"]


def test_an_imported_signed_note_stays_locked(pair: Pair, handed: dict[str, Any]) -> None:
    # The immutability triggers protect imported notes exactly like local ones.
    # (The refusal surfaces as "in use by another program": the trigger's message contains
    # "locked", which the unit of work reads as a busy database; see the report.)
    note = rows_of(pair.recipient, "notes", "1", ())[0]
    with pytest.raises(StorageError):
        with pair.recipient.services.db.unit_of_work() as uow:
            uow.conn.execute("UPDATE notes SET sections = '{}' WHERE id = ?", (note["id"],))
    assert rows_of(pair.recipient, "notes", "id = ?", (note["id"],)) == [note]


def test_psychotherapy_notes_travel_only_when_ticked(pair: Pair, handed: dict[str, Any]) -> None:
    got = rows_of(pair.recipient, "psychotherapy_notes", "1", ())
    ids = handed["ids"]
    with pair.sender.services.db.read() as conn:
        second_has = conn.execute(
            "SELECT count(*) FROM psychotherapy_notes WHERE student_id = ? AND status = 'signed'",
            (ids[1],),
        ).fetchone()[0]
    assert second_has == 1  # the second student has one, not ticked
    assert len(got) == 1
    with pair.recipient.services.db.read() as conn:
        first_here = conn.execute(
            "SELECT student_id FROM handoff_students h JOIN handoffs d ON d.id = h.handoff_id"
            " WHERE d.direction = 'received' ORDER BY student_id LIMIT 1"
        ).fetchone()[0]
    assert got[0]["student_id"] == first_here


def test_provenance_and_both_audit_trails(pair: Pair, handed: dict[str, Any]) -> None:
    digest = handed["export"].package_hash
    with pair.recipient.services.db.read() as conn:
        student = rows_of(pair.recipient, "students", "1", ())[0]["id"]
        assert handoff_repo.provenance(conn, "student", student) is not None
        name, fp, day = handoff_repo.provenance(conn, "student", student)  # type: ignore[misc]
        assert fp == pair.sender_fp and name and len(day) == 10
        got = json.loads(
            conn.execute(
                "SELECT details FROM audit_log WHERE action = 'handoff.imported'"
            ).fetchone()[0]
        )
        unprovenanced = conn.execute(
            "SELECT count(*) FROM notes n WHERE NOT EXISTS (SELECT 1 FROM handoff_records r"
            " WHERE r.kind = 'note' AND r.row_id = n.id)"
        ).fetchone()[0]
    assert unprovenanced == 0
    assert got["package_hash"] == digest and got["from_fingerprint"] == pair.sender_fp
    assert len(got["students"]) == len(handed["ids"])
    with pair.sender.services.db.read() as conn:
        sent = json.loads(
            conn.execute(
                "SELECT details FROM audit_log WHERE action = 'handoff.exported'"
            ).fetchone()[0]
        )
        all_details = " ".join(str(r[0]) for r in conn.execute("SELECT details FROM audit_log"))
        names = [r[0] for r in conn.execute("SELECT legal_last_name FROM students")]
    assert sent["students"] == handed["ids"] and sent["package_hash"] == digest
    assert sent["to_fingerprint"] == pair.recipient_fp
    assert not any(n in all_details for n in names)  # the trail never holds student content


def test_confirm_makes_the_senders_record_read_only(pair: Pair, handed: dict[str, Any]) -> None:
    ids = handed["ids"]
    moved = pair.out.confirm(handed["export"].package_hash)
    assert moved == ids
    assert pair.out.confirm(handed["export"].package_hash) == []  # idempotent
    with pair.sender.services.db.read() as conn:
        states = conn.execute(
            "SELECT active, service_ended_on FROM students"
            f" WHERE id IN ({','.join('?' * len(ids))})",
            ids,
        ).fetchall()
        confirmed = conn.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'handoff.confirmed'"
        ).fetchone()[0]
    assert all(a == 0 and ended for a, ended in states) and confirmed == 1
    session = SessionInput(
        session_date=date(2026, 9, 1),
        start_minute=600,
        end_minute=645,
        service_code="TX-IND",
        tier=2,
        modality="in_person",
        location="school",
        participant_kind="student",
        school_cds=rows_of(pair.sender, "students", "id = ?", (ids[0],))[0]["school_cds"],
        student_ids=(ids[0],),
    )
    with pytest.raises(PermissionRefusedError, match="handed off"):
        with pair.sender.services.db.unit_of_work() as uow:
            notes.document_session(uow, session, "SOAP")
    with pytest.raises(PermissionRefusedError, match="handed off"):
        with pair.sender.services.db.unit_of_work() as uow:
            uow.conn.execute("UPDATE students SET grade = '5' WHERE id = ?", (ids[0],))
    # A student not in the package is untouched and still writable.
    other = student_ids(pair.sender)[-1]
    session_other = SessionInput(
        **{
            **session.__dict__,
            "student_ids": (other,),
            "school_cds": rows_of(pair.sender, "students", "id = ?", (other,))[0]["school_cds"],
        }
    )
    with pair.sender.services.db.unit_of_work() as uow:
        notes.document_session(uow, session_other, "SOAP")
    assert pair.sender.services.db.verify() == []
    # Handing the same student off again is refused.
    with pytest.raises(Exception, match="already handed off"):
        pair.out.export(ids[:1], pair.recipient_fp)


def test_received_records_are_found_by_search(pair: Pair, handed: dict[str, Any]) -> None:
    with pair.recipient.services.db.read() as conn:
        kinds = {
            str(r[0]) for r in conn.execute("SELECT DISTINCT kind FROM record_search").fetchall()
        }
    assert {"student", "note", "addendum"} <= kinds
