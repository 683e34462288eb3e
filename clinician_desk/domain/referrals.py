"""Referrals out: destination, reason category, and a status history with follow-up dates.

Statuses move forward only: ``sent`` -> ``accepted`` -> ``first_appointment`` -> ``closed``,
with ``declined`` possible until the first appointment, and ``closed`` from any open state.
An open referral whose follow-up date has passed is overdue (``is_overdue``: the caseload and
the student page ask it). A new referral or status change offers a follow-up date
``DEFAULT_FOLLOW_UP_DAYS`` later (``default_follow_up_on``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from clinician_desk.errors import ValidationError
from clinician_desk.messages import M

DESTINATIONS: tuple[str, ...] = ("county_mhp", "community_provider", "school_team")
REASONS: tuple[str, ...] = (
    "anxiety",
    "depression",
    "behavior",
    "trauma",
    "substance_use",
    "suicide_risk",
    "family",
    "medication_evaluation",
    "other",
)
STATUSES: tuple[str, ...] = ("sent", "accepted", "first_appointment", "closed", "declined")
OPEN_STATUSES: frozenset[str] = frozenset({"sent", "accepted", "first_appointment"})
DEFAULT_FOLLOW_UP_DAYS = 14
_NEXT: dict[str, frozenset[str]] = {
    "sent": frozenset({"accepted", "declined", "closed"}),
    "accepted": frozenset({"first_appointment", "declined", "closed"}),
    "first_appointment": frozenset({"closed"}),
    "closed": frozenset(),
    "declined": frozenset(),
}


@dataclass(frozen=True)
class ReferralInput:
    student_id: int
    destination: str
    destination_name: str
    referral_date: date
    reason: str
    follow_up_on: date | None = None


def validate_referral(r: ReferralInput, today: date) -> ReferralInput:
    if r.destination not in DESTINATIONS:
        raise ValidationError(
            M("referral destination must be one of {value}.", value=", ".join(DESTINATIONS))
        )
    if r.reason not in REASONS:
        raise ValidationError(
            M("referral reason must be one of {value}.", value=", ".join(REASONS))
        )
    if r.referral_date > today:
        raise ValidationError(M("The referral date is in the future."))
    if r.follow_up_on is not None and r.follow_up_on < r.referral_date:
        raise ValidationError(M("The follow-up date is before the referral date."))
    return r


def check_transition(current: str, new: str, changed_on: date, last_change: date) -> None:
    if new not in STATUSES:
        raise ValidationError(
            M("referral status must be one of {value}.", value=", ".join(STATUSES))
        )
    if new not in _NEXT[current]:
        raise ValidationError(
            M("A referral cannot move from {current!r} to {new!r}.", current=current, new=new)
        )
    if changed_on < last_change:
        raise ValidationError(M("A status change cannot be dated before the previous one."))


def is_overdue(status: str, follow_up_on: date | None, today: date) -> bool:
    return status in OPEN_STATUSES and follow_up_on is not None and follow_up_on < today


def default_follow_up_on(today: date) -> date:
    """The follow-up date offered for a new referral or status change."""
    return today + timedelta(days=DEFAULT_FOLLOW_UP_DAYS)
