"""The self-test's vocabulary: a check is a callable that returns or raises; a run prints one
``ok <check>`` / ``FAIL <check>: <reason>`` line per check. Shared by the core checks
(``selftest``), the TLS check (``selftest.tls``) and the Qt checks (``ui.selftest_qt``)."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from clinician_desk.errors import ClinicianDeskError

CheckFn = Callable[[], None]


class CheckFailed(Exception):
    """A check's own verdict: ``str(exc)`` is the reason printed after ``FAIL <check>:``."""


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    reason: str = ""

    def line(self) -> str:
        return f"ok {self.name}" if self.ok else f"FAIL {self.name}: {self.reason}"


def require(condition: bool, reason: str) -> None:
    """Fail the running check with ``reason`` unless ``condition`` holds."""
    if not condition:
        raise CheckFailed(reason)


def reason_of(exc: BaseException) -> str:
    """A one-line reason: our own errors by message, anything else by type and place only."""
    if isinstance(exc, CheckFailed | ClinicianDeskError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}{where}"


def run_check(name: str, fn: CheckFn) -> CheckResult:
    try:
        fn()
    except Exception as exc:
        return CheckResult(name, False, reason_of(exc))
    return CheckResult(name, True)


def run_checks(checks: Iterable[tuple[str, CheckFn]], out: TextIO) -> list[CheckResult]:
    """Run ``checks`` in order, printing (and flushing) one line per check as it finishes."""
    results = []
    for name, fn in checks:
        result = run_check(name, fn)
        print(result.line(), file=out, flush=True)
        results.append(result)
    return results
