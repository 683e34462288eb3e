"""Soak: a long scripted session leaves no references, objects or dialogs behind.

PySide6 6.12.0 on CPython 3.11 lost one reference to ``None`` per void call and one to
``True``/``False`` per ``emit``; the interpreter aborted ("deallocating None") after about a
clinician's week of use. This test drives the real app (``bench/soak_session.py``) on a small
SQLCipher demo vault: page switches, filtering and selecting in the caseload, signals emitted
from Python, student-page opens, every dialog the app opens (``DIALOGS``: note search, add and
edit student, drafts, addendum, retention, the screening page's safety workflow and clinician
check, the error, integrity and new-recovery-key boxes, a confirmation) and lock/unlock cycles.
Round after round, against a baseline taken after a warm-up in which every page and dialog
was built once, it checks that

* ``sys.getrefcount(None/True/False)`` stay flat (where they are not immortal, i.e. CPython
  3.11; on 3.12+ they cannot be freed);
* the number of objects the garbage collector tracks stays flat;
* no closed dialog is left in the window's object tree.

The window is built but not shown (no painting: the actions cost what the app does, not what
the offscreen platform paints); ``bench/bench_soak.py`` runs 10,000 actions with it shown on a
larger vault. The sqlite3 cursor list of each connection keeps up to ~200 dead weak references
before it prunes them (CPython's own bound), hence the object tolerance.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bench.soak_session import (
    DIALOGS,
    QUICK_ROTATION,
    Counts,
    SoakSession,
    counts,
    make_demo_vault,
    singletons_immortal,
)

WARM_UP = 250  # every page and each of the 12 dialogs built once (3 dialogs per 50 actions)
ROUNDS = 4
ROUND = 300
REFERENCE_TOLERANCE = 250  # growth allowed from the first round to the last; a leak of one
# reference per action grows by 900 over the three rounds after the first (and exceeds
# REFERENCE_GUARD in the first round), a leak of one per three actions by 300, while threads
# caught mid-call add a one-off that does not grow: 112-120 seen in full-suite runs at load 8-15
REFERENCE_GUARD = ROUND
OBJECT_TOLERANCE = 600  # sqlite3's dead cursor weakrefs (<= ~200 per connection) + noise

# pytest-qt keeps every Qt warning of a test for its report (the offscreen platform warns at each
# dialog): that list would grow with the session and is not the app's.
pytestmark = pytest.mark.no_qt_log


@pytest.fixture
def soak(qapp, tmp_path: Path):
    data = tmp_path / "data"
    make_demo_vault(data, students=4, sessions=12, critical_screening=True)
    session = SoakSession(
        data, lock_every=250, rotation=QUICK_ROTATION, dialogs=DIALOGS, visible=False
    )
    session.start()
    yield session
    session.close()


def _settled_counts(session: SoakSession) -> Counts:
    """``counts`` in the session's home state, the lowest of five readings 20 ms apart: other
    threads of the test process (a loopback server, a worker of an earlier test) hold references
    to None/True/False in their running frames for a moment, which only ever adds. A leak stays
    in every reading; a thread caught mid-call does not."""
    readings = [counts(session)]
    for _ in range(4):
        time.sleep(0.02)
        readings.append(counts())

    def low(name: str) -> int | None:
        values = [getattr(r, name) for r in readings]
        return None if values[0] is None else min(values)

    return Counts(low("none"), low("true"), low("false"), min(r.objects for r in readings))


def _dialogs_left(session: SoakSession) -> list[str]:
    from PySide6.QtWidgets import QDialog

    return [type(d).__name__ for d in session.window.findChildren(QDialog)]


@pytest.mark.slow  # 1,450 actions: 12-20 s on 2 shared cores (each action is real app work)
def test_long_session_keeps_reference_and_object_counts_flat(soak: SoakSession) -> None:
    soak.run(WARM_UP)
    base = _settled_counts(soak)
    first: dict[str, int] = {}
    for done in range(1, ROUNDS + 1):
        soak.run(ROUND)
        drift = _settled_counts(soak).drift(base)
        where = f"after {WARM_UP + done * ROUND} actions {dict(soak.done)}: drift {drift}"
        assert _dialogs_left(soak) == [], f"closed dialogs kept {where}"
        first = first or dict(drift)
        for name in ("none", "true", "false"):
            if name in drift:
                assert abs(drift[name]) <= REFERENCE_GUARD, f"{name} refcount {where}"
                grown = drift[name] - first[name]
                assert abs(grown) <= REFERENCE_TOLERANCE, f"{name} grew by {grown} {where}"
        assert abs(drift["objects"]) <= OBJECT_TOLERANCE, f"object count {where}"
    assert soak.done["page"] >= 500 and soak.done["student"] + soak.done["signal"] >= 80
    assert soak.done["signal_ui"] >= 170 and soak.done["dialog"] >= 80 and soak.done["lock"] >= 5


def test_counts_see_a_lost_reference_and_a_kept_object(soak: SoakSession) -> None:
    """The measuring itself works: objects and references kept during a round of actions show
    as drift well beyond the tolerances the soak test allows (after the same warm-up, so the
    first openings' caches are not mistaken for the signal)."""
    soak.run(WARM_UP)
    kept: list[object] = []
    base = counts(soak)
    for _ in range(50):
        soak.act()
        kept.extend([None] for _ in range(20))  # 20 lists holding None per action
    drift = counts(soak).drift(base)
    assert drift["objects"] >= len(kept) - OBJECT_TOLERANCE
    if not singletons_immortal():
        assert drift["none"] >= len(kept) - REFERENCE_TOLERANCE
    else:
        assert "none" not in drift
