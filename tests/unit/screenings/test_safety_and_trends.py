"""Safety follow-up rules and trend series (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from clinician_desk.domain.screenings import (
    SafetyFollowUp,
    TrendInput,
    build_trend,
    ensure_can_close,
    validate_follow_up,
)
from clinician_desk.errors import PermissionRefusedError, ValidationError

GOOD = SafetyFollowUp(
    risk_outcome="moderate",
    safety_plan_id="plan-1",
    safety_plan_reason_not=None,
    parent_decision="notified",
    parent_rationale="Guardian reached by phone; agreed to supervise at home.",
    parent_decided_at=datetime(2026, 9, 14, 16, 0, tzinfo=UTC),
)


def test_complete_follow_up_passes() -> None:
    assert validate_follow_up(GOOD) is GOOD
    assert validate_follow_up(replace(GOOD, safety_plan_id=None, safety_plan_reason_not="x"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"risk_outcome": "fine"}, "risk outcome"),
        ({"safety_plan_id": None}, "either the safety plan"),
        ({"safety_plan_reason_not": "also a reason"}, "either the safety plan"),
        ({"parent_decision": "maybe"}, "parent-notification decision"),
        ({"parent_rationale": "  "}, "rationale is required"),
        ({"parent_decided_at": datetime(2026, 9, 14, 16, 0)}, "time zone"),
    ],
)
def test_incomplete_follow_up_names_the_field(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_follow_up(replace(GOOD, **change))  # type: ignore[arg-type]


def test_cannot_close_critical_without_follow_up() -> None:
    ensure_can_close(requires_follow_up=False, follow_up_recorded=False)
    ensure_can_close(requires_follow_up=True, follow_up_recorded=True)
    with pytest.raises(PermissionRefusedError, match="record the safety follow-up"):
        ensure_can_close(requires_follow_up=True, follow_up_recorded=False)


def _row(
    aid: str, day: int, total: int | None, rule: str = "2026.1", inst: str = "PHQ-A"
) -> TrendInput:
    band = None if total is None else ("mild" if total < 10 else "moderate")
    return TrendInput(aid, inst, date(2026, 9, day), total, band, None, None, False, rule)


def test_trend_orders_by_date_and_keeps_newest_rule_version() -> None:
    rows = [
        _row("b", 20, 12),
        _row("a", 3, 8),
        _row("b", 20, 14, rule="2026.10"),
        _row("b", 20, 13, rule="2026.2"),
        _row("c", 27, None),
        _row("x", 5, 3, inst="GAD-7"),
    ]
    series = build_trend("PHQ-A", rows, (0, 27))
    assert [(p.administration_id, p.total) for p in series.points] == [
        ("a", 8),
        ("b", 14),
        ("c", None),
    ]
    assert series.change_from_first == 6
    assert series.latest is not None and series.latest.total is None
    assert build_trend("PHQ-9", rows).points == ()
