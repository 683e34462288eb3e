"""The background helper's guarantees: one DB thread in order, GUI-thread delivery, dead
contexts skipped, progress and cancel, typed errors shown and unexpected ones made generic."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QThread

from clinician_desk.errors import ValidationError
from ui.tasks import TaskCancelled, TaskManager


def test_db_tasks_run_in_order_on_one_thread_and_deliver_on_gui(qtbot):
    tasks = TaskManager()
    context = QObject()
    threads: list[int] = []
    results: list[int] = []
    delivered_on_gui: list[bool] = []

    def make(i):
        def work(control):
            threads.append(threading.get_ident())
            return i

        return work

    def done(value):
        results.append(value)
        delivered_on_gui.append(QThread.currentThread() is context.thread())

    for i in range(20):
        tasks.run_db(make(i), context=context, on_done=done)
    assert tasks.wait_idle()
    assert results == list(range(20))
    assert len(set(threads)) == 1 and threads[0] != threading.get_ident()
    assert all(delivered_on_gui)
    tasks.shutdown()


def test_result_for_a_deleted_context_is_dropped(qtbot):
    tasks = TaskManager()
    gate = threading.Event()
    context = QObject()
    called: list[object] = []
    tasks.run_db(lambda c: gate.wait(5) or "late", context=context, on_done=called.append)
    context.deleteLater()
    qtbot.waitUntil(lambda: not __import__("shiboken6").isValid(context), timeout=20_000)
    gate.set()
    assert tasks.wait_idle()
    assert called == []
    assert tasks.pending == 0
    tasks.shutdown()


def test_progress_and_cancel(qtbot):
    tasks = TaskManager()
    context = QObject()
    started = threading.Event()
    progress: list[tuple[int, int, str]] = []
    outcome: list[str] = []

    def long_work(control):
        started.set()
        for i in range(1000):
            control.report(i, 1000, "working")
            control.check_cancelled()
            threading.Event().wait(0.005)
        return "finished"

    handle = tasks.run_db(
        long_work,
        context=context,
        on_done=lambda r: outcome.append(r),
        on_progress=lambda d, t, s: progress.append((d, t, s)),
        on_cancelled=lambda: outcome.append("cancelled"),
    )
    assert started.wait(5)
    qtbot.waitUntil(lambda: len(progress) > 0, timeout=20_000)
    handle.cancel()
    assert tasks.wait_idle()
    assert outcome == ["cancelled"]
    assert progress[0][1] == 1000
    tasks.shutdown()


def test_typed_error_goes_to_on_error_and_unexpected_is_generic(qtbot, caplog):
    tasks = TaskManager()
    context = QObject()
    shown: list[str] = []
    errors: list[str] = []
    tasks.default_error_handler = shown.append

    def bad(control):
        raise ValidationError("End time is before start time.")

    def boom(control):
        secret = "".join(["Zz", "yzx Fictional-Student secret text"])
        raise RuntimeError(secret)

    tasks.run_db(bad, context=context, on_error=lambda e: errors.append(e.message))
    tasks.run_db(bad, context=context)
    tasks.run_network(boom, context=context)
    assert tasks.wait_idle()
    assert errors == ["End time is before start time."]
    # The DB and network threads race, so the two shown messages may come in either order.
    assert "End time is before start time." in shown
    assert any("Your saved work is safe" in m for m in shown) and len(shown) == 2
    assert "Zzyzx" not in caplog.text and "RuntimeError" in caplog.text
    tasks.shutdown()


def test_cancelled_before_start_never_runs(qtbot):
    tasks = TaskManager()
    context = QObject()
    gate = threading.Event()
    ran: list[str] = []
    tasks.run_db(lambda c: gate.wait(5), context=context)
    handle = tasks.run_db(lambda c: ran.append("x"), context=context)
    handle.cancel()
    gate.set()
    assert tasks.wait_idle()
    assert ran == []
    assert isinstance(TaskCancelled(), Exception)
    tasks.shutdown()


def test_after_shutdown_nothing_starts_and_nothing_raises(qtbot):
    tasks = TaskManager()
    context = QObject()
    tasks.shutdown()
    ran: list[int] = []
    handle = tasks.run_db(lambda c: ran.append(1), context=context)
    assert handle.future.cancelled() and tasks.pending == 0
    assert tasks.wait_idle(100) and ran == []
