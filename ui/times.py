"""Times as the UI shows them: the core stores UTC ISO-8601 text; screens show local time.

One format everywhere, screens and printed documents alike: dates ``2026-12-02``, moments
``2026-12-02 12:28 PST`` (local time with the zone's abbreviation, so nobody mistakes it for UTC;
a zone without an abbreviation is written as its offset, ``UTC-03:00``). ``DATE_TIME_FORMAT``
is the same format for Qt's date-time editors, which otherwise follow the C locale
("2 12 2026 20:13").
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from clinician_desk.clock import local_moment_text

DATE_FORMAT = "yyyy-MM-dd"  # Qt display format of date editors
DATE_TIME_FORMAT = "yyyy-MM-dd HH:mm t"  # Qt display format of date-time editors


def parse_utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def local_text(moment: datetime) -> str:
    """``2026-12-02 12:28 PST``: the moment in the laptop's zone, with the zone — written the
    way printed documents write it (``clinician_desk.clock.local_moment_text``)."""
    return local_moment_text(moment)


def shown_time(value: Any) -> str:
    """A stored moment (UTC ISO text or an aware ``datetime``) as the UI shows it; empty for
    none, and text that is not a moment as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return local_text(value)
    try:
        return local_text(parse_utc(str(value)))
    except ValueError:
        return str(value)


def shown_date(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def opened_text(row: Any) -> str:
    """When a follow-up (``row.opened_at``, UTC text) was opened, in local time."""
    return shown_time(row.opened_at)
