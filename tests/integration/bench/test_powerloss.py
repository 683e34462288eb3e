"""The power-loss torture (issue 16, hole 8): with every unsynced write dropped at the kill,
the vault's own settings lose no acknowledged write, while a control with ``synchronous=OFF``
must lose some — proof that the simulation bites (SIGKILL alone never drops the page cache, so
the crash part passed even with ``synchronous=OFF`` patched in). Also: kills really land while
the database opens."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from bench.torture import crash, powerloss

needs_cc = pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("cc") is None,
    reason="the LD_PRELOAD shim needs Linux and a C compiler",
)


@needs_cc
def test_full_sync_loses_nothing_and_the_synchronous_off_control_loses_writes(
    tmp_path: Path,
) -> None:
    outcome = powerloss.run(tmp_path, cycles=12, control_cycles=12)
    figures = {name: value for name, value, _unit, _ratio in outcome.rows}
    assert outcome.breaches == [], outcome.breaches
    assert figures["torture.powerloss_acknowledged_writes"] > 0
    assert figures["torture.powerloss_unsynced_writes_dropped"] > 0  # the shim did drop writes
    assert figures["torture.powerloss_lost_writes"] == 0
    assert figures["torture.powerloss_control_lost_writes"] > 0


@needs_cc
def test_the_crash_part_alone_cannot_see_synchronous_off(tmp_path: Path) -> None:
    """Why the power-loss part exists: plain SIGKILL cycles with synchronous=OFF lose nothing."""
    import random

    from clinician_desk.clock import FakeClock
    from clinician_desk.storage import Database

    key, db_path, student = crash.prepare(tmp_path)
    rng = random.Random(5)
    states: dict[int, crash.NoteState] = {}
    problems: list[str] = []
    acks = 0
    for cycle in range(8):
        data = crash.run_cycle(db_path, key, student, rng, synchronous="OFF")
        acks += crash.record_acks(data, states, problems, cycle)
    db = Database.open(db_path, key, clock=FakeClock())
    try:
        assert crash.check(db, states) == [] and acks > 0
    finally:
        db.close()


def test_kills_are_aimed_at_the_open_path(tmp_path: Path) -> None:
    outcome = crash.run(tmp_path, 40, seed=3)
    figures = {name: value for name, value, _unit, _ratio in outcome.rows}
    assert outcome.breaches == []
    assert figures["torture.crash_kills_during_open"] >= 2


def test_canary_scanner_sees_pdf_streams_lower_case_and_utf16() -> None:
    """Issue 16: the scanner could not see text inside compressed PDF streams or the search
    index's lower-cased tokens."""
    import zlib

    from bench.torture import canary

    word = "QzFICTIONALCANARY"
    pdf = b"1 0 obj stream\n" + zlib.compress(f"BT ({word}) Tj ET".encode()) + b"\nendstream"
    assert canary.find(pdf, word) == ["utf-8 in a PDF stream"]
    assert canary.find(b"tok " + word.lower().encode(), word) == ["lower-cased utf-8"]
    assert "utf-16-be" in canary.find(word.encode("utf-16-be"), word)
    assert canary.find(b"nothing here", word) == []
    assert Path("/tmp") in canary.system_temp_dirs() or not sys.platform.startswith("linux")
