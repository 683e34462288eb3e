"""Pure rules: referrals, mandated reports (36 h), safety plans, retention."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from clinician_desk.domain import mandated_reports as mr
from clinician_desk.domain import referrals as ref
from clinician_desk.domain.retention import eligible_for_destruction, retain_until
from clinician_desk.domain.safety_plans import LIFELINE_988, STEP_KEYS, plan_steps, validate_plan
from clinician_desk.errors import ValidationError

TODAY = date(2026, 10, 5)


def test_referral_transitions() -> None:
    ref.check_transition("sent", "accepted", TODAY, TODAY)
    ref.check_transition("accepted", "first_appointment", TODAY, TODAY)
    with pytest.raises(ValidationError, match="cannot move from 'closed'"):
        ref.check_transition("closed", "sent", TODAY, TODAY)
    with pytest.raises(ValidationError, match="before the previous"):
        ref.check_transition("sent", "accepted", TODAY - timedelta(days=2), TODAY)
    with pytest.raises(ValidationError, match="status must be"):
        ref.check_transition("sent", "lost", TODAY, TODAY)


def test_referral_validation_and_overdue() -> None:
    r = ref.ReferralInput(1, "county_mhp", "County MHP", TODAY, "anxiety", TODAY)
    assert ref.validate_referral(r, TODAY) == r
    with pytest.raises(ValidationError, match="follow-up date is before"):
        ref.validate_referral(
            ref.ReferralInput(1, "county_mhp", "", TODAY, "anxiety", TODAY - timedelta(1)), TODAY
        )
    with pytest.raises(ValidationError, match="destination"):
        ref.validate_referral(ref.ReferralInput(1, "moon", "", TODAY, "anxiety"), TODAY)
    assert ref.is_overdue("accepted", TODAY - timedelta(days=1), TODAY)
    assert not ref.is_overdue("closed", TODAY - timedelta(days=1), TODAY)
    assert not ref.is_overdue("sent", TODAY, TODAY)


def test_mandated_report_deadline_is_36_hours() -> None:
    at = datetime(2026, 10, 5, 9, 30, tzinfo=UTC)
    due = mr.follow_up_deadline(at)
    assert due - at == timedelta(hours=36)
    assert mr.is_overdue("follow_up_pending", due, due + timedelta(seconds=1))
    assert not mr.is_overdue("follow_up_pending", due, due)
    assert not mr.is_overdue("follow_up_sent", due, due + timedelta(days=3))
    with pytest.raises(ValidationError, match="future"):
        mr.validate_report(at + timedelta(hours=1), "child_welfare", at)
    with pytest.raises(ValidationError, match="agency"):
        mr.validate_report(at, "newspaper", at)
    with pytest.raises(ValidationError, match="predate"):
        mr.check_follow_up("follow_up_pending", at, at - timedelta(hours=1))


def test_safety_plan_six_steps_and_988() -> None:
    plan = validate_plan({"warning_signs": [" Feeling alone ", ""]})
    assert list(plan) == list(STEP_KEYS) and len(plan) == 6
    assert plan["warning_signs"] == ("Feeling alone",)
    assert plan["professionals"] == (LIFELINE_988,)
    steps = plan_steps(plan)
    assert [s.number for s in steps] == [1, 2, 3, 4, 5, 6]
    with pytest.raises(ValidationError, match="warning sign"):
        validate_plan({"coping_strategies": ["music"]})
    with pytest.raises(ValidationError, match="no step"):
        validate_plan({"warning_signs": ["x"], "step7": ["y"]})
    kept = validate_plan({"warning_signs": ["x"], "professionals": ["Call 988 any time"]})
    assert kept["professionals"] == ("Call 988 any time",)


def test_retention_date() -> None:
    dob = date(2010, 2, 28)
    assert retain_until(dob, None) == date(2035, 2, 28)
    assert retain_until(dob, date(2030, 6, 1)) == date(2037, 6, 1)  # service rule wins
    assert retain_until(dob, date(2020, 6, 1)) == date(2035, 2, 28)  # age rule wins
    assert retain_until(date(2008, 2, 29), None) == date(2033, 2, 28)  # leap day
    assert not eligible_for_destruction(dob, None, date(2099, 1, 1))
    assert eligible_for_destruction(dob, date(2020, 6, 1), date(2035, 3, 1))
    assert not eligible_for_destruction(dob, date(2020, 6, 1), date(2035, 2, 27))
