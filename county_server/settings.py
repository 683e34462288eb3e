"""Run-time settings of one county server process (limits, clock, cookie policy).

Tests build a ``ServerSettings`` with a fake ``now`` and tight limits; ``serve`` uses the
defaults. Nothing here is secret.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime


def system_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ServerSettings:
    now: Callable[[], datetime] = system_now
    max_skew_seconds: int = 600
    replay_window_seconds: int = 1200
    device_rate_per_second: float = 20.0
    # A laptop's first sync sends every month it has (5 school years is ~240 snapshots); the
    # burst lets that go through at once, while the sustained rate still caps a runaway client.
    device_burst: int = 400
    client_rate_per_second: float = 2000.0
    client_burst: int = 4000
    enroll_rate_per_second: float = 0.5
    enroll_burst: int = 20
    login_rate_per_second: float = 1.0
    login_burst: int = 30
    minimum_client_version: str = "0.1.0"
    secure_cookies: bool = True
    session_hours: int = 8
    login_lockout_threshold: int = 5
    login_lockout_minutes: int = 15
    argon2_memory_kib: int = 65536
    argon2_iterations: int = 3
    # Snapshot history horizon: periods older than the device's enrollment minus this many years
    # are refused, and ``prune-history`` drops superseded revisions received before it.
    history_years: int = 7
    demo_banner: bool = False
    # ``serve --read-only`` (decision 0154): dashboards and exports of what the primary published;
    # the devices' API and every form that changes data answer 503.
    read_only: bool = False
    extra: dict[str, str] = field(default_factory=dict)
