"""No dropped frame (issue 23): work that used to run on the GUI thread now runs elsewhere, the
GUI thread keeps running its timers meanwhile, and a failure there reaches the clinician as a
clear message with nothing lost. Counts and threads only — speed is measured in
bench/bench_frames.py."""

from __future__ import annotations

import itertools
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


def test_a_cancel_before_the_print_job_has_its_handle_is_not_lost(qtbot, tmp_path, monkeypatch):
    """The print-cancel test above failed now and then on a loaded machine: its cancel (from the
    render thread's first page) could come before ``run_render`` had returned the job's handle,
    and ``cancel()`` had no control to tell. Here the handle is held back until the cancel has
    happened, every time."""
    import threading as _threading

    tasks = TaskManager()
    out = tmp_path / "cancelled-early.pdf"
    job = print_job.PrintJob(render_handout("sleep", "en"), _pdf_printer(out), tasks=tasks)
    real_paint, real_run = print_job._paint_page, tasks.run_render
    cancelled = _threading.Event()

    def cancel_then_paint(*args, **kwargs):  # type: ignore[no-untyped-def]
        job.cancel()
        cancelled.set()
        return real_paint(*args, **kwargs)

    def slow_handle(*args, **kwargs):  # type: ignore[no-untyped-def]
        handle = real_run(*args, **kwargs)
        assert cancelled.wait(30)  # the cancel came before the handle was returned
        return handle

    monkeypatch.setattr(print_job, "_paint_page", cancel_then_paint)
    monkeypatch.setattr(tasks, "run_render", slow_handle)
    with qtbot.waitSignal(job.finished, timeout=60_000) as blocker:
        job.start()
    assert blocker.args == [False]


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


def test_fit_columns_reads_a_rows_models_texts_without_a_data_call_per_cell(qtbot, monkeypatch):
    """A student page's sessions fit asked ``data()`` twice per sampled cell (40 rows x 6
    columns: ~480 calls through Qt and back, a load step of its own in the open's and the
    sign's stalls). The shared rows models hand the sampled texts over in one call
    (``fit_sample``) — the same widths; the caseload's pass-through proxy, the flagged rows'
    icon and an unknown model keep working."""
    from ui.models.caseload_model import CaseloadTableModel, caseload_entry
    from ui.pages.caseload_page import CaseloadFilterProxyModel
    from ui.widgets.flagged_rows import FlaggedRowsTableModel

    rows = [
        (f"2026-0{1 + i % 9}-1{i % 10}", f"Service {i}" * (1 + i % 3), i % 4) for i in range(90)
    ]
    columns = [("Date", lambda r: r[0]), ("Service", lambda r: r[1]), ("Tier", lambda r: r[2])]
    caseload = CaseloadTableModel()
    caseload.set_rows(
        [
            caseload_entry(
                i,
                f"Fictional{i} Pretend",
                "School",
                "5",
                "1",
                "",
                ("Safety follow-up",) if i % 5 == 0 else (),
                "",
                f"{i:07d}",
            )
            for i in range(90)
        ]
    )
    proxy = CaseloadFilterProxyModel()
    proxy.setSourceModel(caseload)
    models = [
        RowsTableModel(columns),
        FlaggedRowsTableModel(columns, lambda r: r[2] == 3),
        proxy,
    ]
    models[0].set_rows(rows)
    models[1].set_rows(rows)
    data_codes = {
        RowsTableModel.data.__code__,
        FlaggedRowsTableModel.data.__code__,
        CaseloadTableModel.data.__code__,
    }
    for model in models:
        view = configure_table(QTableView(), "t", "t")
        qtbot.addWidget(view)
        view.setModel(model)
        view.resize(700, 300)
        calls = [0]

        def count(frame, event, _arg, calls=calls):
            if event == "call" and frame.f_code in data_codes:
                calls[0] += 1

        sys.setprofile(count)
        try:
            fit_columns(view)
        finally:
            sys.setprofile(None)
        fast = [view.columnWidth(c) for c in range(model.columnCount())]
        assert calls[0] <= 30, type(model).__name__  # the padding's one cell, not every cell
        source = model.sourceModel() if model is proxy else model
        monkeypatch.setattr(source, "fit_sample", lambda _n: None)  # Qt's way round
        for c in range(model.columnCount()):
            view.setColumnWidth(c, 10)
        fit_columns(view)
        assert [view.columnWidth(c) for c in range(model.columnCount())] == fast
        monkeypatch.undo()


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


def test_a_sorted_caseload_reload_is_sorted_on_the_worker_not_the_gui_thread(qtbot):
    """The caseload is shown sorted (by Student, or the header the clinician clicked); the
    reload sorted its 10,000 rows on the GUI thread (a Python key call per student, seen by the
    stall sampler in the roster import's longest stall). The worker now sorts them in the order
    the model had when the load was asked for; a model whose order changed meanwhile (a header
    clicked during the load) sorts them itself."""
    from PySide6.QtCore import Qt

    from ui.models.caseload_model import CaseloadTableModel, caseload_entry, sort_entries
    from ui.pages.caseload_page import CaseloadFilterProxyModel

    def fresh():
        return [
            caseload_entry(
                i,
                f"Fictional{(i * 7919) % 3000:04d} Pretend",
                "School",
                "5",
                "1",
                "",
                (),
                "",
                f"{i:07d}",
            )
            for i in range(3000)
        ]

    model = CaseloadTableModel()
    proxy = CaseloadFilterProxyModel()
    proxy.setSourceModel(model)
    view = configure_table(QTableView(), "t", "t")
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    order = model.order()
    assert order == (0, True)
    rows = sort_entries(fresh(), order)  # on the worker
    calls = [0]

    def count(_frame, event, _arg):
        if event == "call":
            calls[0] += 1

    sys.setprofile(count)
    try:
        model.set_rows(rows, sorted_by=order)
    finally:
        sys.setprofile(None)
    assert calls[0] < 100  # a handful of calls, however many students
    names = [proxy.index(r, 0).data() for r in range(proxy.rowCount())]
    assert names == sorted(names, reverse=True) and len(names) == 3000
    # the clinician sorted by Student ID while a load sorted by name was on its way
    view.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    model.set_rows(sort_entries(fresh(), order), sorted_by=order)
    numbers = [proxy.index(r, 2).data() for r in range(proxy.rowCount())]
    assert numbers == sorted(numbers)
    model.set_rows(fresh())  # rows of unknown order are sorted by the model, as before
    assert [proxy.index(r, 2).data() for r in range(3000)] == numbers


def test_opening_a_student_is_spread_over_event_loop_turns_with_the_summary_first(
    qtbot, unlocked_window, monkeypatch
):
    """StudentPage._loaded reset both tables, fitted both, set the profile and the summary in one
    slot (~20 ms of GUI CPU): now each part is its own posted step, and a GUI timer fires
    between them. ``page.page`` is set by the last step, so "loaded" still means everything."""
    from tests.support.visual import fill_demo, first_student_id

    window = unlocked_window
    fill_demo(window, students=4, sessions=30)
    student = first_student_id(window)
    page = window.student_page
    ticks = [0]
    heartbeat = QTimer()
    heartbeat.setInterval(0)
    heartbeat.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    seen: list[tuple[str, int]] = []
    set_facts = page.summary.set_facts

    def facts_spy(facts):
        seen.append(("summary", ticks[0]))
        set_facts(facts)

    page.summary.set_facts = facts_spy
    # what is shown (the clears of a previous student's rows are not)
    for what, model in (("sessions", page.sessions_model), ("referrals", page.referrals_model)):
        model.modelReset.connect(
            lambda what=what, model=model: model.rowCount() and seen.append((what, ticks[0]))
        )
    page.profile.textChanged.connect(
        lambda: page.profile.toPlainText() and seen.append(("profile", ticks[0]))
    )
    from ui.pages import student_page

    real_fit = student_page.fit_columns

    def fit_spy(view):
        if view is page.sessions_view:
            seen.append(("fit", ticks[0]))
        real_fit(view)

    monkeypatch.setattr(student_page, "fit_columns", fit_spy)
    heartbeat.start()
    window.open_student(student)
    qtbot.waitUntil(lambda: page.page is not None, timeout=20_000)
    heartbeat.stop()
    assert page.sessions_model.rowCount() > 0 and page.summary.facts  # everything shown
    first = {}
    for what, tick in seen:
        first.setdefault(what, tick)
    # the summary comes first, then the profile, each table and the fit, each on a later turn
    # (the demo's students may have no referral: that table's reset is not looked for)
    order = ["summary", "profile", "sessions", "fit"]
    assert all(what in first for what in order), seen
    turns = [first[what] for what in order]
    assert turns == sorted(turns) and len(set(turns)) == len(turns), str(seen)


def test_a_cleared_student_page_stops_its_pending_load(qtbot, unlocked_window):
    """The load's later steps must not fill the page after it was cleared (locking, another
    student) — nothing of a student shows on a page that was emptied."""
    from tests.support.visual import fill_demo, first_student_id

    window = unlocked_window
    fill_demo(window, students=4, sessions=30)
    student = first_student_id(window)
    page = window.student_page
    services = window.ctx.services
    loaded = window.ctx.tasks.call_db_blocking(lambda: services.record.student_page(student))
    page.student_id = student
    page._loaded(loaded)
    page.clear()
    for _ in range(20):
        qtbot.wait(5)
    assert page.page is None
    assert page.sessions_model.rowCount() == 0 and page.referrals_model.rowCount() == 0
    assert page.profile.toPlainText() == "" and not page.summary.facts


def test_opening_another_student_forgets_the_previous_page_at_once(qtbot, unlocked_window):
    """``page`` is "this student's page is shown": while another student's load is on its way
    (a database round trip, then the load steps) the previous student's page must not answer
    for it — the kiosk test waited for ``page`` after a lock, found the previous student's,
    and clicked Screening between the new load's first step (buttons off) and its last. Nothing
    acts on a student whose page is not shown: the record buttons are off until it is."""
    from tests.support.day import fictional_student

    window = unlocked_window
    first = fictional_student(window, "Former")
    second = fictional_student(window, "Latter")
    page = window.student_page
    window.open_student(first)
    qtbot.waitUntil(lambda: page.page is not None, timeout=20_000)
    assert page.screening_button.isEnabled()
    window.open_student(second)  # no event-loop turn yet: the new load has not arrived
    assert page.page is None and page.shown_page is None
    assert not page.screening_button.isEnabled() and not page.new_note_button.isEnabled()
    # no record action pairs one student's id with another's name
    assert page.record_actions._student() is None
    qtbot.waitUntil(lambda: page.page is not None, timeout=20_000)
    assert page.page.student.id == second and page.student_id == second
    assert page.screening_button.isEnabled()
    assert "Latter" in page.header.text()
    window.open_student(second)  # a reload of the same student keeps its page meanwhile
    assert page.page is not None and page.screening_button.isEnabled()
    window.ctx.tasks.wait_idle(20_000)


def test_a_load_that_arrives_after_the_page_was_cleared_does_not_refill_it(qtbot, unlocked_window):
    """Locking clears every page (a lock hook); a student load asked for just before (the
    kiosk's refused route to the student page asks for one) was delivered after the clear and
    filled the cleared page again — a student's name and rows behind the lock screen, and
    ``page`` set for a page with no ``student_id``. A load is shown only for the student the
    page is showing, and a cleared page shows none."""
    from tests.support.day import fictional_student

    window = unlocked_window
    sid = fictional_student(window, "Hidden")
    page = window.student_page
    window.open_student(sid)  # the load is on the worker: not delivered yet
    page.clear()  # what the lock hook does
    window.ctx.tasks.wait_idle(20_000)
    for _ in range(10):
        qtbot.wait(5)
    assert page.page is None and page.shown_page is None and page.student_id is None
    assert "Hidden" not in page.header.text()
    assert page.sessions_model.rowCount() == 0 and page.profile.toPlainText() == ""
    # a load for another student than the one asked for last is not shown either
    other = fictional_student(window, "Other")
    window.open_student(sid)
    window.open_student(other)
    qtbot.waitUntil(lambda: page.page is not None, timeout=20_000)
    window.ctx.tasks.wait_idle(20_000)
    assert page.page.student.id == other and "Other" in page.header.text()


def _focus_window(qtbot):
    """A window like the app's: a sidebar of 150 buttons, a PageStack whose page has 260 labels
    around and below six controls (one disabled, one hidden, an editable combo box), and a
    second page."""
    from PySide6.QtWidgets import (
        QComboBox,
        QHBoxLayout,
        QLabel,
        QLineEdit,
        QPushButton,
        QVBoxLayout,
        QWidget,
    )

    from ui.focus import PageStack

    window = QWidget()
    qtbot.addWidget(window)
    row = QHBoxLayout(window)
    sidebar = QWidget()
    side = QVBoxLayout(sidebar)
    for i in range(150):
        side.addWidget(QPushButton(f"Side {i}"))
    stack = PageStack()
    page, other = QWidget(), QWidget()
    lay = QVBoxLayout(page)
    controls = []
    for i in range(6):
        for j in range(10):
            lay.addWidget(QLabel(f"Label {i}.{j}"))
        control = QComboBox() if i == 3 else QLineEdit()
        if i == 3:
            control.setEditable(True)
        lay.addWidget(control)
        controls.append(control)
    for j in range(200):  # a long read-only part below the form (the profile, the summary)
        lay.addWidget(QLabel(f"Fact {j}"))
    controls[1].setEnabled(False)
    controls[4].setVisible(False)
    QVBoxLayout(other).addWidget(QLineEdit())
    stack.addWidget(page)
    stack.addWidget(other)
    row.addWidget(sidebar)
    row.addWidget(stack)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    return window, stack, page, controls


def test_tab_on_a_page_asks_a_few_widgets_not_the_whole_focus_chain(qtbot, monkeypatch):
    """``PageStack`` answered every Tab (and every focus move Qt makes when a focused control is
    removed, disabled or hidden — closing a signed note's editor, switching pages) by listing
    the page's whole focus order: a Python test of every widget of the window's focus chain,
    ~12 ms a move on the note page (bench/bench_frames.py, sign). It now walks from the focused
    control to the next one that takes Tab — same target, a few widgets asked."""
    from PySide6.QtWidgets import QApplication

    from ui import focus

    window, stack, page, controls = _focus_window(qtbot)
    order = focus.tab_order(page)
    assert order == [controls[0], controls[2], controls[3], controls[5]]
    # the target of every Tab and Shift+Tab is the one the page's focus order names
    for forward in (True, False):
        for at, control in enumerate(order):
            control.setFocus()  # the combo box's line edit takes it for the combo box
            qtbot.waitUntil(lambda c=control: c.isAncestorOf(QApplication.focusWidget()))
            assert focus.cycle(page, forward)
            wanted = order[(at + (1 if forward else -1)) % len(order)]
            assert wanted.isAncestorOf(QApplication.focusWidget())
    asked = [0]
    real = focus.tab_focusable

    def counting(widget):
        asked[0] += 1
        return real(widget)

    monkeypatch.setattr(focus, "tab_focusable", counting)
    controls[0].setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is controls[0], timeout=5_000)
    assert stack.focusNextPrevChild(True)
    assert QApplication.focusWidget() is controls[2]
    assert asked[0] <= 30  # the labels between two controls, not the page's ~270 widgets
    assert not focus.cycle(page, True) or QApplication.focusWidget() is controls[3]
    window.close()


def test_roster_progress_repaints_the_bar_in_steps_not_per_report(qtbot, unlocked_window, tmp_path):
    """Each ``QProgressBar.setValue`` repaints at once (~0.7 ms of GUI thread): a 10,000-row
    roster's reports moved the bar (and relabelled the page) once per delivery. The check and
    import pages now move it in ``PROGRESS_STEPS`` steps, and still end at 100 %."""
    from tests.support.roster_wizard import HEAD, open_roster_wizard
    from ui.widgets.progress import PROGRESS_STEPS

    roster = tmp_path / "one.csv"
    roster.write_text(
        HEAD + "070001^Stepperson^Fictional^09/01/2011^6^99999990000033^English\n",
        encoding="utf-8",
    )
    wizard = open_roster_wizard(qtbot, unlocked_window, roster)
    total = 10_000
    for page, report, label in (
        (
            wizard.check_page,
            lambda d, t, x: wizard.check_page._progress(wizard.check_page._run, d, t, x),
            "status_label",
        ),
        (wizard.import_page, wizard.import_page._progress, "result_label"),
    ):
        page.progress.setRange(0, 0)
        values: list[int] = []
        page.progress.valueChanged.connect(values.append)
        texts = [0]
        getattr(page, label).setText("")
        report(0, 0, "Busy…")  # the busy phase still says what it does
        assert getattr(page, label).text() == "Busy…"
        original = getattr(page, label).setText

        def count(text, original=original, texts=texts):
            texts[0] += 1
            original(text)

        getattr(page, label).setText = count
        for done in range(1, total + 1, 7):
            report(done, total, f"{done} of {total}")
        report(total, total, "all")
        assert len(values) <= PROGRESS_STEPS + 2, len(values)
        assert texts[0] <= PROGRESS_STEPS + 2
        assert values[-1] == total and page.progress.value() == total
        assert getattr(page, label).text() == "all"


def test_show_progress_refuses_nothing_odd(qtbot):
    """Out-of-range reports are clamped, a new range always shows, and busy stays busy."""
    from PySide6.QtWidgets import QProgressBar

    from ui.widgets.progress import show_progress

    bar = QProgressBar()
    qtbot.addWidget(bar)
    assert show_progress(bar, 5, 0) and (bar.minimum(), bar.maximum()) == (0, 0)
    assert not show_progress(bar, 7, 0)
    assert show_progress(bar, -3, 100) and bar.value() == 0
    assert show_progress(bar, 500, 100) and bar.value() == 100
    assert not show_progress(bar, 100, 100)
    assert show_progress(bar, 10, 40) and (bar.maximum(), bar.value()) == (40, 10)


def test_run_steps_runs_one_step_per_turn_and_wait_idle_waits_for_the_last(qtbot):
    from PySide6.QtCore import QObject

    tasks = TaskManager()
    ticks = [0]
    heartbeat = QTimer()
    heartbeat.setInterval(0)
    heartbeat.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    heartbeat.start()
    owner = QObject()
    ran: list[tuple[str, int]] = []
    tasks.run_steps([lambda n=n: ran.append((n, ticks[0])) for n in "abcd"], context=owner)
    assert [n for n, _t in ran] == ["a"]  # the first step at once, the rest later
    assert tasks.pending == 1
    assert tasks.wait_idle(5_000) and [n for n, _t in ran] == list("abcd")
    turns = [t for _n, t in ran]
    # the timer fired between the posted steps (the first ran in the caller's turn)
    assert turns == sorted(turns) and len(set(turns[1:])) == 3
    stopped: list[str] = []
    tasks.run_steps(
        [lambda: stopped.append("a"), lambda: False, lambda: stopped.append("c")], context=owner
    )
    assert tasks.wait_idle(5_000) and stopped == ["a"]  # False ends the chain
    gone = QObject()
    after: list[str] = []
    tasks.run_steps([lambda: after.append("a"), lambda: after.append("b")], context=gone)
    import shiboken6

    shiboken6.delete(gone)
    assert tasks.wait_idle(5_000) and after == ["a"] and tasks.pending == 0
    heartbeat.stop()
    tasks.shutdown()


def test_the_caseload_shows_its_rows_and_fits_its_columns_on_separate_turns(
    qtbot, unlocked_window, monkeypatch
):
    """The caseload's first load reset 10,000 rows and fitted the columns (and the Student
    column to every name) in one slot; the fit now comes on a later event-loop turn."""
    from tests.support.ui import add_students
    from ui.pages import caseload_page

    window = unlocked_window
    add_students(window, [("Testy", "McFakeface"), ("Pat", "Pretendly")])
    page = window.caseload_page
    assert window.ctx.tasks.wait_idle()  # the loads the students' creation started
    page.model.set_rows(())  # as before the first load: the fit is done on the first rows
    ticks = [0]
    heartbeat = QTimer()
    heartbeat.setInterval(0)
    heartbeat.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    seen: list[tuple[str, int]] = []
    page.model.modelReset.connect(lambda: page.model.rowCount() and seen.append(("rows", ticks[0])))
    real_fit = caseload_page.fit_columns

    def fit_spy(view):
        seen.append(("fit", ticks[0]))
        real_fit(view)

    monkeypatch.setattr(caseload_page, "fit_columns", fit_spy)
    heartbeat.start()
    page.activate()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=20_000)
    assert window.ctx.tasks.wait_idle()
    heartbeat.stop()
    rows = [t for what, t in seen if what == "rows"]
    fits = [t for what, t in seen if what == "fit"]
    assert rows and fits and fits[0] > rows[0], seen


def _due_heartbeat() -> tuple[QTimer, list[int]]:
    """A 1 ms heartbeat (precise): due again after any step that takes longer than that. A step
    posted with ``QTimer.singleShot(0)`` is a posted event, which the event loop runs before
    due timers: a chain of them held this heartbeat back for several steps (issue 23)."""
    from PySide6.QtCore import Qt

    ticks = [0]
    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(1)
    heartbeat.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    return heartbeat, ticks


def _busy(seconds: float) -> None:
    import time

    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_run_steps_lets_a_due_timer_fire_between_every_two_steps(qtbot):
    """Each next step waits behind the timers that are due (the frames bench's heartbeat, the
    screen's repaint): the steps were posted events, and three 4 ms steps ran in one 12 ms gap."""
    from PySide6.QtCore import QObject

    tasks = TaskManager()
    heartbeat, ticks = _due_heartbeat()
    owner = QObject()
    ran: list[int] = []

    def step() -> None:
        ran.append(ticks[0])
        _busy(0.003)  # longer than the heartbeat's interval: it is due when the step ends

    heartbeat.start()
    tasks.run_steps([step] * 6, context=owner, first_now=False)
    assert tasks.wait_idle(5_000) and len(ran) == 6
    heartbeat.stop()
    assert all(b > a for a, b in itertools.pairwise(ran)), ran  # a beat between every two steps
    tasks.shutdown()


def test_signing_closes_the_editor_and_switches_pages_on_separate_turns(
    qtbot, unlocked_window, monkeypatch
):
    """After the worker signed the note, closing the editor, showing the student page and
    deleting the closed note's widgets were one stall (~26 ms of GUI time in the frames bench):
    each is now its own turn, with a due timer firing between them. Focus, the page and the
    note's state are as before."""
    from tests.support.ui import add_students
    from ui.pages.note_editor_page import NoteSectionsWidget
    from ui.widgets import confirm

    window = unlocked_window
    (a,) = add_students(window, [("Testy", "McFakeface")])
    editor = window.note_page
    window.open_student(a)
    qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)
    window.new_note(a)
    editor.start_note()
    qtbot.waitUntil(lambda: editor.tabs.count() == 1, timeout=20_000)
    editor.current_note().editors["subjective"].setPlainText("Fictional words to sign.")
    assert window.ctx.tasks.wait_idle()
    heartbeat, ticks = _due_heartbeat()
    seen: dict[str, int] = {}
    real_reset = editor._reset

    def reset_spy(**kwargs):
        closed = real_reset(**kwargs)
        seen.setdefault("closed", ticks[0])
        _busy(0.002)  # the heartbeat is due when this turn ends
        return closed

    monkeypatch.setattr(editor, "_reset", reset_spy)
    window.page_stack.currentChanged.connect(
        lambda _i: (
            window.page_stack.currentWidget() is window.student_page
            and (seen.setdefault("switched", ticks[0]), _busy(0.002))
        )
    )
    widgets = editor.findChildren(NoteSectionsWidget)
    widgets[0].destroyed.connect(lambda *_a: seen.setdefault("deleted", ticks[0]))
    real_show = window.student_page.show_student

    def show_spy(student_id):
        seen.setdefault("reloaded", ticks[0])
        real_show(student_id)

    monkeypatch.setattr(window.student_page, "show_student", show_spy)
    heartbeat.start()
    confirm.set_next_answers(True)
    editor.sign()
    qtbot.waitUntil(lambda: "deleted" in seen and "switched" in seen, timeout=20_000)
    assert window.ctx.tasks.wait_idle()
    heartbeat.stop()
    assert seen["closed"] < seen["switched"] < seen["deleted"], seen
    # the same student's page is shown first and reloaded on a later turn: its loads' results
    # no longer arrive inside the switch's layout and first paint
    assert seen["switched"] < seen["reloaded"], seen
    qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)
    assert window.page_stack.currentWidget() is window.student_page
    assert window.student_page.student_id == a and editor.tabs.count() == 0
    services = window.ctx.services
    page = window.ctx.tasks.call_db_blocking(lambda: services.record.student_page(a))
    assert [s.note_status for s in page.sessions] == ["signed"]  # nothing lost


def test_the_caseload_fits_its_columns_behind_a_due_timer_not_in_the_reset_s_turn(
    qtbot, unlocked_window, monkeypatch
):
    """The fits of the caseload's first load were posted events: the table's first paint and
    the three fits ran with no timer between them (~35 ms for a 10,000-student roster)."""
    from tests.support.ui import add_students
    from ui.pages import caseload_page

    window = unlocked_window
    add_students(window, [("Testy", "McFakeface"), ("Pat", "Pretendly")])
    page = window.caseload_page
    assert window.ctx.tasks.wait_idle()
    page.model.set_rows(())  # as before the first load
    heartbeat, ticks = _due_heartbeat()
    seen: list[tuple[str, int]] = []

    def rows_shown() -> None:
        if page.model.rowCount():
            seen.append(("rows", ticks[0]))
            _busy(0.002)

    page.model.modelReset.connect(rows_shown)
    real_fit, real_names = caseload_page.fit_columns, page._fit_names

    def fit_spy(view):
        seen.append(("fit", ticks[0]))
        real_fit(view)
        _busy(0.002)

    def names_spy():
        seen.append(("names", ticks[0]))
        real_names()

    monkeypatch.setattr(caseload_page, "fit_columns", fit_spy)
    monkeypatch.setattr(page, "_fit_names", names_spy)
    heartbeat.start()
    page.activate()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=20_000)
    assert window.ctx.tasks.wait_idle()
    heartbeat.stop()
    order = [what for what, _t in seen]
    assert order == ["rows", "fit", "names"], seen
    turns = [t for _w, t in seen]
    assert turns[0] < turns[1] < turns[2], seen
