"""Retention of a student's record: ``max(end_of_service + 7 years, date_of_birth + 25 years)``.

Seven years after services end, and for minors seven years after age 18. Records are never
deleted automatically: a record is only *eligible* for destruction once the date has passed
and services have ended; destruction is an explicit, logged action elsewhere.
"""

from __future__ import annotations

from datetime import date

YEARS_AFTER_SERVICE = 7
YEARS_AFTER_BIRTH = 25


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February in a non-leap target year
        return d.replace(year=d.year + years, day=28)


def retain_until(date_of_birth: date, end_of_service: date | None) -> date:
    """The retention date; while services continue only the age rule is known so far."""
    by_age = add_years(date_of_birth, YEARS_AFTER_BIRTH)
    if end_of_service is None:
        return by_age
    return max(add_years(end_of_service, YEARS_AFTER_SERVICE), by_age)


def eligible_for_destruction(date_of_birth: date, end_of_service: date | None, today: date) -> bool:
    return end_of_service is not None and retain_until(date_of_birth, end_of_service) < today
