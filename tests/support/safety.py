"""A fictional PHQ-A sheet with item 9 endorsed and a valid safety follow-up, for many tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from clinician_desk.domain.screenings import SafetyFollowUp
from clinician_desk.services.screenings.service import ScreeningsService
from clinician_desk.services.screenings.use_cases import AdministrationInput

PHQA_ITEM9 = {str(i): 0 for i in range(1, 9)} | {
    "9": 1,
    "past_year": "no",
    "serious_thoughts": "no",
    "ever_attempted": "no",
}


DECIDED = datetime(2026, 10, 5, 15, 30, tzinfo=UTC)


def follow_up(**kw: object) -> SafetyFollowUp:
    base: dict[str, object] = {
        "risk_outcome": "low",
        "safety_plan_id": None,
        "safety_plan_reason_not": "Low risk after assessment; coping plan reviewed verbally.",
        "parent_decision": "notified",
        "parent_rationale": "Guardian reached by phone and agreed to check in tonight.",
        "parent_decided_at": DECIDED,
    }
    base.update(kw)
    return SafetyFollowUp(**base)  # type: ignore[arg-type]


def critical_screening(screenings: ScreeningsService, student_id: int) -> int:
    done = screenings.record(
        AdministrationInput(student_id, "PHQ-A", date(2026, 10, 5), PHQA_ITEM9)
    )
    assert done.status == "open" and done.safety_flag_id is not None
    assert [c.item for c in done.result.critical] == ["9"]
    return done.screening_id
