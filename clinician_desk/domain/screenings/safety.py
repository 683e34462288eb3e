"""Safety-workflow rules: what a follow-up must record before a critical screening can be closed.

A critical result (PHQ item 9 >= 1 or a teen suicide item yes, any ASQ positive with acute ones
marked, C-SSRS moderate or high, CRAFFT CAR yes) opens a required follow-up. The clinician
records the risk-assessment outcome, the safety plan made (its id) or the reason none was made,
and the parent-notification decision with its rationale and time. Pure: the service stores it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from clinician_desk.errors import PermissionRefusedError, ValidationError
from clinician_desk.messages import M

RISK_OUTCOMES: tuple[str, ...] = ("none_identified", "low", "moderate", "high", "imminent")
NOTIFICATION_DECISIONS: tuple[str, ...] = ("notified", "will_notify", "not_notified")


@dataclass(frozen=True)
class SafetyFollowUp:
    risk_outcome: str
    safety_plan_id: str | None
    safety_plan_reason_not: str | None
    parent_decision: str
    parent_rationale: str
    parent_decided_at: datetime


def validate_follow_up(follow_up: SafetyFollowUp) -> SafetyFollowUp:
    """Raise ``ValidationError`` naming every missing or contradictory field."""
    problems: list[str] = []
    if follow_up.risk_outcome not in RISK_OUTCOMES:
        problems.append(f"risk outcome must be one of {', '.join(RISK_OUTCOMES)}")
    plan = (follow_up.safety_plan_id or "").strip()
    reason = (follow_up.safety_plan_reason_not or "").strip()
    if bool(plan) == bool(reason):
        problems.append("give either the safety plan made or the reason no plan was made")
    if follow_up.parent_decision not in NOTIFICATION_DECISIONS:
        problems.append(
            f"parent-notification decision must be one of {', '.join(NOTIFICATION_DECISIONS)}"
        )
    if not follow_up.parent_rationale.strip():
        problems.append("parent-notification rationale is required")
    if follow_up.parent_decided_at.tzinfo is None:
        problems.append("parent-notification time must include a time zone")
    if problems:
        raise ValidationError("Safety follow-up incomplete: " + "; ".join(problems) + ".")
    return follow_up


def ensure_can_close(requires_follow_up: bool, follow_up_recorded: bool) -> None:
    """Refuse closing a critical administration before its follow-up is recorded."""
    if requires_follow_up and not follow_up_recorded:
        raise PermissionRefusedError(
            M(
                "This screening has a critical result: record the safety follow-up (risk "
                "assessment, safety plan or reason, parent-notification decision) before "
                "closing it."
            )
        )
