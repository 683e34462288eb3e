"""The services publish the typed events they cause, once their transaction has committed.

Real SQLCipher vault, real services sharing one ``EventBus`` as ``bootstrap`` wires them. A
refused change publishes nothing, and a handler already sees the committed change.
"""

from __future__ import annotations

from datetime import date

import pytest

from clinician_desk.domain.referrals import ReferralInput
from clinician_desk.errors import PermissionRefusedError
from clinician_desk.events import (
    Event,
    EventBus,
    NoteSigned,
    ReferralChanged,
    RosterImported,
    ScreeningCompleted,
)
from clinician_desk.services.record.service import RecordService
from clinician_desk.services.screenings.service import ScreeningsService
from clinician_desk.services.screenings.use_cases import AdministrationInput
from clinician_desk.storage import Database
from tests.integration.record.conftest import session, student
from tests.support.roster_wizard import HEAD
from tests.support.safety import PHQA_ITEM9


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


@pytest.fixture
def seen(bus: EventBus) -> list[Event]:
    events: list[Event] = []
    for kind in (NoteSigned, ReferralChanged, RosterImported, ScreeningCompleted):
        bus.subscribe(kind, events.append)
    return events


def test_signing_a_note_publishes_note_signed_after_the_commit(
    db: Database, bus: EventBus, seen: list[Event]
) -> None:
    record = RecordService(db, bus)
    sid = record.create_student(student())
    note_id = record.document_session(session((sid,))).note_ids[sid]
    record.save_draft(note_id, {"subjective": "Fictional words.", "plan": "Continue."})
    status_when_told: list[str] = []

    def look(event: NoteSigned) -> None:
        with db.read() as conn:
            row = conn.execute("SELECT status FROM notes WHERE id = ?", (event.note_id,))
            status_when_told.append(row.fetchone()[0])

    bus.subscribe(NoteSigned, look)
    assert seen == []  # creating, documenting and drafting are not events
    record.sign_note(note_id)
    assert seen == [NoteSigned(note_id)]
    assert status_when_told == ["signed"]
    with pytest.raises(PermissionRefusedError):
        record.sign_note(note_id)  # refused: nothing published
    assert seen == [NoteSigned(note_id)]


def test_referrals_publish_referral_changed(db: Database, bus: EventBus, seen: list[Event]) -> None:
    record = RecordService(db, bus)
    sid = record.create_student(student())
    ref_id = record.create_referral(
        ReferralInput(sid, "county_mhp", "Fictional County MHP", date(2026, 10, 5), "anxiety")
    )
    record.change_referral_status(ref_id, "accepted", date(2026, 10, 5))
    assert seen == [ReferralChanged(ref_id, "sent"), ReferralChanged(ref_id, "accepted")]


def test_a_screening_publishes_screening_completed(
    db: Database, bus: EventBus, seen: list[Event]
) -> None:
    sid = RecordService(db, bus).create_student(student())
    screenings = ScreeningsService(db, events=bus)
    done = screenings.record(AdministrationInput(sid, "PHQ-A", date(2026, 10, 5), PHQA_ITEM9))
    assert seen == [ScreeningCompleted(done.screening_id, sid, "open")]


def test_only_a_committed_roster_import_publishes(
    db: Database, bus: EventBus, seen: list[Event]
) -> None:
    record = RecordService(db, bus)
    roster = (HEAD + "00031^Fictionova^Rosta^09/01/2011^9^99999990000033^\n").encode()
    record.import_roster(roster, preset="template", dry_run=True)
    assert seen == []
    record.import_roster(roster, preset="template")
    assert seen == [RosterImported(created=1, updated=0)]
