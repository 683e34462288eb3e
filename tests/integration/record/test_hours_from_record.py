"""Associate hours computed from signed sessions and explicit logs in a real vault."""

from __future__ import annotations

from datetime import date

import pytest

from clinician_desk.errors import ValidationError
from clinician_desk.services.record.hours import hours_report, log_hours
from clinician_desk.services.record.service import RecordService
from clinician_desk.storage import Database
from tests.integration.record.conftest import session, student


def test_hours_report_counts_signed_sessions_only(record: RecordService, db: Database) -> None:
    sid = record.create_student(student())
    signed = record.document_session(session((sid,), session_date=date(2026, 9, 28)))
    record.sign_note(signed.note_ids[sid], {"plan": "x"})
    record.document_session(session((sid,), session_date=date(2026, 9, 29)))  # draft only
    consult = record.document_session(
        session((), service_code="CONSULT", tier=1, session_date=date(2026, 9, 30))
    )
    record.sign_note(consult.note_ids[None], {"plan": "Teacher consult (fictional)."})
    with db.unit_of_work() as uow:
        log_hours(uow, date(2026, 9, 28), "individual", 60, supervision=True)
        log_hours(uow, date(2026, 9, 29), "notes", 90, supervision=False)
        with pytest.raises(ValidationError, match="kind"):
            log_hours(uow, date(2026, 9, 29), "napping", 30, supervision=False)
    with db.read() as conn:
        report = hours_report(conn, "AMFT", date(2026, 9, 1), date(2026, 10, 31))
    (week,) = report.weeks
    assert week.week_start == date(2026, 9, 28)
    assert week.direct == 0.75 and week.ccf == 0.75  # the draft session does not count
    assert week.nonclinical == 1.5 + 0.75  # notes + the consultation
    assert week.supervision_individual == 1.0 and week.warnings == ()
    assert record.hours_report("AMFT", date(2026, 9, 1), date(2026, 10, 31)).weeks == report.weeks
