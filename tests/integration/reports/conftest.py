"""A real SQLCipher vault in tmp_path with the record, screenings and print services over it.

Every student here is synthetic and obviously fictional.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.config import AppPaths
from clinician_desk.domain.sessions import SessionInput
from clinician_desk.domain.students import Guardian, ParentContact, StudentInput
from clinician_desk.services.printing import PrintService
from clinician_desk.services.record.service import RecordService
from clinician_desk.services.screenings.service import ScreeningsService
from clinician_desk.services.screenings.use_cases import AdministrationInput
from clinician_desk.storage import Database
from clinician_desk.vault import TEST_KDF, create_vault

SCHOOL = "99999999999901"
GAD7 = {"1": 1, "2": 1, "3": 1, "4": 1, "5": 1, "6": 1, "7": 0}


@dataclass(frozen=True)
class Vault:
    db: Database
    record: RecordService
    screenings: ScreeningsService
    printing: PrintService
    parent_consented: int  # guardian prefers Spanish; one signed note, two GAD-7s
    minor_consented: int  # no written authorization for a personalized handout
    authorized: int  # minor consent with the student's written authorization
    note_id: int
    screening_id: int


def _student(n: int, language: str, **kw: object) -> StudentInput:
    base: dict[str, object] = {
        "legal_first_name": "Quibble",
        "legal_last_name": f"Fictionaire{n}",
        "date_of_birth": date(2012, 3, 4),
        "grade": "8",
        "school_cds": SCHOOL,
        "district_student_number": f"9{n:05d}",
        "consent_basis": "parent_consent",
        "guardians": (Guardian("Pat Imaginary", "parent", "555-0100", "", language, True),),
    }
    base.update(kw)
    return StudentInput(**base)  # type: ignore[arg-type]


MINOR = {
    "consent_basis": "minor_consent",
    "parent_contact": ParentContact(inappropriate_reason="Fictional reason for the test."),
}


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    clock = FakeClock(datetime(2026, 10, 5, 16, 0, tzinfo=UTC))
    db = Database.open(tmp_path / "vault.db", b"\x5a" * 32, clock=clock, create=True)
    record, screenings = RecordService(db), ScreeningsService(db)
    parent = record.create_student(_student(1, "Spanish"))
    minor = record.create_student(_student(2, "Dari", **MINOR))
    authorized = record.create_student(
        _student(
            3,
            "Klingon",
            **MINOR,
            handout_basis="student_authorization",
            handout_authorized_on=date(2026, 9, 30),
        )
    )
    done = record.document_session(
        SessionInput(
            session_date=date(2026, 10, 5),
            start_minute=600,
            end_minute=645,
            service_code="TX-IND",
            tier=2,
            modality="in_person",
            location="school",
            participant_kind="student",
            school_cds=SCHOOL,
            student_ids=(parent,),
        )
    )
    note_id = done.note_ids[parent]
    record.sign_note(
        note_id,
        {
            "subjective": "Reports worry before tests.",
            "objective": "Calm and engaged.",
            "assessment": "Mild test anxiety.",
            "plan": "Breathing practice; meet next week.",
        },
    )
    record.add_addendum(note_id, "Location corrected to room 12.")
    record.save_psychotherapy_note(done.session_id, parent, "PROCESS-NOTE-CANARY")
    screenings.record(AdministrationInput(parent, "GAD-7", date(2026, 9, 1), {**GAD7, "7": 3}))
    latest = screenings.record(AdministrationInput(parent, "GAD-7", date(2026, 10, 2), GAD7))
    record.save_safety_plan(
        parent,
        {
            "warning_signs": ("Cannot sleep",),
            "coping_strategies": ("Draw",),
            "help_contacts": ("Aunt Example",),
        },
    )
    yield Vault(
        db,
        record,
        screenings,
        PrintService(db),
        parent,
        minor,
        authorized,
        note_id,
        latest.screening_id,
    )
    db.close()


PRINT_CLI_PASSPHRASE = "amber lantern over 7 hills"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir with one fictional student, for in-process ``clinician-desk-admin`` runs."""
    monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", PRINT_CLI_PASSPHRASE)
    data = tmp_path / "data"
    paths = AppPaths.from_option(data).vault("default")
    key, _ = create_vault(paths, PRINT_CLI_PASSPHRASE, kdf=TEST_KDF)
    db = Database.open(paths.database, key, clock=FakeClock(), create=True)
    RecordService(db).create_student(
        StudentInput(
            legal_first_name="Wobble",
            legal_last_name="Pretendsworth",
            date_of_birth=date(2013, 5, 6),
            grade="7",
            school_cds="99999999999901",
            consent_basis="parent_consent",
            guardians=(Guardian("Sam Unreal", "parent", "", "", "Vietnamese", True),),
        )
    )
    db.close()
    key.wipe()
    return data
