"""Recording administrations in a real SQLCipher vault: stored whole, audited, counted."""

from __future__ import annotations

import json
from datetime import date

import pytest

from clinician_desk.errors import ClinicianDeskError, NotFoundError, ValidationError
from clinician_desk.services.screenings.service import ScreeningsService
from clinician_desk.services.screenings.use_cases import AdministrationInput
from clinician_desk.storage import Database
from clinician_desk.storage.repositories.count_facts import screening_facts
from tests.integration.screenings.conftest import DISTRICT, SCHOOL

GAD7_MILD = {"1": 1, "2": 1, "3": 1, "4": 1, "5": 1, "6": 1, "7": 0}


def _counts(db: Database) -> tuple[int, int, int]:
    with db.read() as conn:
        return (
            conn.execute("SELECT count(*) FROM screenings").fetchone()[0],
            conn.execute("SELECT count(*) FROM screening_results").fetchone()[0],
            conn.execute("SELECT count(*) FROM audit_log").fetchone()[0],
        )


def test_non_critical_administration_is_stored_whole_and_counted(
    screenings: ScreeningsService, db: Database, student_id: int
) -> None:
    done = screenings.record(AdministrationInput(student_id, "gad-7", date(2026, 10, 2), GAD7_MILD))
    assert done.status == "completed" and done.safety_flag_id is None
    assert done.result.total == 6 and done.result.band == "mild"
    view = screenings.view(done.screening_id)
    row = view.screening
    assert row.instrument == "GAD-7" and row.instrument_version == "GAD-7 (2006)"
    assert row.responses == GAD7_MILD and row.respondent == "self" and row.language == "en"
    assert [r.rule_version for r in view.results] == ["2026.1"]
    assert view.latest["band"] == "mild" and view.latest["total"] == 6
    assert "Pfizer" in view.attribution
    with db.read() as conn:
        dirty = set(conn.execute("SELECT org_unit, period FROM count_dirty").fetchall())
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
        facts = screening_facts(conn, "2026-10")
    assert {(SCHOOL, "2026-10"), (DISTRICT, "2026-10")} <= {tuple(d) for d in dirty}
    assert "screening.recorded" in actions and "screening.viewed" in actions
    assert [(f.instrument, f.positive, f.school_cds) for f in facts] == [("GAD-7", False, SCHOOL)]


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (("sdq", {}), NotFoundError, "Unknown instrument"),
        (("GAD-2", {"1": 1, "2": 1, "3": 1}), NotFoundError, "has no item '3'"),
        (("GAD-2", {"1": 9, "2": 1}), ValidationError, "one of 0, 1, 2, 3"),
        (
            ("ASQ", {"1": "no", "2": "no", "3": "no", "4": "no", "5": "no"}),
            ValidationError,
            "skipped",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    screenings: ScreeningsService,
    db: Database,
    student_id: int,
    data: tuple[str, dict[str, object]],
    error: type[ClinicianDeskError],
    message: str,
) -> None:
    before = _counts(db)
    with pytest.raises(error, match=message):
        screenings.record(AdministrationInput(student_id, data[0], date(2026, 10, 1), data[1]))
    assert _counts(db) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"respondent": "self", "instrument": "PSC-17"}, "answered by the parent"),
        ({"language": "es"}, "no validated translation"),
        ({"administered_on": date(2026, 10, 8)}, "future"),
        ({"student_id": 999}, "no student"),
        ({"population": "toddler"}, "no threshold for population"),
    ],
)
def test_record_checks_context(
    screenings: ScreeningsService, db: Database, student_id: int, change: dict[str, object],
    message: str,
) -> None:  # fmt: skip
    base: dict[str, object] = {
        "student_id": student_id,
        "instrument": "GAD-2",
        "administered_on": date(2026, 10, 1),
        "responses": {"1": 0, "2": 0},
    }
    before = _counts(db)
    with pytest.raises(ClinicianDeskError, match=message):
        screenings.record(AdministrationInput(**(base | change)))  # type: ignore[arg-type]
    assert _counts(db) == before


def test_unscorable_form_is_stored_as_cannot_be_scored(
    screenings: ScreeningsService, student_id: int
) -> None:
    done = screenings.record(
        AdministrationInput(student_id, "PHQ-9", date(2026, 10, 1), {"1": 1, "2": 2})
    )
    assert not done.result.scorable and done.result.total is None
    view = screenings.view(done.screening_id)
    assert view.latest["scorable"] is False and view.latest["reason"].startswith("cannot be scored")


def test_nothing_readable_in_the_file(
    screenings: ScreeningsService, db: Database, student_id: int
) -> None:
    screenings.record(AdministrationInput(student_id, "GAD-7", date(2026, 10, 2), GAD7_MILD))
    db.close()
    raw = db.path.read_bytes()
    assert b"GAD-7" not in raw and b"responses" not in raw and b"McFakeface" not in raw
    assert json.dumps(GAD7_MILD).encode() not in raw
