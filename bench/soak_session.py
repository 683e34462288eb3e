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


# The suite's soak (tests/ui/test_soak.py): many actions in little time, so mostly the cheap ones
# a clinician does most (page switches, filtering and selecting in the caseload, UI signals), a
# student opened 3 times in 50 actions and a dialog 3 times (every dialog of DIALOGS in turn).
QUICK_ROTATION = (
    "page", "filter", "row", "page", "signal_ui", "row", "page", "dialog", "row", "page",
    "filter", "row", "page", "signal_ui", "student", "page", "row", "filter", "page", "row",
    "page", "signal_ui", "row", "page", "dialog", "filter", "page", "row", "page", "signal",
    "row", "page", "filter", "signal_ui", "page", "row", "student", "page", "filter", "row",
    "page", "dialog", "row", "page", "signal_ui", "filter", "page", "row", "signal_ui", "page",
)  # fmt: skip
# Every dialog the app opens from a window, page or button (each is closed again at once).
DIALOGS = (
    "note-search", "add-student", "drafts", "error", "integrity", "retention", "addendum",
    "edit-student", "clinician-check", "safety-workflow", "confirm", "new-recovery-key",
)  # fmt: skip
FILTERS = ("a", "Sm", "gr", "7", "zz", "")


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


def make_demo_vault(
    data_dir: Path, students: int, sessions: int, *, critical_screening: bool = False
) -> None:
    """A profile "default" with cheap key derivation, filled with fictional demo data (and,
    with ``critical_screening``, a PHQ-A with item 9 endorsed whose safety follow-up is open,
    for the safety workflow dialog)."""
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
    if critical_screening:
        from datetime import date

        from clinician_desk.services.screenings.use_cases import AdministrationInput

        answers = {str(i): 0 for i in range(1, 9)} | {
            "9": 1,
            "past_year": "no",
            "serious_thoughts": "no",
            "ever_attempted": "no",
        }
        first = services.record.caseload().caseload[0].student_id
        services.screenings.record(AdministrationInput(first, "PHQ-A", date(2026, 10, 5), answers))
    services.close()


@dataclass
class SoakSession:
    """Drives a main window built on ``data_dir`` (which holds a demo vault, see above)."""

    data_dir: Path
    lock_every: int = 50
    timeout_ms: int = 30_000
    rotation: tuple[str, ...] = ROTATION
    dialogs: tuple[str, ...] = ("note-search", "add-student")
    visible: bool = True  # False: the window is built but not shown (no painting: faster)
    done: Counter[str] = field(default_factory=Counter)
    window: Any = None
    _student_ids: list[Any] = field(default_factory=list)
    _step: int = 0
    _dialogs: int = 0
    _signed: tuple[Any, int] | None = None  # (student id, sessions row) of a signed note
    _critical: Any = None  # a recorded critical screening (for the safety workflow dialog)

    def start(self) -> None:
        from clinician_desk.clock import FakeClock
        from ui.app import build_context, build_window

        # A fake clock: auto-lock happens only when the script locks, never by wall time.
        clock = FakeClock(datetime(2026, 10, 6, 17, 30, tzinfo=UTC))
        ctx = build_context(self.data_dir, clock=clock, settings_path=self.data_dir / "ui.ini")
        self.window = build_window(ctx, idle=3600)
        self.window.resize(1100, 720)
        if self.visible:
            self.window.show()
        self.unlock()
        services = ctx.services
        self._student_ids = [
            row.student_id
            for row in ctx.tasks.call_db_blocking(lambda: services.record.caseload()).caseload
        ]
        if not self._student_ids:
            raise RuntimeError("the soak vault has no students")
        if {"addendum", "safety-workflow"} & set(self.dialogs):
            self._prepare_dialogs()

    def _prepare_dialogs(self) -> None:
        """Find a signed note (addendum) and an open safety follow-up (safety workflow; the
        vault needs ``make_demo_vault(..., critical_screening=True)``)."""
        page = self.window.student_page
        for student_id in self._student_ids:
            self.window.open_student(student_id)
            self._settle()
            model = page.sessions_model
            rows = [r for r in range(model.rowCount()) if model.row_at(r).note_status == "signed"]
            if rows:
                self._signed = (student_id, rows[0])
                break
        services = self.window.ctx.services
        for student_id in self._student_ids:
            open_ones = self.window.ctx.tasks.call_db_blocking(
                lambda sid=student_id: services.screenings.open_follow_ups(sid)
            )
            if open_ones:
                self._critical = (student_id, open_ones[0])
                break

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

    def filter_caseload(self) -> None:
        """Type a filter into the caseload (the proxy re-filters on each textChanged)."""
        self.window.caseload_page.filter_edit.setText(FILTERS[self._step % len(FILTERS)])
        self._settle()

    def select_row(self) -> None:
        """Select a caseload row (selection and current-row signals, no vault access)."""
        table = self.window.caseload_page.table
        rows = table.model().rowCount()
        if rows:
            table.selectRow(self._step % rows)
        self._settle()

    def signal_ui(self) -> None:
        """Signals emitted from Python that stay in the UI: the caseload filter's textChanged
        and the navigation list's currentRowChanged (the page it names is shown)."""
        caseload = self.window.caseload_page
        caseload.filter_edit.textChanged.emit(caseload.filter_edit.text())
        nav = self.window.nav
        nav.currentRowChanged.emit(nav.currentRow())
        self._settle()

    def open_dialog(self) -> None:
        """The next dialog of ``dialogs`` opened by the app's own opener, then closed."""
        import shiboken6
        from PySide6.QtWidgets import QApplication, QDialog

        window = self.window
        name = self.dialogs[self._dialogs % len(self.dialogs)]
        self._dialogs += 1
        shown: list[QDialog] = []
        self._open(name, shown)
        self._settle()
        shown += [d for d in window.findChildren(QDialog) if d.isVisible()]
        if not shown:
            raise AssertionError(f"the {name} dialog did not open")
        for dialog in shown:
            if shiboken6.isValid(dialog) and dialog.isVisible():
                dialog.done(QDialog.DialogCode.Rejected.value)
        self._settle()
        if QApplication.activeModalWidget() is not None:
            raise AssertionError(f"the {name} dialog did not close")

    def _open(self, name: str, shown: list[Any]) -> None:
        from ui.dialogs.integrity_warning import show_integrity_warnings
        from ui.widgets import confirm

        window = self.window
        student, screening = window.student_page, window.screening_page
        if name in ("retention", "edit-student") and student.student_id is None:
            self.open_student()
        if name == "note-search":
            window.find_action.trigger()  # Ctrl+F
        elif name == "add-student":
            window.caseload_page.add_student()
        elif name == "drafts":
            window.show_drafts()
        elif name == "error":
            window.show_error("A fictional error for the soak.")
        elif name == "integrity":
            show_integrity_warnings(window, ["A fictional warning for the soak."])
        elif name == "new-recovery-key":
            window.show_new_recovery_key("FICTIONAL-SOAK-KEY")
        elif name == "retention":
            student.destroy_button.open_dialog()
        elif name == "edit-student":
            student.edit_student()
        elif name == "addendum":
            if self._signed is None:
                raise AssertionError("the soak vault has no signed note")
            student_id, row = self._signed
            if student.student_id != student_id:
                window.open_student(student_id)
                self._settle()
            student.sessions_view.selectRow(row)
            student.add_addendum()
        elif name == "clinician-check":
            screening.ask_clinician()
        elif name == "safety-workflow":
            if self._critical is None:
                raise AssertionError("the soak vault has no open safety follow-up")
            student_id, follow_up = self._critical
            screening.student_id = student_id
            screening.administration_id = follow_up.screening_id
            screening.result = follow_up
            screening.open_safety_workflow()
        elif name == "confirm":  # a modal question run with exec(): closed as soon as shown
            self._close_modal_when_shown(shown)
            confirm.ask(window, "Soak", "A fictional question?", "Yes")
        else:
            raise ValueError(f"unknown dialog {name!r}")

    def _close_modal_when_shown(self, shown: list[Any]) -> None:
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication, QDialog

        def close() -> None:
            widget = QApplication.activeModalWidget()
            if isinstance(widget, QDialog):
                shown.append(widget)
                widget.done(QDialog.DialogCode.Rejected.value)
            else:
                QTimer.singleShot(1, close)

        QTimer.singleShot(0, close)

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
            name = self.rotation[self._step % len(self.rotation)]
            {
                "page": self.page_switch,
                "student": self.open_student,
                "dialog": self.open_dialog,
                "signal": self.signal_student,
                "signal_ui": self.signal_ui,
                "filter": self.filter_caseload,
                "row": self.select_row,
            }[name]()
        self.done[name] += 1
        return name

    def run(self, actions: int) -> None:
        for _ in range(actions):
            self.act()
