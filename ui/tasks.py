"""The ONE background-work helper of the desktop app.

Guarantees (tested in ``tests/ui/test_tasks.py``):

* **One database worker.** Everything that touches the SQLCipher connection goes through
  :meth:`TaskManager.run_db`, which runs callables one at a time, in submission order, on a single
  thread. The connection therefore never sees two threads at once, and a "save draft" submitted
  before "close the database" runs before it.
* **A separate network pool.** :meth:`TaskManager.run_network` runs sync/HTTP work on its own
  threads so a slow server never delays a note save.
* **A render thread.** :meth:`TaskManager.run_render` runs Qt painting that needs neither the
  vault nor the network (a PDF painted onto a printer, docs/decisions/0112) on one more thread,
  so it never waits behind a database task and never blocks the GUI thread.
* **Results on the GUI thread, to a context that may be gone.** Callbacks (``on_done``,
  ``on_error``, ``on_progress``) are queued to the GUI thread and called only if the ``context``
  QObject still exists (a closed dialog never gets a late result). No widget is touched from a
  worker: the worker function receives plain data and returns plain data.
* **Progress and cancel.** The worker function receives a :class:`TaskControl`; it may call
  ``report(done, total, text)`` (coalesced, delivered on the GUI thread) and should call
  ``check_cancelled()`` between steps. ``TaskHandle.cancel()`` requests cancellation; a cancelled
  task finishes with ``on_cancelled`` instead of ``on_done``.
* **Errors are typed.** A ``ClinicianDeskError`` goes to ``on_error`` (or the manager's default
  handler, which shows ``exc.message``). Any other exception is logged by type and traceback
  only — never its message, which could carry student data — and delivered to the same error
  path as a ``ClinicianDeskError`` carrying a generic message, so callers can reset their state.
"""

from __future__ import annotations

import functools
import logging
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import shiboken6
from PySide6.QtCore import QDeadlineTimer, QEventLoop, QObject, QTimer, Signal

from clinician_desk.errors import ClinicianDeskError

log = logging.getLogger(__name__)


class TaskCancelled(Exception):
    """Raised inside a worker by ``TaskControl.check_cancelled`` after ``cancel()``."""


class TaskControl:
    """Handed to every worker function: progress reporting and cancellation polling."""

    def __init__(self, emit_progress: Callable[[int, int, str], None]) -> None:
        self._cancel = threading.Event()
        self._emit = emit_progress

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check_cancelled(self) -> None:
        if self._cancel.is_set():
            raise TaskCancelled()

    def report(self, done: int, total: int, text: str = "") -> None:
        self._emit(done, total, text)


@dataclass
class TaskHandle:
    """What ``run_db``/``run_network`` return: the future plus ``cancel()``."""

    future: Future[Any]
    control: TaskControl
    name: str = field(default="task")

    def cancel(self) -> None:
        self.control._cancel.set()
        self.future.cancel()

    def done(self) -> bool:
        return self.future.done()


def generic_error_text() -> str:
    from ui.i18n import _

    return _(
        "Something went wrong and the action was not completed. Your saved work is safe. "
        "If this keeps happening, contact county IT support."
    )


def log_unexpected(exc: BaseException, where: str) -> None:
    """Log an unexpected exception by type and frames only (its message may hold student data)."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("unexpected %s in %s\n%s", type(exc).__name__, where, frames)


def pump_events(loop: QEventLoop | None = None) -> None:
    """Process pending events once, through an event loop *instance* (``loop`` reused by
    callers that pump in a loop)."""
    (loop or QEventLoop()).processEvents(QEventLoop.ProcessEventsFlag.AllEvents)


def _drop_frames(exc: BaseException) -> None:
    """Free the worker's frames (connections, cursors, rows) on the worker thread.

    An exception's traceback keeps every frame's locals alive; delivered to the GUI thread it
    would free SQLCipher cursors there, and hold student data longer than needed.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.__traceback__ = None
        current = current.__context__ or current.__cause__


# How long a worker thread running Python may keep the GIL once the GUI thread asks for it.
# PySide6 releases the GIL around Qt calls, so a slot that makes 50 Qt calls asks for it back
# 50 times; with CPython's default of 5 ms, a worker busy in Python (building a student page,
# parsing a roster) turned a 2 ms slot into a 100+ ms frame (docs/decisions/0110).
SWITCH_INTERVAL = 0.0005

# How ``run_steps`` posts each next step: a 1 ms timer (precise below 20 ms). A zero timer is a
# posted event in Qt 6, and the event loop runs every posted event before the timers that are
# due, so the GUI's own timers waited behind a whole chain of steps (docs/decisions/0141).
STEP_YIELD_MS = 1


class TaskManager(QObject):
    """Owns the database worker and the network pool; see the module docstring."""

    _deliver = Signal(object)

    def __init__(self, parent: QObject | None = None, network_workers: int = 2) -> None:
        super().__init__(parent)
        if sys.getswitchinterval() > SWITCH_INTERVAL:
            sys.setswitchinterval(SWITCH_INTERVAL)  # the GUI thread gets the GIL back quickly
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clinician-desk-db")
        self._net = ThreadPoolExecutor(
            max_workers=network_workers, thread_name_prefix="clinician-desk-net"
        )
        self._render = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clinician-desk-render")
        self._pending = 0
        self._closed = False
        self._lock = threading.Lock()
        self.default_error_handler: Callable[[str], None] = lambda message: None
        # Auto connection: ``_deliver`` is emitted only on the worker threads, so Qt queues it to
        # this object's (the GUI) thread. Naming Qt.ConnectionType here would build the Python
        # types of all ~95 enums of the Qt namespace at start (~45 ms of cold start).
        self._deliver.connect(self._run_delivery)

    # -- submission ---------------------------------------------------------------------------
    def run_db(self, fn: Callable[[TaskControl], Any], **kwargs: Any) -> TaskHandle:
        """Run ``fn(control)`` on the single database thread (FIFO with every other DB task)."""
        return self._submit(self._db, fn, **kwargs)

    def run_network(self, fn: Callable[[TaskControl], Any], **kwargs: Any) -> TaskHandle:
        """Run ``fn(control)`` on the network pool (never on the database thread)."""
        return self._submit(self._net, fn, **kwargs)

    def run_render(self, fn: Callable[[TaskControl], Any], **kwargs: Any) -> TaskHandle:
        """Run ``fn(control)`` on the render thread (Qt painting onto a QImage or QPrinter only:
        never the vault, never a widget)."""
        return self._submit(self._render, fn, **kwargs)

    def _submit(
        self,
        executor: ThreadPoolExecutor,
        fn: Callable[[TaskControl], Any],
        *,
        context: QObject,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[ClinicianDeskError], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        name: str = "task",
    ) -> TaskHandle:
        last_progress: list[tuple[int, int, str] | None] = [None]
        progress_queued = threading.Event()

        def emit_progress(done: int, total: int, text: str) -> None:
            last_progress[0] = (done, total, text)
            if on_progress is not None and not progress_queued.is_set():
                progress_queued.set()  # coalesce: at most one progress delivery in flight

                def deliver_progress() -> None:
                    progress_queued.clear()
                    value = last_progress[0]
                    if value is not None:
                        on_progress(*value)

                self._deliver.emit((context, deliver_progress, False))

        control = TaskControl(emit_progress)

        def work() -> None:
            try:
                result = fn(control)
            except TaskCancelled:
                self._queue(context, on_cancelled or (lambda: None))
            except ClinicianDeskError as exc:
                _drop_frames(exc)
                self._queue(context, functools.partial(self._handle_error, exc, on_error))
            except Exception as exc:
                log_unexpected(exc, name)
                _drop_frames(exc)
                generic = ClinicianDeskError(generic_error_text())
                self._queue(context, functools.partial(self._handle_error, generic, on_error))
            else:
                if control.cancelled:
                    self._queue(context, on_cancelled or (lambda: None))
                else:
                    self._queue(context, (lambda: on_done(result)) if on_done else (lambda: None))

        if self._closed:  # after shutdown (app exit): nothing may start any more
            future: Future[Any] = Future()
            future.cancel()
            return TaskHandle(future, control, name)
        with self._lock:
            self._pending += 1
        try:
            future = executor.submit(work)
        except RuntimeError:  # shut down between the check and the submit
            with self._lock:
                self._pending -= 1
            future = Future()
            future.cancel()
            return TaskHandle(future, control, name)
        future.add_done_callback(self._forget_if_cancelled)
        return TaskHandle(future, control, name)

    def run_steps(
        self,
        steps: Sequence[Callable[[], object]],
        *,
        context: QObject,
        name: str = "steps",
        first_now: bool = True,
    ) -> None:
        """Run ``steps`` on the GUI thread, the first now (or, ``first_now=False``, on the next
        turn) and each next one on a later event-loop turn, so timers, input and painting run
        between them (a long slot split up: issue 23, docs/decisions/0131). Each next step is a
        ``STEP_YIELD_MS`` timer, not a posted event: the event loop runs posted events before
        due timers, so a chain of ``singleShot(0)`` steps ran several steps with no repaint or
        timer between them (docs/decisions/0141). A step returning
        ``False`` ends the chain, and so does ``context`` being deleted. Counted in ``pending``
        until the chain ends, so ``wait_idle`` (tests, lock) waits for the last step too."""
        remaining = list(steps)
        if not remaining:
            return
        with self._lock:
            self._pending += 1

        def next_step() -> None:
            step = remaining.pop(0)
            go_on = False
            if context is not None and shiboken6.isValid(context):
                try:
                    go_on = step() is not False
                except ClinicianDeskError as exc:
                    self.default_error_handler(exc.message)
                except Exception as exc:
                    log_unexpected(exc, name)
                    self.default_error_handler(generic_error_text())
            if go_on and remaining:
                QTimer.singleShot(STEP_YIELD_MS, self, next_step)
            else:
                with self._lock:
                    self._pending -= 1

        if first_now:
            next_step()
        else:
            QTimer.singleShot(STEP_YIELD_MS, self, next_step)

    def _forget_if_cancelled(self, future: Future[Any]) -> None:
        if future.cancelled():  # never ran, so never queued a delivery
            with self._lock:
                self._pending -= 1

    def _queue(self, context: QObject, callback: Callable[[], None]) -> None:
        self._deliver.emit((context, callback, True))

    def _handle_error(
        self, exc: ClinicianDeskError, on_error: Callable[[ClinicianDeskError], None] | None
    ) -> None:
        from ui.i18n import core_text

        exc.message = core_text(exc.message)  # the core's English, shown in the UI language
        if on_error is not None:
            on_error(exc)
        else:
            self.default_error_handler(exc.message)

    # -- delivery on the GUI thread ---------------------------------------------------------------
    def _run_delivery(self, item: tuple[QObject, Callable[[], None], bool]) -> None:
        context, callback, is_final = item
        if is_final:
            with self._lock:
                self._pending -= 1
        if context is None or not shiboken6.isValid(context):
            return  # the dialog or page that asked is gone: drop the result silently
        try:
            callback()
        except ClinicianDeskError as exc:
            self.default_error_handler(exc.message)
        except Exception as exc:
            log_unexpected(exc, "result callback")
            self.default_error_handler(generic_error_text())

    # -- waiting and shutdown -----------------------------------------------------------------
    @property
    def pending(self) -> int:
        with self._lock:
            return self._pending

    def wait_idle(self, timeout_ms: int = 10_000) -> bool:
        """Process events until every submitted task has delivered (tests, lock, shutdown)."""
        deadline = QDeadlineTimer(timeout_ms)
        loop = QEventLoop()
        while self.pending > 0 and not deadline.hasExpired():
            pump_events(loop)
            threading.Event().wait(0.002)
        pump_events(loop)
        return self.pending == 0

    def call_db_blocking(self, fn: Callable[[], Any], timeout: float = 30.0) -> Any:
        """Run ``fn`` on the DB thread and wait (only for shutdown/lock, never for a click)."""
        return self._db.submit(fn).result(timeout=timeout)

    def shutdown(self) -> None:
        """Stop accepting work, finish what the DB worker has queued (drafts), drop the rest."""
        self._closed = True
        self._net.shutdown(wait=False, cancel_futures=True)
        self._render.shutdown(wait=True, cancel_futures=True)  # a page in hand is finished
        self._db.shutdown(wait=True)
