"""A real SQLCipher vault in tmp_path with the record and screenings services over it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.domain.students import Guardian, StudentInput
from clinician_desk.services.record.service import RecordService
from clinician_desk.services.screenings.service import ScreeningsService
from clinician_desk.storage import Database

SCHOOL = "99999999999901"
DISTRICT = "99999990000000"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 10, 5, 16, 0, tzinfo=UTC))


@pytest.fixture
def db(tmp_path: Path, clock: FakeClock) -> Iterator[Database]:
    database = Database.open(tmp_path / "vault.db", b"\x42" * 32, clock=clock, create=True)
    yield database
    database.close()


@pytest.fixture
def record(db: Database) -> RecordService:
    return RecordService(db)


@pytest.fixture
def screenings(db: Database) -> ScreeningsService:
    return ScreeningsService(db)


@pytest.fixture
def student_id(record: RecordService) -> int:
    return record.create_student(
        StudentInput(
            legal_first_name="Testy",
            legal_last_name="McFakeface",
            date_of_birth=date(2012, 3, 4),
            grade="8",
            school_cds=SCHOOL,
            district_student_number="000777",
            consent_basis="parent_consent",
            guardians=(Guardian("Pat Fictional", "parent", "555-0100", "", "en", True),),
        )
    )
