"""No dropped frame: the GUI thread's longest stall while the desktop app works (issue 23).

A 5 ms ``QTimer`` heartbeat runs on the GUI thread of the real app (offscreen Qt) on the demo
profile (200 students, 20,000 sessions, calibrated KDF) while it does each action below; every
gap between two beats is kept. A frame at 60 Hz is 16.7 ms, so a gap over 16 ms is a dropped
frame (target: none, i.e. the longest gap <= 16 ms).

Actions, each repeated ``REPS`` times (>= 20), interleaved with an **idle** run of the same
length (the same heartbeat over the same window doing nothing, so the machine's other load shows
up in the baseline too):

* ``save``    — type into a new note's sections and save the draft (``save_draft_now``) until
                the database worker has written it;
* ``sign``    — sign that note, until the editor has closed it;
* ``print``   — preview a handout (built on the DB worker, shown in the PDF view) and paint it
                to a PDF printer (one strip per event-loop turn), until the job finishes;
* ``sync``    — one sync round (prepare, send, record) to a real county server on loopback
                (the note signed just before gives it a month to send);
* ``open``    — open a student (profile, sessions, referrals, trends, follow-ups shown);
* ``roster``  — the roster wizard's check and import of a 10,000-student roster (2,000 with
                ``--quick``) into a fresh vault, until the caseload shows every student.

For each action: ``frames_<action>_max_median_ms`` (median over the runs of each run's longest
gap, ratio to idle's), ``frames_<action>_max_worst_ms`` (the worst run), ``frames_<action>_p99_ms``
(99th percentile of every gap of every run) and ``frames_<action>_over16`` (gaps > 16 ms, all
runs together). ``BENCH_FRAMES_CALLS=1`` adds ``frames_<action>_gui_python_calls_median``
(Python calls and calls from Python into Qt on the GUI thread per run: a count the machine's
load does not change; the timings of such a run are not comparable). ``BENCH_FRAMES_WHERE=1``
also prints where the GUI thread (and the other threads) were during gaps over 12 ms — a
sampling profiler for stalls.

Run: ``python -m bench --only frames [--quick]``. Timings are printed, never asserted.
"""

from __future__ import annotations

import collections
import gc
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
Row = tuple[str, float, str, float | None]
FRAME_MS = 16.0
REPS = 20
ACTIONS = ("save", "sign", "print", "sync", "open", "roster")


class FrameMeter:
    """A 5 ms heartbeat on the GUI thread keeping every gap (seconds) of one run."""

    def __init__(self, where: bool = False) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._beat)
        self.last = 0.0
        self.last_cpu = 0.0
        self.gaps: list[float] = []
        self.cpu: list[float] = []  # GUI-thread CPU time spent within each gap
        self.sampler = StallSampler() if where else None

    def _beat(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.gaps.append(now - self.last)
        self.cpu.append(cpu - self.last_cpu)
        self.last, self.last_cpu = now, cpu
        if self.sampler is not None:
            self.sampler.last_beat = now

    def start(self) -> None:
        self.gaps, self.cpu = [], []
        self.last, self.last_cpu = time.perf_counter(), time.thread_time()
        if self.sampler is not None:
            self.sampler.last_beat = self.last
            self.sampler.active = True
        self.timer.start()

    def stop(self) -> list[float]:
        """Beat 30 ms more first: a stall in the event that ended a step shows at the next beat."""
        settle = time.perf_counter() + 0.03
        spin_until(lambda: time.perf_counter() > settle)
        self.timer.stop()
        if self.sampler is not None:
            self.sampler.active = False
        self.gaps.append(time.perf_counter() - self.last)
        self.cpu.append(time.thread_time() - self.last_cpu)
        return self.gaps


class StallSampler:
    """Samples every thread's stack every 2 ms while the heartbeat is over 12 ms late."""

    def __init__(self) -> None:
        self.last_beat = time.perf_counter()
        self.active = False
        self.main = threading.main_thread().ident
        self.counts: collections.Counter[str] = collections.Counter()
        self.label = ""
        self._gc_start = 0.0
        gc.callbacks.append(self._gc)
        threading.Thread(target=self._run, daemon=True, name="stall-sampler").start()

    def wrap_deliveries(self) -> None:
        """Time every result callback the task manager runs on the GUI thread."""
        from ui.tasks import TaskManager

        original = TaskManager._run_delivery
        sampler = self

        def timed(manager: Any, item: Any) -> None:
            t0 = time.perf_counter()
            original(manager, item)
            took = (time.perf_counter() - t0) * 1000
            if sampler.active and took > 4:
                fn = item[1]
                fn = getattr(fn, "func", fn)
                for cell in getattr(fn, "__closure__", None) or ():
                    inner = cell.cell_contents
                    if callable(inner) and hasattr(inner, "__code__"):
                        fn = inner  # the caller's on_done inside the manager's wrapper
                        break
                code = getattr(fn, "__code__", None)
                where = f"{Path(code.co_filename).name}:{code.co_firstlineno}" if code else fn
                sampler.counts[f"{sampler.label} delivery {where} {took:.0f} ms"] += 1

        TaskManager._run_delivery = timed  # type: ignore[method-assign]

    def _gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
            return
        took = (time.perf_counter() - self._gc_start) * 1000
        if self.active and took > 4:
            who = threading.current_thread().name
            self.counts[f"{self.label} gc gen{info['generation']} {who} {took:.0f} ms"] += 1

    def _run(self) -> None:
        import traceback

        while True:
            time.sleep(0.002)
            if not self.active or time.perf_counter() - self.last_beat < 0.012:
                continue
            names = {t.ident: t.name for t in threading.enumerate()}
            for ident, frame in sys._current_frames().items():
                if names.get(ident) == "stall-sampler":
                    continue
                stack = traceback.extract_stack(frame)[-6:]
                text = " < ".join(
                    f"{Path(f.filename).name}:{f.lineno}:{f.name}" for f in reversed(stack)
                )
                who = "GUI" if ident == self.main else names.get(ident, "?")
                self.counts[f"{self.label} {who}: {text}"] += 1

    def report(self) -> None:
        for line, n in self.counts.most_common(40):
            print(f"# where {n:4d} {line}", flush=True)


def spin_until(condition: Callable[[], bool], timeout: float = 300.0) -> None:
    from ui.tasks import pump_events

    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("bench step did not finish")
        pump_events()
        time.sleep(0.001)


def idle(seconds: float) -> None:
    end = time.perf_counter() + seconds
    spin_until(lambda: time.perf_counter() > end)


def summarize(name: str, runs: list[list[float]], idle_median: float | None) -> list[Row]:
    maxima = [max(gaps) * 1000 for gaps in runs]
    every = sorted(g * 1000 for gaps in runs for g in gaps)
    p99 = every[min(len(every) - 1, int(0.99 * len(every)))]
    median_max = statistics.median(maxima)
    ratio = median_max / idle_median if idle_median else None
    return [
        (f"frames_{name}_max_median_ms", median_max, "ms", ratio),
        (f"frames_{name}_max_worst_ms", max(maxima), "ms", None),
        (f"frames_{name}_p99_ms", p99, "ms", None),
        (f"frames_{name}_over16", float(sum(1 for g in every if g > FRAME_MS)), "gaps", None),
        (f"frames_{name}_runs", float(len(runs)), "runs", None),
    ]


def cpu_rows(name: str, runs: list[list[float]]) -> list[Row]:
    """The GUI thread's own CPU time within its longest-working gap: what the app made it do,
    apart from the time the OS gave the CPU to other processes (this machine is shared)."""
    if not runs:
        return []
    maxima = [max(cpu) * 1000 for cpu in runs]
    return [
        (f"frames_{name}_gui_cpu_max_median_ms", statistics.median(maxima), "ms", None),
        (f"frames_{name}_gui_cpu_max_worst_ms", max(maxima), "ms", None),
    ]


class _CallCounter:
    """A ``sys.setprofile`` hook counting Python calls and calls into C (Qt) on one thread."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, _frame: Any, event: str, _arg: Any) -> None:
        if event == "call" or event == "c_call":
            self.calls += 1


class Measured:
    """Per-action runs, each paired with an idle run of the same length just before it."""

    def __init__(self, meter: FrameMeter) -> None:
        self.meter = meter
        self.runs: dict[str, list[list[float]]] = collections.defaultdict(list)
        self.cpu: dict[str, list[list[float]]] = collections.defaultdict(list)
        self.profiles: list[Any] = []
        self.calls: dict[str, list[int]] = collections.defaultdict(list)

    def measure(self, name: str, action: Callable[[], None]) -> None:
        if self.meter.sampler is not None:
            self.meter.sampler.label = name
        counter = None
        if os.environ.get("BENCH_FRAMES_CALLS") == "1":
            # Python calls (and calls from Python into Qt) on the GUI thread during the run: a
            # count the machine's load does not change (slows the run: not with the timings)
            counter = _CallCounter()
        profile = None
        if name in os.environ.get("BENCH_FRAMES_PROFILE", "").split(","):
            import cProfile

            profile = cProfile.Profile()  # the GUI thread's Python (and Qt calls, as built-ins)
            self.profiles.append(profile)
        self.meter.start()
        t0 = time.perf_counter()
        if profile is not None:
            profile.enable()
        if counter is not None:
            sys.setprofile(counter)
        action()
        if counter is not None:
            sys.setprofile(None)
            self.calls[name].append(counter.calls)
        if profile is not None:
            profile.disable()
        gaps = self.meter.stop()
        length = time.perf_counter() - t0
        self.runs[name].append(gaps)
        self.cpu[name].append(self.meter.cpu)
        if self.meter.sampler is not None:
            self.meter.sampler.label = "idle"
        self.meter.start()  # the idle twin: same heartbeat, same window, nothing to do
        idle(min(max(length, 0.1), 2.0))
        self.runs["idle"].append(self.meter.stop())
        self.cpu["idle"].append(self.meter.cpu)

    def rows(self) -> list[Row]:
        idle_runs = self.runs.get("idle", [])
        base = statistics.median(max(g) * 1000 for g in idle_runs) if idle_runs else None
        rows = summarize("idle", idle_runs, None) if idle_runs else []
        rows += cpu_rows("idle", self.cpu.get("idle", []))
        for name in ACTIONS:
            if self.runs.get(name):
                rows += summarize(name, self.runs[name], base)
                rows += cpu_rows(name, self.cpu[name])
            if self.calls.get(name):
                calls = statistics.median(self.calls[name])
                rows.append((f"frames_{name}_gui_python_calls_median", calls, "calls", None))
        return rows


def demo_window(data: Path) -> tuple[Any, Any]:
    from bench.data import PASSPHRASE, demo_profile
    from ui.app import build_context, build_window

    demo_profile(data, 20_000)
    ctx = build_context(data, settings_path=data / "ui.ini")
    window = build_window(ctx)
    window.resize(1100, 720)
    window.show()
    window.warm_up()
    ctx.tasks.wait_idle(60_000)
    window.unlock_page.passphrase_edit.setText(PASSPHRASE)
    window.unlock_page.try_unlock()
    spin_until(
        lambda: (
            getattr(window, "caseload_page", None) is not None
            and window.caseload_page.model.rowCount() > 0
        )
    )
    ctx.tasks.wait_idle(60_000)
    return ctx, window


def record_actions(m: Measured, ctx: Any, window: Any, reps: int) -> None:
    from PySide6.QtPrintSupport import QPrinter

    from clinician_desk.events import SyncFinished
    from tests.support.county import DEMO_DISTRICT, CountyServer
    from ui.sync_scheduler import sync_gate
    from ui.widgets import confirm

    services = ctx.services
    caseload = services.record.caseload().caseload
    gate = sync_gate(ctx)  # one sync at a time: "Sync now" and the automatic rounds
    editor = window.note_page
    with tempfile.TemporaryDirectory() as tmp:
        county = CountyServer(Path(tmp) / "county")
        county.start()
        try:
            code = county.issue_code((DEMO_DISTRICT,))
            ctx.tasks.call_db_blocking(lambda: services.sync.enroll(county.url, code), 60)
            finished: list[bool] = []
            services.events.subscribe(SyncFinished, lambda _e: finished.append(True))
            # No automatic rounds while measuring: one planned after a sign could send that
            # month before the measured "Sync now" (which then had nothing to send and, without
            # a SyncFinished, left the bench waiting 300 s), or run inside another action's run.
            window.sync_scheduler.stop()
            window.sync_page.activate()
            spin_until(lambda: gate.holder is None and ctx.tasks.pending == 0)
            # a first round sends the whole demo history: not what a clinician's day looks like
            window.sync_page.sync_now()
            spin_until(lambda: gate.holder != "manual" and ctx.tasks.pending == 0)
            for i in range(reps):
                student = caseload[(i * 7) % len(caseload)]

                def open_student(sid: str = student.student_id) -> None:
                    window.student_page.page = None
                    window.open_student(sid)
                    spin_until(
                        lambda: window.student_page.page is not None and ctx.tasks.pending == 0
                    )

                m.measure("open", open_student)
                window.new_note(student.student_id)
                editor.start_note()
                spin_until(lambda: editor.tabs.count() == 1 and ctx.tasks.pending == 0)
                note = editor.current_note()
                assert note is not None

                def save(note: Any = note, i: int = i) -> None:
                    for key, box in note.editors.items():
                        box.setPlainText(f"Fictional {key} text for the bench, round {i}. " * 20)
                    editor.save_draft_now()
                    spin_until(lambda: ctx.tasks.pending == 0)

                m.measure("save", save)

                def sign() -> None:
                    confirm.set_next_answers(True)
                    editor.sign()
                    spin_until(lambda: editor.tabs.count() == 0 and ctx.tasks.pending == 0)

                m.measure("sign", sign)

                def sync() -> None:
                    for _attempt in range(5):
                        finished.clear()
                        window.sync_page.sync_now()
                        if gate.holder == "manual":
                            break
                        # an automatic round (planned after the sign) holds the gate and "Sync
                        # now" said so: wait for it, then sync (this waited 300 s for nothing)
                        spin_until(lambda: gate.holder is None and ctx.tasks.pending == 0)
                    else:
                        raise RuntimeError("Sync now did not start")
                    # the round ends when "Sync now" lets the gate go (sent, nothing to send,
                    # or failed: only a round that sent publishes SyncFinished)
                    spin_until(lambda: gate.holder != "manual" and ctx.tasks.pending == 0)
                    assert finished, "the measured sync sent nothing"

                # not inside the measured run: an automatic round still at work
                spin_until(lambda: gate.holder is None and ctx.tasks.pending == 0)
                m.measure("sync", sync)

                page = window.print_page

                def print_handout(page: Any = page) -> None:
                    page.document_combo.setCurrentIndex(
                        page.document_combo.findData("generic_handout")
                    )
                    page.pdf_bytes = None
                    page.preview()
                    spin_until(lambda: page.preview_button.isEnabled() and ctx.tasks.pending == 0)
                    if page.pdf_bytes is None:
                        raise RuntimeError(f"no preview: {page.message.text()[:200]}")
                    idle(0.05)  # the PDF view paints its first page
                    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
                    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
                    printer.setOutputFileName(str(Path(tmp) / "bench-handout.pdf"))
                    done: list[bool] = []
                    job = page.start_print(printer)
                    job.finished.connect(done.append)
                    spin_until(lambda: bool(done))

                m.measure("print", print_handout)
        finally:
            county.stop()


def roster_actions(m: Measured, reps: int, n: int) -> None:
    from bench.bench_roster_ui import _open_window, synthetic_roster
    from ui.dialogs.roster_import_wizard import RosterImportWizard

    with tempfile.TemporaryDirectory() as tmp:
        roster = Path(tmp) / "roster.csv"
        roster.write_text(synthetic_roster(n), encoding="utf-8")
        for i in range(reps):
            data = Path(tmp) / f"v{i}"
            ctx, window = _open_window(data)
            ctx.tasks.wait_idle(30_000)
            idle(0.2)
            window.import_roster()
            wizard = window.findChild(RosterImportWizard)
            wizard.source_page.file_edit.setText(str(roster))

            def run_import(wizard: Any = wizard, window: Any = window, ctx: Any = ctx) -> None:
                wizard.next()
                spin_until(lambda: not wizard.check_page.cancel_button.isEnabled())
                if not wizard.check_page.isComplete():
                    raise RuntimeError("roster check failed")
                wizard.next()
                spin_until(wizard.import_page.isComplete, 600)
                if wizard.import_page.result is None:
                    raise RuntimeError("roster import failed")
                spin_until(lambda: window.caseload_page.model.rowCount() >= n, 600)
                spin_until(lambda: ctx.tasks.pending == 0)

            m.measure("roster", run_import)
            wizard.accept()
            window.session.lock()
            ctx.tasks.wait_idle(30_000)
            ctx.tasks.shutdown()
            window.close()
            window.deleteLater()
            idle(0.05)


def run(quick: bool) -> list[Row]:
    from PySide6.QtWidgets import QApplication

    from ui import i18n

    i18n.install("en")
    _app = QApplication.instance() or QApplication([])  # kept alive for the whole run
    only = [a for a in os.environ.get("BENCH_FRAMES_ACTIONS", "").split(",") if a]
    reps = int(os.environ.get("BENCH_FRAMES_REPS", REPS))
    meter = FrameMeter(where=os.environ.get("BENCH_FRAMES_WHERE") == "1")
    if meter.sampler is not None:
        meter.sampler.wrap_deliveries()
    m = Measured(meter)
    load_before = os.getloadavg()[0]
    if not only or set(only) - {"roster"}:
        with tempfile.TemporaryDirectory() as tmp:
            ctx, window = demo_window(Path(tmp))
            record_actions(m, ctx, window, reps)
            window.session.lock()
            ctx.tasks.wait_idle(30_000)
            ctx.tasks.shutdown()
            window.close()
    if not only or "roster" in only:
        roster_actions(m, reps, 2_000 if quick else 10_000)
    rows = m.rows()
    rows.append(("frames_load_average", (load_before + os.getloadavg()[0]) / 2, "load", None))
    if meter.sampler is not None:
        meter.sampler.report()
    if m.profiles:
        import pstats

        stats = pstats.Stats(m.profiles[0])
        for extra in m.profiles[1:]:
            stats.add(extra)
        stats.sort_stats(os.environ.get("BENCH_FRAMES_SORT", "tottime")).print_stats(40)
    return rows


if __name__ == "__main__":
    for name, value, unit, ratio in run(quick="--quick" in sys.argv):
        extra = f" ratio={ratio:.3g}" if ratio is not None else ""
        print(f"{name} {value:.4g} {unit}{extra}", flush=True)
