"""Soak figures: memory and object counts of a long scripted session of the desktop app.

The real app (offscreen Qt) on a SQLCipher demo vault of 40 students and 400 sessions (fictional
data, cheap key derivation) is driven through ``bench/soak_session.py``: page switches,
student-page opens, students opened by signal, every dialog the app opens (``DIALOGS``) opened
and closed, and a lock/unlock
cycle every 50 actions — 10,000 actions in full mode, 1,000 with ``--quick``. Measured after a
warm-up of 300 actions (the baseline: every page and dialog built once) and at the end:

* ``soak_actions`` and ``soak_seconds`` — how many actions ran, and the wall time they took;
* ``soak_rss_mb_start`` / ``soak_rss_mb_end`` — the process's resident memory (``ratio`` = end
  over start);
* ``soak_rss_mb_per_1k_actions`` — RSS growth per thousand actions after the baseline;
* ``soak_objects_start`` / ``soak_objects_end`` — objects tracked by the garbage collector
  (``ratio`` = end over start);
* ``soak_refcount_none_drift`` / ``_true_drift`` / ``_false_drift`` — how far the reference
  counts of ``None``/``True``/``False`` moved (absent where they are immortal, CPython >= 3.12).

Run: ``python -m bench.bench_soak [--quick]``. Figures are printed, never asserted; the pass/fail
check is ``tests/ui/test_soak.py``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
Row = tuple[str, float, str, float | None]
WARM_UP = 300  # every page and each of the 12 dialogs built once (2 dialogs in 40 actions)


def rss_mb() -> float:
    """Resident set size of this process (Linux /proc; ru_maxrss elsewhere, a peak)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 1e6 if sys.platform == "darwin" else peak / 1e3


def run(quick: bool) -> list[Row]:
    from PySide6.QtWidgets import QApplication

    from bench.soak_session import DIALOGS, SoakSession, counts, make_demo_vault
    from ui import i18n

    actions = 1_000 if quick else 10_000
    i18n.install("en")
    _app = QApplication.instance() or QApplication([])  # kept alive for the whole run
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        data = Path(tmp)
        make_demo_vault(data, students=40, sessions=400, critical_screening=True)
        session = SoakSession(data, lock_every=50, dialogs=DIALOGS)
        session.start()
        try:
            session.run(WARM_UP)
            start, rss_start = counts(session), rss_mb()
            t0 = time.perf_counter()
            session.run(actions)
            seconds = time.perf_counter() - t0
            end, rss_end = counts(session), rss_mb()
        finally:
            session.close()
    rows: list[Row] = [
        ("soak_actions", float(actions), "actions", None),
        ("soak_seconds", seconds, "s", None),
        ("soak_rss_mb_start", rss_start, "MB", None),
        ("soak_rss_mb_end", rss_end, "MB", rss_end / rss_start),
        ("soak_rss_mb_per_1k_actions", (rss_end - rss_start) / actions * 1000, "MB", None),
        ("soak_objects_start", float(start.objects), "objects", None),
        ("soak_objects_end", float(end.objects), "objects", end.objects / start.objects),
    ]
    for name, drift in end.drift(start).items():
        if name != "objects":
            rows.append((f"soak_refcount_{name}_drift", float(drift), "refs", None))
    for name, count in sorted(session.done.items()):
        rows.append((f"soak_done_{name}", float(count), "actions", None))
    return rows


if __name__ == "__main__":
    for name, value, unit, ratio in run("--quick" in sys.argv[1:]):
        extra = f" ratio={ratio:.3f}" if ratio is not None else ""
        print(f"{name} {value:g} {unit}{extra}")
