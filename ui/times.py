"""Times as the UI shows them: the core stores UTC ISO-8601 text; screens show local time."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def local_text(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def opened_text(row: Any) -> str:
    """When a follow-up (``row.opened_at``, UTC text) was opened, in local time."""
    try:
        return local_text(parse_utc(row.opened_at))
    except ValueError:
        return str(row.opened_at)
