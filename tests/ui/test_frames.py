"""No dropped frame (issue 23): work that used to run on the GUI thread now runs elsewhere, the
GUI thread keeps running its timers meanwhile, and a failure there reaches the clinician as a
clear message with nothing lost. Counts and threads only — speed is measured in
bench/bench_frames.py."""

from __future__ import annotations

import sys
import threading

from PySide6.QtCore import QTimer
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QTableView

from clinician_desk.reports.handout import render_handout
from ui import print_job
from ui.models.rows_model import RowsTableModel
from ui.tasks import SWITCH_INTERVAL, TaskManager
from ui.widgets.tables import SAMPLE_ROWS, configure_table, fit_columns


def _pdf_printer(path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


def test_printing_paints_on_the_render_thread_while_the_gui_timer_keeps_firing(
    qtbot, tmp_path, monkeypatch
):
    from pypdf import PdfReader

    painted_on: set[str] = set()
    ticks_during: list[int] = []
    original = print_job._paint_page

    def spy(document, page, printer, painter, control):
        painted_on.add(threading.current_thread().name)
        original(document, page, printer, painter, control)

    monkeypatch.setattr(print_job, "_paint_page", spy)
    tasks = TaskManager()
    ticks = [0]
    heartbeat = QTimer()
    heartbeat.setInterval(0)
    heartbeat.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    out = tmp_path / "printed.pdf"  # a generic handout: no student data
    job = print_job.PrintJob(render_handout("anxiety", "en"), _pdf_printer(out), tasks=tasks)
    job.progress.connect(lambda _done, _total: ticks_during.append(ticks[0]))
    heartbeat.start()
    with qtbot.waitSignal(job.finished, timeout=60_000) as blocker:
        job.start()
    heartbeat.stop()
    assert blocker.args == [True]
    assert painted_on and all(name.startswith("clinician-desk-render") for name in painted_on)
    assert threading.main_thread().name not in painted_on
    assert len(ticks_during) == job.page_count  # one progress per page, delivered on the GUI
    assert ticks[0] > 0  # the GUI thread ran its own timer while the pages were painted
    assert len(PdfReader(str(out)).pages) == job.page_count
    tasks.shutdown()


def test_a_printer_that_cannot_open_says_so_and_the_job_ends(qtbot, tmp_path):
    tasks = TaskManager()
    printer = _pdf_printer(tmp_path / "no such folder" / "out.pdf")
    job = print_job.PrintJob(render_handout("sleep", "en"), printer, tasks=tasks)
    with qtbot.waitSignal(job.finished, timeout=30_000) as blocker:
        job.start()
    assert blocker.args == [False]
    assert "printer could not be opened" in job.error_message
    assert not (tmp_path / "no such folder").exists()
    tasks.shutdown()


def test_cancel_during_printing_aborts_on_the_render_thread(qtbot, tmp_path, monkeypatch):
    tasks = TaskManager()
    out = tmp_path / "cancelled.pdf"
    job = print_job.PrintJob(render_handout("sleep", "en"), _pdf_printer(out), tasks=tasks)
    real = print_job._paint_page
    painted_on: list[threading.Thread] = []

    def cancel_then_paint(*args, **kwargs):  # type: ignore[no-untyped-def]
        # The cancel arrives while the render thread is inside the document (deterministic:
        # cancelling from the GUI on the progress signal raced a one-page handout's end).
        painted_on.append(threading.current_thread())
        job.cancel()
        return real(*args, **kwargs)

    monkeypatch.setattr(print_job, "_paint_page", cancel_then_paint)
    with qtbot.waitSignal(job.finished, timeout=60_000) as blocker:
        job.start()
    assert blocker.args == [False]
    assert job.error_message == ""  # cancelled, not failed
    assert painted_on and painted_on[0] is not threading.main_thread()
    assert len(painted_on) == 1  # stopped at the first strip, no further page painted
    tasks.shutdown()


def test_print_centre_shows_the_printers_refusal_and_keeps_the_preview(
    qtbot, unlocked_window, tmp_path
):
    window = unlocked_window
    page = window.print_page
    window._go(page)
    page.document_combo.setCurrentIndex(page.document_combo.findData("generic_handout"))
    page.preview()
    qtbot.waitUntil(lambda: page.pdf_bytes is not None, timeout=30_000)
    kept = page.pdf_bytes
    job = page.start_print(_pdf_printer(tmp_path / "missing" / "out.pdf"))
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    qtbot.waitUntil(lambda: "printer could not be opened" in page.message.text(), timeout=5_000)
    assert page.pdf_bytes == kept and page.print_button.isEnabled()


def test_the_task_manager_hands_the_gil_back_to_the_gui_thread_quickly():
    previous = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)  # CPython's default
        tasks = TaskManager()
        assert sys.getswitchinterval() <= SWITCH_INTERVAL
        tasks.shutdown()
    finally:
        sys.setswitchinterval(previous)


class _CountingModel(RowsTableModel):
    def __init__(self, rows) -> None:
        super().__init__([("Name", lambda r: r[0]), ("School", lambda r: r[1])])
        self.roles: list[int] = []
        self.set_rows(rows)

    def data(self, index, role=0):
        self.roles.append(int(role))
        return super().data(index, role)


def test_fit_columns_reads_only_the_text_of_the_sampled_rows(qtbot):
    rows = [(f"Fictional{i}", "School") for i in range(500)]
    rows[3] = ("A much longer fictional student name than the rest", "School")
    model = _CountingModel(rows)
    view = configure_table(QTableView(), "t", "t")
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(600, 300)
    model.roles.clear()
    fit_columns(view)
    # display text and decoration per sampled cell, plus one delegate size hint (~10 roles) to
    # learn the padding; Qt's sampled fit asked ~10 roles for every visible and sampled cell
    assert len(model.roles) <= 2 * 2 * SAMPLE_ROWS + 12
    widest = view.fontMetrics().horizontalAdvance(rows[3][0])
    assert view.columnWidth(0) > widest


def test_signed_notes_leave_no_hidden_editor_behind(qtbot, unlocked_window):
    """Each closed note's widgets were kept as hidden children for ever, lengthening the focus
    chain every later Tab walked (and the GUI-thread stall after each signing)."""
    from tests.support.ui import add_students
    from ui.pages.note_editor_page import NoteSectionsWidget
    from ui.widgets import confirm

    window = unlocked_window
    (a,) = add_students(window, [("Testy", "McFakeface")])
    editor = window.note_page
    for round_ in range(3):
        window.open_student(a)
        qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)
        window.new_note(a)
        editor.start_note()
        qtbot.waitUntil(lambda: editor.tabs.count() == 1, timeout=20_000)
        note = editor.current_note()
        note.editors["subjective"].setPlainText(f"Fictional words, round {round_}.")
        confirm.set_next_answers(True)
        editor.sign()
        qtbot.waitUntil(lambda: editor.tabs.count() == 0, timeout=20_000)
        qtbot.waitUntil(lambda: not editor.findChildren(NoteSectionsWidget), timeout=5_000)
    assert window.ctx.tasks.wait_idle()
    services = window.ctx.services
    page = window.ctx.tasks.call_db_blocking(lambda: services.record.student_page(a))
    assert sum(1 for s in page.sessions if s.note_status == "signed") == 3  # nothing lost


def test_a_caseload_reload_makes_no_python_call_per_student(qtbot):
    """The proxy called a Python ``filterAcceptsRow`` per row on each reload (10,000 calls for
    a 10,000-student roster, even with no filter typed); the model now filters its own list."""
    from ui.models.caseload_model import CaseloadTableModel, caseload_entry
    from ui.pages.caseload_page import CaseloadFilterProxyModel

    rows = [
        caseload_entry(i, f"Fictional{i} Pretend", "School", "5", "1", "", (), "", f"{i:07d}")
        for i in range(3000)
    ]
    model = CaseloadTableModel()
    proxy = CaseloadFilterProxyModel()
    proxy.setSourceModel(model)
    view = configure_table(QTableView(), "t", "t")
    qtbot.addWidget(view)
    view.setModel(proxy)
    calls = [0]

    def count(_frame, event, _arg):
        if event == "call":
            calls[0] += 1

    sys.setprofile(count)
    try:
        model.set_rows(rows)
    finally:
        sys.setprofile(None)
    assert proxy.rowCount() == 3000
    assert calls[0] < 100  # a handful of calls, however many students
    proxy.setFilterFixedString("fictional2999")
    assert proxy.rowCount() == 1 and proxy.index(0, 0).data() == "Fictional2999 Pretend"
    proxy.setFilterFixedString("")
    assert proxy.rowCount() == 3000 and model.total() == 3000
