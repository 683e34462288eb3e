"""``ScreeningsService.open_follow_ups``: what the student page offers to record or close.

A critical administration's flag comes with the administration and its critical items; a flag
the clinician opened (no administration) comes without one and closes with a reason; recording
or closing removes each from the list, and the caseload's counts follow. Real SQLCipher file.
"""

from __future__ import annotations

from datetime import date

import pytest

from clinician_desk.errors import ValidationError
from clinician_desk.services.record.service import RecordService
from clinician_desk.services.screenings.service import ScreeningsService
from clinician_desk.services.screenings.use_cases import AdministrationInput
from clinician_desk.storage import Database
from tests.support.safety import PHQA_ITEM9, critical_screening, follow_up


def _flag_count(record: RecordService, student_id: int) -> int:
    return next(
        r.open_safety_flags for r in record.caseload().caseload if r.student_id == student_id
    )


def test_screening_and_manual_follow_ups_are_listed_and_closed(
    screenings: ScreeningsService, record: RecordService, student_id: int
) -> None:
    assert screenings.open_follow_ups(student_id) == ()
    sid = critical_screening(screenings, student_id)
    manual = record.open_safety_flag(
        student_id, source="manual", reason="Disclosed worry in class (fictional)"
    )
    rows = screenings.open_follow_ups(student_id)
    assert [r.flag_id for r in rows][1] == manual
    first, second = rows
    assert first.screening_id == sid and first.instrument == "PHQ-A"
    assert first.administered_on == date(2026, 10, 5) and not first.follow_up_recorded
    assert [c.item for c in first.critical] == ["9"]
    assert first.critical[0].reason and first.instrument_title
    assert second.screening_id is None and second.source == "manual"
    assert second.reason == "Disclosed worry in class (fictional)" and second.critical == ()
    assert _flag_count(record, student_id) == 2

    screenings.record_follow_up(sid, follow_up())
    assert [r.flag_id for r in screenings.open_follow_ups(student_id)] == [manual]
    with pytest.raises(ValidationError, match="needs the reason"):
        record.close_safety_flag(manual, "   ")
    assert _flag_count(record, student_id) == 1  # a refused close loses nothing
    record.close_safety_flag(manual, "Assessed with the school psychologist (fictional)")
    assert screenings.open_follow_ups(student_id) == ()
    assert _flag_count(record, student_id) == 0


def test_a_screening_flag_with_nothing_left_to_record_closes_like_a_manual_one(
    screenings: ScreeningsService, record: RecordService, db: Database, student_id: int
) -> None:
    done = screenings.record(
        AdministrationInput(student_id, "PHQ-A", date(2026, 10, 5), PHQA_ITEM9 | {"9": 0})
    )
    assert done.safety_flag_id is None and done.status == "completed"
    record.open_safety_flag(
        student_id, source="screening", source_ref=str(done.screening_id), reason="Stale (fict.)"
    )
    record.open_safety_flag(student_id, source="screening", source_ref="oops", reason="Odd ref")
    rows = screenings.open_follow_ups(student_id)
    assert [r.screening_id for r in rows] == [None, None]  # no open critical administration
    assert [r.reason for r in rows] == ["Stale (fict.)", "Odd ref"]


def test_follow_up_recorded_but_left_open_is_marked(
    screenings: ScreeningsService, student_id: int
) -> None:
    sid = critical_screening(screenings, student_id)
    screenings.record_follow_up(sid, follow_up(), close=False)
    (row,) = screenings.open_follow_ups(student_id)
    assert row.screening_id == sid and row.follow_up_recorded
    screenings.close(sid)
    assert screenings.open_follow_ups(student_id) == ()


def test_another_students_flags_are_not_listed(
    screenings: ScreeningsService, record: RecordService, student_id: int
) -> None:
    critical_screening(screenings, student_id)
    assert screenings.open_follow_ups(student_id + 1000) == ()
