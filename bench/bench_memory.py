"""Memory figures: resident memory of the app after unlocking a 20,000-session vault and
opening 100 students, against a bare PySide6 window showing a table, in the same run.

Each side runs in a fresh Python process (``--child bare`` / ``--child app``), the processes
interleaved (bare, app, app, bare, …) and the figure is the median over them:

* ``memory.bare_table_rss_mb`` — a QApplication with a shown QMainWindow holding a QTableView
  over a 200 × 6 model (the caseload's shape), after the events are processed;
* ``memory.app_rss_mb`` — the desktop app (offscreen Qt) on a private copy of the cached
  200-student × 20,000-session demo profile (``bench/data.py``, KDF calibrated on this
  machine): unlocked, then 100 students opened one after the other on the student page;
  ``ratio`` = app / bare (no target: reported);
* ``memory.app_rss_after_unlock_mb`` — the same process right after unlock (caseload shown),
  and ``memory.app_rss_per_student_kb`` — growth per student opened after that;
* ``memory.python_heap_mb`` — what Python's own allocations hold at the end (tracemalloc, in a
  separate app process: tracing slows it and adds its own memory), with the top allocation sites
  printed as ``#`` lines (where the memory goes).

RSS is read from ``/proc/self/statm`` (Linux). The soak's flatness over 10,000 actions is
``bench_soak`` (``soak_rss_mb_per_1k_actions``).

Run: ``python -m bench --only memory [--quick]`` or ``python -m bench.bench_memory [--quick]``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

Row = tuple[str, float, str, float | None]
STUDENTS_OPENED = 100


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _child_bare() -> dict[str, float]:
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QMainWindow, QTableView

    app = QApplication.instance() or QApplication([])
    model = QStandardItemModel(200, 6)
    for r in range(200):
        for c in range(6):
            model.setItem(r, c, QStandardItem(f"Fictional {r}-{c}"))
    window = QMainWindow()
    table = QTableView()
    table.setModel(model)
    window.setCentralWidget(table)
    window.resize(1100, 720)
    window.show()
    for _ in range(5):
        app.processEvents()
    return {"rss_mb": rss_mb()}


def _child_app(trace: bool) -> dict[str, Any]:
    import tracemalloc

    from PySide6.QtWidgets import QApplication

    from bench import data
    from bench import soak_session as soak
    from ui import i18n

    i18n.install("en")
    _app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        data.demo_profile(Path(tmp), 20_000)
        soak.PASSPHRASE = data.PASSPHRASE  # the cached profile's passphrase
        # Tracing starts after the imports (module code is not what grows) and slows every
        # Python allocation, hence the longer wait for the worker.
        session = soak.SoakSession(Path(tmp), dialogs=(), timeout_ms=600_000 if trace else 30_000)
        if trace:
            tracemalloc.start(1)
        session.start()
        after_unlock = rss_mb()
        ids = session._student_ids
        for i in range(STUDENTS_OPENED):
            session._step = i
            if i >= len(ids):
                raise RuntimeError("the demo vault has fewer students than the bench opens")
            session.open_student()
        end = rss_mb()
        out: dict[str, Any] = {"rss_mb": end, "after_unlock_mb": after_unlock}
        if trace:
            snap = tracemalloc.take_snapshot()
            out["heap_mb"] = tracemalloc.get_traced_memory()[0] / 1e6
            top = snap.statistics("filename")[:12]
            out["top"] = [
                (str(s.traceback[0].filename).split("site-packages/")[-1], s.size / 1e6, s.count)
                for s in top
            ]
        session.close()
    return out


def _run_child(kind: str, trace: bool = False) -> dict[str, Any]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    args = [sys.executable, "-m", "bench.bench_memory", "--child", kind]
    if trace:
        args.append("--trace")
    out = subprocess.run(args, check=True, capture_output=True, text=True, timeout=600, env=env)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run(quick: bool) -> list[Row]:
    procs = 2 if quick else 5
    bare: list[float] = []
    app: list[dict[str, Any]] = []
    for i in range(procs):  # interleaved: a burst of load cannot land on one side only
        for kind in ("bare", "app") if i % 2 == 0 else ("app", "bare"):
            result = _run_child(kind)
            if kind == "bare":
                bare.append(result["rss_mb"])
            else:
                app.append(result)
    traced = _run_child("app", trace=True)
    bare_mb = statistics.median(bare)
    app_mb = statistics.median(r["rss_mb"] for r in app)
    unlock_mb = statistics.median(r["after_unlock_mb"] for r in app)
    per_student = statistics.median(
        (r["rss_mb"] - r["after_unlock_mb"]) / STUDENTS_OPENED * 1000 for r in app
    )
    for path, mb, count in traced["top"]:
        print(f"# memory top: {mb:.2f} MB in {count} blocks from {path}", flush=True)
    return [
        ("memory.bare_table_rss_mb", bare_mb, "MB", None),
        ("memory.app_rss_mb", app_mb, "MB", app_mb / bare_mb),
        ("memory.app_rss_after_unlock_mb", unlock_mb, "MB", unlock_mb / bare_mb),
        ("memory.app_rss_per_student_kb", per_student, "kB", None),
        ("memory.python_heap_mb", traced["heap_mb"], "MB", None),
    ]


def main(argv: list[str]) -> int:
    if "--child" in argv:
        kind = argv[argv.index("--child") + 1]
        result = _child_bare() if kind == "bare" else _child_app("--trace" in argv)
        print(json.dumps(result), flush=True)
        os._exit(0)  # skip Qt's teardown: the figures are out
    for name, value, unit, ratio in run("--quick" in argv):
        extra = f" ratio={ratio:.2f}" if ratio is not None else ""
        print(f"{name} {value:.3f} {unit}{extra}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
