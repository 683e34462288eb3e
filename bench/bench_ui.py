"""Desktop-app figures: cold start, unlock to caseload, and event-loop stalls.

* ``ui_cold_start_to_unlock`` — a fresh process until the unlock window is shown, against a bare
  PySide6 process showing an empty window (ratio; medians of several subprocess runs; target
  <= 1.5).
* ``ui_unlock_to_caseload_20k`` — passphrase submitted to the caseload shown, on a demo vault of
  200 students and 20,000 sessions, key derivation included (target <= 1.5 s).
* ``ui_stall_{save,print,sync}`` — the longest gap of a 5 ms QTimer heartbeat while the app saves
  drafts and signs notes, prints a document, and runs a sync round against a real county server
  process on loopback (target <= 100 ms).

Run: ``python -m bench.bench_ui`` (offscreen Qt). Timings are printed, never asserted.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
PASSPHRASE = "bench passphrase, fictional vault"
Row = tuple[str, float, str, float | None]


# -- child processes for the cold-start figure ------------------------------------------------
def _child_bare() -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication([])
    window = QWidget()
    window.resize(800, 600)
    window.show()
    QTimer.singleShot(0, lambda: (print(f"SHOWN {time.process_time()}", flush=True), app.quit()))
    app.exec()


def _child_app(data_dir: str) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ui import i18n
    from ui.app import build_context, build_window

    i18n.install("en")
    app = QApplication([])
    ctx = build_context(data_dir, settings_path=Path(data_dir) / "ui.ini")
    window = build_window(ctx)
    window.resize(1100, 720)
    window.show()
    assert window.stack.currentWidget() is window.unlock_page
    QTimer.singleShot(0, lambda: (print(f"SHOWN {time.process_time()}", flush=True), app.quit()))
    app.exec()
    ctx.tasks.shutdown()


def _time_child(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds until the child's window is shown, and the CPU seconds it had used then."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_ui", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("SHOWN"):
            elapsed = time.perf_counter() - start
            cpu = float(line.split()[1])
            break
    else:
        raise RuntimeError(f"child {args} never showed its window")
    proc.wait(timeout=60)
    return elapsed, cpu


def _make_vault(data_dir: Path, *, students: int = 0, sessions: int = 0, kdf: Any = None) -> None:
    from clinician_desk.bootstrap import build_services
    from clinician_desk.clock import SystemClock
    from clinician_desk.config import AppPaths
    from clinician_desk.demo.generator import generate_demo
    from clinician_desk.vault import create_vault

    paths = AppPaths.from_option(data_dir).vault("default")
    key, _recovery = (
        create_vault(paths, PASSPHRASE, kdf=kdf) if kdf else create_vault(paths, PASSPHRASE)
    )
    services = build_services(paths, key, SystemClock(), create=True)
    if students:
        generate_demo(services.db, students=students, sessions=sessions)
    services.close()


def cold_start(runs: int) -> list[Row]:
    from clinician_desk.vault.kdf import KdfParams

    with tempfile.TemporaryDirectory() as tmp:
        _make_vault(Path(tmp), kdf=KdfParams(memory_kib=1024, iterations=1, lanes=1))
        # Warm the OS file cache for both. The warm-up may write bytecode, as any first launch
        # of an installed app does (PySide6's own modules have theirs since pip installed them);
        # with PYTHONDONTWRITEBYTECODE set, every timed start would compile the app's sources.
        first_launch = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        _time_child(["--child", "bare"], first_launch)
        _time_child(["--child", "app", tmp], first_launch)
        bare_runs, app_runs = [], []
        for _ in range(runs):  # interleaved, so a change of machine load hits both alike
            bare_runs.append(_time_child(["--child", "bare"]))
            app_runs.append(_time_child(["--child", "app", tmp]))
    bare, bare_cpu = (statistics.median(r[i] for r in bare_runs) for i in (0, 1))
    app, app_cpu = (statistics.median(r[i] for r in app_runs) for i in (0, 1))
    return [
        ("ui_bare_pyside6_window_shown", bare, "s", None),
        ("ui_cold_start_to_unlock", app, "s", app / bare),
        # CPU used until shown (all threads): less sensitive to other load than wall time
        ("ui_bare_pyside6_window_cpu", bare_cpu, "s", None),
        ("ui_cold_start_cpu_to_unlock", app_cpu, "s", app_cpu / bare_cpu),
    ]


# -- in-process figures -----------------------------------------------------------------------
class Heartbeat:
    """A 5 ms QTimer; ``max_gap`` is the longest time the GUI thread did not run it."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._beat)
        self.last = 0.0
        self.max_gap = 0.0

    def _beat(self) -> None:
        now = time.perf_counter()
        self.max_gap = max(self.max_gap, now - self.last)
        self.last = now

    def start(self) -> None:
        self.last = time.perf_counter()
        self.max_gap = 0.0
        self.timer.start()

    def stop(self) -> float:
        """Keep beating 30 ms more, then stop: a stall in the very event that ended a step is
        only seen at the next beat, so stopping at once would miss it (it did, for a while)."""
        settle = time.perf_counter() + 0.03
        _spin_until(lambda: time.perf_counter() > settle)
        self.timer.stop()
        return self.max_gap


def _spin_until(condition: Any, timeout: float = 120.0) -> None:
    from ui.tasks import pump_events

    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("bench step did not finish")
        pump_events()
        time.sleep(0.001)


def in_process(quick: bool) -> list[Row]:
    from PySide6.QtWidgets import QApplication

    from ui import i18n
    from ui.app import build_context, build_window

    i18n.install("en")
    _app = QApplication.instance() or QApplication([])  # kept alive for the whole run
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        # bench/data.py: the same demo profile (200 students, 20,000 sessions, seed 7,
        # calibrated KDF, as on a laptop), built once and cached
        from bench.data import PASSPHRASE as DEMO_PASSPHRASE
        from bench.data import demo_profile

        assert DEMO_PASSPHRASE == PASSPHRASE
        demo_profile(data, 20_000, seed=7)
        ctx = build_context(data, settings_path=data / "ui.ini")
        window = build_window(ctx)
        window.resize(1100, 720)
        window.show()
        # As in ui.app.main: the warm-up runs while the clinician types the passphrase.
        window.warm_up()
        ctx.tasks.wait_idle(60_000)
        unlock = window.unlock_page
        unlock.passphrase_edit.setText(PASSPHRASE)
        t0 = time.perf_counter()
        unlock.try_unlock()
        _spin_until(  # the workspace (caseload page) is built once the vault is open
            lambda: (
                getattr(window, "caseload_page", None) is not None
                and window.caseload_page.model.rowCount() > 0
            )
        )
        rows.append(("ui_unlock_to_caseload_20k", time.perf_counter() - t0, "s", None))
        rows += stalls(window, ctx, quick)
        window.session.lock()
        ctx.tasks.wait_idle(30_000)
        ctx.tasks.shutdown()
        window.close()
    return rows


def stalls(window: Any, ctx: Any, quick: bool) -> list[Row]:
    from PySide6.QtPrintSupport import QPrinter

    rows: list[Row] = []
    beat = Heartbeat()
    services = ctx.services
    overview = services.record.caseload()
    student = overview.caseload[0]
    # Save: the note editor's path — document a session, autosave drafts, sign.
    window.open_student(student.student_id)
    _spin_until(lambda: window.student_page.page is not None)
    editor = window.note_page
    beat.start()
    for _ in range(5 if quick else 20):
        window.new_note(student.student_id)
        editor.start_note()
        _spin_until(lambda: editor.tabs.count() == 1)
        note = editor.current_note()
        for key, box in note.editors.items():
            box.setPlainText(f"Fictional {key} text for the bench. " * 20)
        editor.save_draft_now()
        from ui.widgets import confirm

        confirm.set_next_answers(True)
        editor.sign()
        _spin_until(lambda: editor.tabs.count() == 0)
    ctx.tasks.wait_idle(60_000)
    rows.append(("ui_stall_save", beat.stop() * 1000, "ms", None))
    # Print: build a handout on the worker, preview it, paint it to a PDF printer.
    page = window.print_page
    page.document_combo.setCurrentIndex(page.document_combo.findData("generic_handout"))
    beat.start()
    page.preview()
    _spin_until(lambda: page.pdf_bytes is not None)
    with tempfile.TemporaryDirectory() as tmp:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(Path(tmp) / "bench-handout.pdf"))
        done: list[bool] = []
        job = page.start_print(printer)
        job.finished.connect(done.append)
        _spin_until(lambda: bool(done))
    rows.append(("ui_stall_print", beat.stop() * 1000, "ms", None))
    # Sync: enroll with a real county server on loopback, then one round through the sync
    # page (prepare on the DB worker, send on the network pool, record on the DB worker).
    from tests.support.county import DEMO_DISTRICT, CountyServer

    with tempfile.TemporaryDirectory() as tmp:
        county = CountyServer(Path(tmp) / "county")
        county.start()
        try:
            code = county.issue_code((DEMO_DISTRICT,))
            ctx.tasks.call_db_blocking(lambda: services.sync.enroll(county.url, code), 60)
            sync_page = window.sync_page
            sync_page.activate()
            ctx.tasks.wait_idle(30_000)
            from clinician_desk.events import SyncFinished

            finished: list[bool] = []
            services.events.subscribe(SyncFinished, lambda _e: finished.append(True))
            beat.start()
            sync_page.sync_now()
            _spin_until(lambda: bool(finished) and ctx.tasks.pending == 0, 120)
            rows.append(("ui_stall_sync", beat.stop() * 1000, "ms", None))
            sent = sum(1 for p in services.sync.status().periods if p.acked_revision > 0)
            rows.append(("ui_sync_round_months_acked", float(sent), "months", None))
        finally:
            county.stop()
    return rows


def run(quick: bool) -> list[Row]:
    rows = cold_start(3 if quick else 7)
    rows += in_process(quick)
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        if sys.argv[2] == "bare":
            _child_bare()
        else:
            _child_app(sys.argv[3])
    else:
        for name, value, unit, ratio in run(quick="--quick" in sys.argv):
            extra = f" ratio={ratio:.3g}" if ratio is not None else ""
            print(f"{name} {value:.4g} {unit}{extra}", flush=True)
