"""Two real vaults for the handoff tests and the bench: a sender filled with fictional demo data
plus a critical screening closed with a safety plan, a second critical screening left open with
its safety flag, a completed GAD-2 and signed psychotherapy notes; a recipient that serves the
demo schools and holds no student. Both exchanged their cards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from clinician_desk.clock import FakeClock
from clinician_desk.demo.generator import DISTRICT, SCHOOLS, generate_demo
from clinician_desk.services import notes
from clinician_desk.services.handoff import HandoffService
from clinician_desk.services.screenings.use_cases import AdministrationInput
from clinician_desk.storage.repositories import demo as demo_repo
from tests.support.safety import critical_screening, follow_up
from tests.support.vaultkit import Vault, open_vault

# Tables a package carries, with the columns that hold this vault's ids (compared through the
# provenance map instead of by value).
CARRIED: dict[str, tuple[str, ...]] = {
    "students": ("id",),
    "guardians": ("id", "student_id"),
    "sessions": ("id",),
    "notes": ("id", "session_id", "student_id"),
    "note_addenda": ("id", "note_id"),
    "psychotherapy_notes": ("id", "session_id", "student_id"),
    "safety_plans": ("id", "student_id"),
    "screenings": ("id", "student_id"),
    "screening_results": ("id", "screening_id"),
    "referrals": ("id", "student_id"),
    "referral_status_history": ("id", "referral_id"),
    "mandated_reports": ("id", "student_id"),
}


@dataclass
class Pair:
    sender: Vault
    recipient: Vault
    out: HandoffService
    into: HandoffService
    sender_fp: str
    recipient_fp: str

    def close(self) -> None:
        self.sender.close()
        self.recipient.close()


def add_schools(vault: Vault) -> None:
    with vault.services.db.unit_of_work() as uow:
        demo_repo.insert_schools(uow.conn, ((c, n, DISTRICT) for c, n, _ in SCHOOLS))


def make_pair(folder: Path, *, students: int = 20, sessions: int = 500) -> Pair:
    clock = FakeClock(datetime(2026, 10, 12, 15, 0, tzinfo=UTC))
    sender = open_vault(folder / "sender", clock)
    recipient = open_vault(folder / "recipient", clock)
    generate_demo(sender.services.db, students=students, sessions=sessions, seed=7)
    add_schools(recipient)
    enrich(sender)
    out, into = HandoffService(sender.services.db), HandoffService(recipient.services.db)
    me, them = out.whoami(), into.whoami()
    out.add_contact(them.card)
    into.add_contact(me.card)
    return Pair(sender, recipient, out, into, me.fingerprint, them.fingerprint)


def enrich(vault: Vault) -> None:
    """Screenings, a safety plan linked to a follow-up, an open flag and process notes on the
    first students (demo data has none of these)."""
    services = vault.services
    first, second, third = student_ids(vault)[:3]
    closed = critical_screening(services.screenings, first)
    services.screenings.record_follow_up_with_plan(
        closed,
        follow_up(safety_plan_reason_not=None),
        {"warning_signs": ["Fictional warning sign"]},
    )
    critical_screening(services.screenings, second)  # left open: its safety flag stays open
    services.screenings.record(
        AdministrationInput(third, "GAD-2", date(2026, 10, 6), {"1": 2, "2": 1})
    )
    for sid in (first, second):
        session = first_session(vault, sid)
        with services.db.unit_of_work() as uow:
            notes.save_psychotherapy_note(uow, session, sid, "Fictional process note text.")
            notes.sign_psychotherapy_note(uow, session, sid)


def sign_visit(vault: Vault, student: int, school: str, day: date, minutes: int = 40) -> int:
    """A session written on ``vault`` for ``student`` with its note signed; the note id."""
    from clinician_desk.domain.sessions import SessionInput

    session = SessionInput(
        session_date=day,
        start_minute=600,
        end_minute=600 + minutes,
        service_code="TX-IND",
        tier=2,
        modality="in_person",
        location="school",
        participant_kind="student",
        school_cds=school,
        student_ids=(student,),
    )
    with vault.services.db.unit_of_work() as uow:
        doc = notes.document_session(uow, session, "SOAP")
        (note_id,) = doc.note_ids.values()
        notes.sign_note(uow, note_id, {"subjective": "Fictional visit."})
    return int(note_id)


def student_ids(vault: Vault) -> list[int]:
    with vault.services.db.read() as conn:
        return [int(r[0]) for r in conn.execute("SELECT id FROM students ORDER BY id")]


def first_session(vault: Vault, student_id: int) -> int:
    with vault.services.db.read() as conn:
        return int(
            conn.execute(
                "SELECT min(ss.session_id) FROM session_students ss JOIN notes n"
                " ON n.session_id = ss.session_id AND n.student_id = ss.student_id"
                " WHERE ss.student_id = ? AND n.status = 'signed'",
                (student_id,),
            ).fetchone()[0]
        )


def table_counts(vault: Vault) -> dict[str, int]:
    """Rows per table (and audit entries): what 'nothing was imported' compares."""
    tables = [*CARRIED, "screening_follow_ups", "safety_flags", "handoffs", "audit_log"]
    with vault.services.db.read() as conn:
        return {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables}


def rows_of(vault: Vault, table: str, where: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    with vault.services.db.read() as conn:
        cur = conn.execute(f"SELECT * FROM {table} WHERE {where} ORDER BY id", params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
