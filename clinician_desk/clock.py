"""Injectable clocks: the only place the core reads the wall clock.

Domain code receives times as arguments; services receive a ``Clock``. Tests use
``FakeClock`` and never sleep.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC datetime."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin, never going backwards."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def today(self) -> date:
        return self.now().astimezone().date()


class FakeClock:
    """A clock for tests: starts at a fixed instant and moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 9, 14, 15, 0, tzinfo=UTC)
        self._mono = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def today(self) -> date:
        return self._now.date()

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds

    def set(self, when: datetime) -> None:
        self._now = when


def utc_iso(dt: datetime) -> str:
    """Canonical text form for timestamps stored in the database (UTC, second precision)."""
    return dt.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def local_moment_text(moment: datetime, tz: tzinfo | None = None) -> str:
    """The one way a moment is written for people, on screens and in printed documents:
    ``2026-12-02 12:28 PST`` — the laptop's local time (``tz`` overrides it) with the zone's
    abbreviation; a zone without one is written as its offset, ``UTC-03:00``. A naive moment is
    taken as UTC (the stored form)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(tz)
    name = local.tzname() or ""
    if not name.isalpha():
        offset = local.strftime("%z")
        name = f"UTC{offset[:3]}:{offset[3:5]}" if offset else "UTC"
    return f"{local:%Y-%m-%d %H:%M} {name}"


def parse_utc_iso(text: str) -> datetime:
    """The inverse of ``utc_iso``: an aware UTC datetime from the stored text."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
