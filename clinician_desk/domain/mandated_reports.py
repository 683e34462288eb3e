"""Mandated-report events (Penal Code 11166): the phone report and the written follow-up.

Only the event is kept — when the phone report was made, to which agency, the written follow-up
deadline (36 hours after the phone report) and its status. The report's content is not kept in
the clinical record.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from clinician_desk.errors import ValidationError
from clinician_desk.messages import M

FOLLOW_UP_HOURS = 36
AGENCIES: tuple[str, ...] = ("child_welfare", "law_enforcement", "probation")
PENDING = "follow_up_pending"
SENT = "follow_up_sent"
STATUSES: tuple[str, ...] = (PENDING, SENT)


def follow_up_deadline(phone_report_at: datetime) -> datetime:
    return phone_report_at + timedelta(hours=FOLLOW_UP_HOURS)


def validate_report(phone_report_at: datetime, agency: str, now: datetime) -> None:
    if phone_report_at.tzinfo is None:
        raise ValidationError(M("The phone report time needs a time zone."))
    if phone_report_at > now + timedelta(minutes=5):
        raise ValidationError(M("The phone report time is in the future."))
    if agency not in AGENCIES:
        raise ValidationError(M("agency must be one of {value}.", value=", ".join(AGENCIES)))


def check_follow_up(status: str, phone_report_at: datetime, sent_at: datetime) -> None:
    if status == SENT:
        raise ValidationError(M("The written follow-up is already recorded as sent."))
    if sent_at < phone_report_at:
        raise ValidationError(M("The written follow-up cannot predate the phone report."))


def is_overdue(status: str, deadline: datetime, now: datetime) -> bool:
    """The one definition of a late written follow-up; the caseload flags and the mandated-report
    dialog's count-down both ask it."""
    return status == PENDING and now > deadline
