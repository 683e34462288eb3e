"""Roster import through the desktop app's wizard: durations and the GUI thread's longest stall.

* ``ui_roster_dry_run_<n>`` — the wizard's check (read the file, parse and validate every line,
  match each district number against the vault; nothing written) of a synthetic roster of
  ``n`` fictional students, from *Next* to the report shown.
* ``ui_roster_import_<n>`` — *Import* to "N students added" (one transaction, audited, indexed).
* ``ui_stall_roster_<n>`` — the longest gap of a 5 ms QTimer heartbeat over both steps: the work
  runs on the database worker, so the GUI thread should never wait (target <= 100 ms, as for
  save, print and sync in issue 8).
* ``ui_stall_caseload_after_roster_<n>`` — the same, while the caseload page then reloads with
  the ``n`` new students (the caseload page's own load, reported apart).
* ``ui_caseload_reload_gui_<n>`` / ``ui_caseload_sort_gui_<n>`` / ``ui_caseload_filter_gui_<n>`` —
  GUI-thread time (median of 5) of the caseload page taking a reloaded list of ``n`` students
  (model reset, filter, count), of a click on the *School* header, and of typing a filter: what
  the heartbeat above can only sample on a busy machine, measured directly.

A fresh vault (cheap key derivation: the KDF is not what is measured) in a temporary folder;
every name in the roster is fictional. Run: ``python -m bench.bench_roster_ui [--quick]``.
Timings are printed, never asserted.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
Row = tuple[str, float, str, float | None]
HEAD = "Student_Number^Last_Name^First_Name^DOB^Grade_Level^School_CDS^Home_Language\n"


def synthetic_roster(n: int) -> str:
    """A PowerSchool-style export of ``n`` obviously fictional students."""
    grades = ("TK", "K", *[str(g) for g in range(1, 13)])
    lines = [
        f"{i:07d}^Fictional{i}^Pretend^{(i % 12) + 1:02d}/15/{2008 + i % 12}^"
        f"{grades[i % len(grades)]}^99999990000033^{'Spanish' if i % 3 == 0 else 'English'}"
        for i in range(n)
    ]
    return HEAD + "\n".join(lines) + "\n"


def _open_window(data: Path) -> tuple[Any, Any]:
    from bench.bench_ui import _spin_until
    from clinician_desk.vault import create_vault
    from clinician_desk.vault.kdf import KdfParams
    from ui.app import build_context, build_window

    kdf = KdfParams(memory_kib=1024, iterations=1, lanes=1)
    ctx = build_context(data / "data", kdf=kdf, settings_path=data / "ui.ini")
    key, _recovery = create_vault(
        ctx.paths.vault("default"), "bench passphrase, fictional roster", kdf=kdf
    )
    window = build_window(ctx)
    window.resize(1100, 720)
    window.show()
    window.session.open("default", key, create=True)
    _spin_until(lambda: window.stack.currentWidget() is window.workspace)
    return ctx, window


def run(quick: bool) -> list[Row]:
    from PySide6.QtWidgets import QApplication

    from bench.bench_ui import Heartbeat, _spin_until
    from ui import i18n
    from ui.dialogs.roster_import_wizard import RosterImportWizard

    i18n.install("en")
    _app = QApplication.instance() or QApplication([])
    n = 2_000 if quick else 10_000
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        roster = data / "roster.csv"
        roster.write_text(synthetic_roster(n), encoding="utf-8")
        ctx, window = _open_window(data)
        window.import_roster()
        wizard = window.findChild(RosterImportWizard)
        wizard.source_page.file_edit.setText(str(roster))
        beat = Heartbeat()
        beat.start()
        t0 = time.perf_counter()
        wizard.next()
        _spin_until(lambda: not wizard.check_page.cancel_button.isEnabled())
        t1 = time.perf_counter()
        if not wizard.check_page.isComplete():
            raise RuntimeError(wizard.check_page.report_edit.toPlainText()[:500])
        wizard.next()
        _spin_until(wizard.import_page.isComplete, 600)
        t2 = time.perf_counter()
        stall = beat.stop()
        if wizard.import_page.result is None:
            raise RuntimeError(wizard.import_page.result_label.text())
        beat.start()  # the caseload page reloads itself with every imported student
        _spin_until(lambda: window.caseload_page.model.rowCount() >= n, 600)
        refresh_stall = beat.stop()
        rows += _caseload_gui(window.caseload_page, n)
        rows += [
            (f"ui_roster_dry_run_{n}", t1 - t0, "s", None),
            (f"ui_roster_import_{n}", t2 - t1, "s", None),
            (f"ui_stall_roster_{n}", stall * 1000, "ms", None),
            (f"ui_stall_caseload_after_roster_{n}", refresh_stall * 1000, "ms", None),
        ]
        wizard.accept()
        window.session.lock()
        ctx.tasks.wait_idle(30_000)
        ctx.tasks.shutdown()
        window.close()
    return rows


def _median_ms(action: Any, repeat: int = 5) -> float:
    from statistics import median

    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        action()
        times.append(time.perf_counter() - t0)
    return median(times) * 1000


def _caseload_gui(page: Any, n: int) -> list[Row]:
    """GUI-thread cost of a reload, a header click and a filter on ``n`` students."""
    from PySide6.QtCore import Qt

    entries = [page.model.row_at(i) for i in range(page.model.rowCount())]
    order = [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder]
    flips = iter(order * 10)
    texts = iter(["fictional1", ""] * 10)
    reload = _median_ms(lambda: page._loaded(entries))
    sort = _median_ms(lambda: page.table.sortByColumn(1, next(flips)))
    filt = _median_ms(lambda: page.filter_edit.setText(next(texts)))
    page.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    return [
        (f"ui_caseload_reload_gui_{n}", reload, "ms", None),
        (f"ui_caseload_sort_gui_{n}", sort, "ms", None),
        (f"ui_caseload_filter_gui_{n}", filt, "ms", None),
    ]


if __name__ == "__main__":
    for name, value, unit, ratio in run(quick="--quick" in sys.argv):
        extra = f" ratio={ratio:.3g}" if ratio is not None else ""
        print(f"{name} {value:.4g} {unit}{extra}", flush=True)
