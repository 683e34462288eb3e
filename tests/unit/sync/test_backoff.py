"""Full-jitter backoff and Retry-After parsing."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from clinician_desk.sync.backoff import Backoff, full_jitter, parse_retry_after

NOW = datetime(2026, 9, 14, 15, 0, tzinfo=UTC)


def test_delays_double_from_base_and_stop_at_cap() -> None:
    top = [full_jitter(n, lambda: 1.0, base=2.0, cap=900.0) for n in range(1, 13)]
    assert top[:5] == [2.0, 4.0, 8.0, 16.0, 32.0]
    assert top[-1] == 900.0
    assert full_jitter(1000, lambda: 1.0, base=2.0, cap=900.0) == 900.0


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 60), st.floats(0.0, 0.999999))
def test_jitter_is_within_zero_and_the_window(attempt: int, u: float) -> None:
    d = full_jitter(attempt, lambda: u, base=2.0, cap=900.0)
    assert 0.0 <= d < min(900.0, 2.0 * 2 ** (attempt - 1))


def test_retry_after_is_honored_and_capped_and_success_resets() -> None:
    b = Backoff(uniform=lambda: 0.0)
    assert b.failed(100.0, retry_after=30.0) == 30.0
    assert not b.ready(129.0) and b.ready(130.0)
    assert b.wait_seconds(120.0) == 10.0
    assert b.failed(200.0, retry_after=86400.0) == 900.0
    b.succeeded()
    assert b.failures == 0 and b.ready(0.0)


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after("120", NOW) == 120.0
    assert parse_retry_after("Mon, 14 Sep 2026 15:01:00 GMT", NOW) == 60.0
    assert parse_retry_after("Mon, 14 Sep 2026 14:00:00 GMT", NOW) == 0.0
    for bad in (None, "", "soon", "-5", "1.5e3"):
        assert parse_retry_after(bad, NOW) is None
