"""A scripted clinician's day for soak runs: the desktop app driven in-process, action by action.

Used by the soak test (``tests/ui/test_soak.py``, a few thousand actions) and the soak bench
(``bench/bench_soak.py``, 10,000 actions). Everything is the real app on a real SQLCipher demo
vault (fictional data from ``clinician_desk.demo``): the main window, its pages, the
database worker, the dialogs, the lock. One *action* is one of, in a fixed rotation
(:data:`ROTATION`, weighted as a working day is: mostly moving between pages and students):

* ``page`` — a click in the navigation list (the page's ``activate`` loads from the vault);
* ``student`` — a student's page opened (three loads on the DB worker);
* ``signal`` — a student opened through a signal emitted from Python (the caseload's
  ``student_opened``, as a double-click emits it);
* ``dialog`` — the note-search dialog (Ctrl+F) or the add-student dialog opened, then cancelled;
* ``lock`` — every ``lock_every`` actions: Ctrl+L, then the passphrase typed on the unlock
  screen and the vault unlocked again (key derivation with cheap parameters).

After each action the GUI thread processes events until the DB worker has delivered, as it does
when a clinician waits for the screen. :func:`counts` is what the soak watches: the reference
counts of ``None``/``True``/``False`` (``None`` where they are immortal, CPython >= 3.12) and the
number of objects the garbage collector tracks.
"""

from __future__ import annotations

import gc
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PASSPHRASE = "soak passphrase, fictional vault"
ROTATION = ("page", "student", "page", "signal", "page", "student", "page", "dialog") * 2 + (
    "page",
    "student",
    "page",
    "signal",
    "page",
    "student",
    "page",
    "signal",
)


def singletons_immortal() -> bool:
    """True where ``None``/``True``/``False`` are immortal (CPython >= 3.12): taking a reference
    to them does not change their count, so a lost reference cannot free them."""
    before = sys.getrefcount(None)
    held = [None] * 64
    immortal = sys.getrefcount(None) == before
    del held
    return immortal


@dataclass(frozen=True)
class Counts:
    none: int | None
    true: int | None
    false: int | None
    objects: int

    def drift(self, since: Counts) -> dict[str, int]:
        """How much each count rose (+) or fell (-) since ``since``."""
        out = {"objects": self.objects - since.objects}
        for name in ("none", "true", "false"):
            now, then = getattr(self, name), getattr(since, name)
            if now is not None and then is not None:
                out[name] = now - then
        return out


def counts(session: SoakSession | None = None) -> Counts:
    """The counts after a full collection (cycles freed), so only what is really kept shows;
    with ``session``, taken in its :meth:`SoakSession.home` state."""
    if session is not None:
        session.home()
    gc.collect()
    if singletons_immortal():
        return Counts(None, None, None, len(gc.get_objects()))
    return Counts(
        sys.getrefcount(None),
        sys.getrefcount(True),
        sys.getrefcount(False),
        len(gc.get_objects()),
    )


def make_demo_vault(data_dir: Path, students: int, sessions: int) -> None:
    """A profile "default" with cheap key derivation, filled with fictional demo data."""
    from clinician_desk.bootstrap import build_services
    from clinician_desk.clock import SystemClock
    from clinician_desk.config import AppPaths
    from clinician_desk.demo.generator import generate_demo
    from clinician_desk.vault import create_vault
    from clinician_desk.vault.kdf import KdfParams

    paths = AppPaths.from_option(data_dir).vault("default")
    key, _recovery = create_vault(
        paths, PASSPHRASE, kdf=KdfParams(memory_kib=1024, iterations=1, lanes=1)
    )
    services = build_services(paths, key, SystemClock(), create=True)
    generate_demo(services.db, students=students, sessions=sessions)
    services.close()


@dataclass
class SoakSession:
    """Drives a main window built on ``data_dir`` (which holds a demo vault, see above)."""

    data_dir: Path
    lock_every: int = 50
    timeout_ms: int = 30_000
    done: Counter[str] = field(default_factory=Counter)
    window: Any = None
    _student_ids: list[Any] = field(default_factory=list)
    _step: int = 0
    _dialogs: int = 0

    def start(self) -> None:
        from clinician_desk.clock import FakeClock
        from ui.app import build_context, build_window

        # A fake clock: auto-lock happens only when the script locks, never by wall time.
        clock = FakeClock(datetime(2026, 10, 6, 17, 30, tzinfo=UTC))
        ctx = build_context(self.data_dir, clock=clock, settings_path=self.data_dir / "ui.ini")
        self.window = build_window(ctx, idle=3600)
        self.window.resize(1100, 720)
        self.window.show()
        self.unlock()
        services = ctx.services
        self._student_ids = [
            row.student_id
            for row in ctx.tasks.call_db_blocking(lambda: services.record.caseload()).caseload
        ]
        if not self._student_ids:
            raise RuntimeError("the soak vault has no students")

    def close(self) -> None:
        window, self.window = self.window, None
        if window is None:
            return
        ctx = window.ctx
        window.session.lock()
        ctx.tasks.wait_idle(self.timeout_ms)
        window.close()
        ctx.tasks.shutdown()
        window.deleteLater()

    # -- waiting -------------------------------------------------------------------------------
    def _settle(self) -> None:
        if not self.window.ctx.tasks.wait_idle(self.timeout_ms):
            raise TimeoutError("the database worker did not deliver in time")
        from PySide6.QtCore import QCoreApplication, QEvent

        # deleteLater()'d objects (closed dialogs, the event bridge) are freed here
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)

    def _wait_until(self, condition: Any, what: str) -> None:
        from PySide6.QtCore import QDeadlineTimer

        from ui.tasks import pump_events

        deadline = QDeadlineTimer(self.timeout_ms)
        while not condition():
            if deadline.hasExpired():
                raise TimeoutError(f"soak: {what} did not happen in time")
            self.window.ctx.tasks.wait_idle(self.timeout_ms)
            pump_events()

    # -- the actions ---------------------------------------------------------------------------
    def unlock(self) -> None:
        window = self.window
        page = window.unlock_page
        page.reload_profiles("default")
        page.passphrase_edit.setText(PASSPHRASE)
        page.try_unlock()
        self._wait_until(
            lambda: window.ctx.unlocked and window.stack.currentWidget() is window.workspace,
            "unlock",
        )
        self._settle()

    def lock_and_unlock(self) -> None:
        window = self.window
        window.lock_action.trigger()
        self._settle()
        if window.ctx.unlocked or window.stack.currentWidget() is not window.unlock_page:
            raise AssertionError("Ctrl+L did not lock the window")
        self.unlock()

    def page_switch(self) -> None:
        nav = self.window.nav
        nav.setCurrentRow((nav.currentRow() + 1) % nav.count())
        self._settle()

    def open_student(self) -> None:
        student_id = self._student_ids[self._step % len(self._student_ids)]
        self.window.open_student(student_id)
        self._settle()
        if self.window.student_page.student_id != student_id:
            raise AssertionError("the student page did not open")

    def signal_student(self) -> None:
        student_id = self._student_ids[(self._step * 7) % len(self._student_ids)]
        self.window.caseload_page.student_opened.emit(student_id)
        self._settle()
        if self.window.student_page.student_id != student_id:
            raise AssertionError("student_opened did not open the student page")

    def open_dialog(self) -> None:
        from PySide6.QtWidgets import QApplication, QDialog

        window = self.window
        self._dialogs += 1
        if self._dialogs % 2:
            window.find_action.trigger()  # Ctrl+F: note search
        else:
            window.caseload_page.add_student()
        self._settle()
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QDialog):
            raise AssertionError("no dialog opened")
        dialog.reject()
        self._settle()

    def home(self) -> None:
        """A fixed state to measure in: the first student's page loaded, then the caseload shown
        (what is on screen holds references of its own: one student has more rows than another)."""
        self.window.open_student(self._student_ids[0])
        self._settle()
        self.window.nav.setCurrentRow(0)
        self._settle()

    def act(self) -> str:
        """One action of the rotation (a lock/unlock cycle every ``lock_every``); its name."""
        self._step += 1
        if self.lock_every and self._step % self.lock_every == 0:
            self.lock_and_unlock()
            name = "lock"
        else:
            name = ROTATION[self._step % len(ROTATION)]
            {
                "page": self.page_switch,
                "student": self.open_student,
                "dialog": self.open_dialog,
                "signal": self.signal_student,
            }[name]()
        self.done[name] += 1
        return name

    def run(self, actions: int) -> None:
        for _ in range(actions):
            self.act()
