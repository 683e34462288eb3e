"""A real SQLCipher vault database in tmp_path with the record service over it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.domain.sessions import SessionInput
from clinician_desk.domain.students import Guardian, StudentInput
from clinician_desk.services.record.service import RecordService
from clinician_desk.storage import Database

SCHOOL = "99999999999901"
OTHER_SCHOOL = "99999999999902"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 10, 5, 16, 0, tzinfo=UTC))


@pytest.fixture
def db(tmp_path: Path, clock: FakeClock) -> Iterator[Database]:
    database = Database.open(tmp_path / "vault.db", b"\x17" * 32, clock=clock, create=True)
    yield database
    database.close()


@pytest.fixture
def record(db: Database) -> RecordService:
    return RecordService(db)


def student(n: int = 1, **kw: object) -> StudentInput:
    base: dict[str, object] = {
        "legal_first_name": "Testy",
        "legal_last_name": f"McFakeface{n}",
        "date_of_birth": date(2014, 3, 4),
        "grade": "5",
        "school_cds": SCHOOL,
        "district_student_number": f"00{n:04d}",
        "consent_basis": "parent_consent",
        "guardians": (Guardian("Pat Fictional", "parent", "555-0100", "", "es", True),),
    }
    base.update(kw)
    return StudentInput(**base)  # type: ignore[arg-type]


def session(student_ids: tuple[int, ...], **kw: object) -> SessionInput:
    base: dict[str, object] = {
        "session_date": date(2026, 10, 5),
        "start_minute": 600,
        "end_minute": 645,
        "service_code": "TX-IND",
        "tier": 2,
        "modality": "in_person",
        "location": "school",
        "participant_kind": "student",
        "school_cds": SCHOOL,
        "student_ids": student_ids,
    }
    base.update(kw)
    return SessionInput(**base)  # type: ignore[arg-type]
