"""Full-jitter exponential backoff (base 2 s, cap 15 min) that honors Retry-After.

``Backoff`` is a small state holder: after the n-th consecutive failure the next attempt waits a
uniformly random time in ``[0, min(cap, base * 2**n))`` ("full jitter", AWS Architecture Blog),
or, when the server said ``Retry-After``, at least that long (still capped at ``cap``). The random
source and the clock are injected so tests are exact and never sleep.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime

BASE_SECONDS = 2.0
CAP_SECONDS = 15 * 60.0


def full_jitter(attempt: int, uniform: Callable[[], float], *, base: float, cap: float) -> float:
    """Delay before retry number ``attempt`` (1 = after the first failure)."""
    exponent = min(max(attempt - 1, 0), 32)
    return uniform() * min(cap, base * (2.0**exponent))


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


@dataclass
class Backoff:
    """When the next attempt may run. ``monotonic`` is the clock's monotonic reading."""

    uniform: Callable[[], float] = field(default_factory=lambda: random.SystemRandom().random)
    base: float = BASE_SECONDS
    cap: float = CAP_SECONDS
    failures: int = 0
    not_before: float = 0.0

    def ready(self, monotonic: float) -> bool:
        return monotonic >= self.not_before

    def wait_seconds(self, monotonic: float) -> float:
        return max(0.0, self.not_before - monotonic)

    def failed(self, monotonic: float, retry_after: float | None = None) -> float:
        """Record a failure; return the delay chosen."""
        self.failures += 1
        delay = full_jitter(self.failures, self.uniform, base=self.base, cap=self.cap)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.cap))
        self.not_before = monotonic + delay
        return delay

    def succeeded(self) -> None:
        self.failures = 0
        self.not_before = 0.0
