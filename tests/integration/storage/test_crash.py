"""Kill -9 at random moments while saving: no acknowledged save is lost, verify stays clean.

Cycles default to 30 (CI); ``CLINICIAN_DESK_CRASH_CYCLES`` raises it (bench/bench_storage.py
runs the same harness for 1,000).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.crash_harness import torture


@pytest.mark.slow
def test_sigkill_during_saves_loses_nothing_acknowledged(tmp_path: Path) -> None:
    cycles = int(os.environ.get("CLINICIAN_DESK_CRASH_CYCLES", "30"))
    result = torture(tmp_path / "vault.db", os.urandom(32), cycles, seed=20260914)
    assert result.cycles == cycles
    assert result.lost == []
    assert result.problems == []
    assert result.acknowledged > cycles  # the writer really was killed mid-stream, many times
