"""Every dialog the app opens is deleted once it is closed (issue 13).

A closed dialog that stays a child of its window keeps its widgets, its models and whatever its
slots captured for as long as the window lives: a clinician's day of opening the same dialogs
grows the process without end (the soak test counts it). Each opener below is the app's own
(the button's slot, the window's method); after the dialog is closed (its Cancel/Close/OK) and the
deferred deletions have run, no dialog may be left in the window's object tree.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.soak_session import SoakSession, make_demo_vault

pytestmark = pytest.mark.no_qt_log


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("dialogs") / "data"
    make_demo_vault(data, students=4, sessions=16, critical_screening=True)
    return data


@pytest.fixture
def session(qapp, demo_data: Path):
    soak = SoakSession(demo_data, lock_every=0)
    soak.start()
    yield soak
    soak.close()


def _settle() -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    from ui.tasks import pump_events

    for _ in range(3):
        pump_events()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


SHOWN: list[str] = []  # the dialogs the exec() openers showed (closed at once by the timer)


def _close_when_shown() -> None:
    """For dialogs run with exec(): close the modal dialog as soon as it shows."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialog

    def close() -> None:
        widget = QApplication.activeModalWidget()
        if isinstance(widget, QDialog):
            SHOWN.append(type(widget).__name__)
            widget.done(QDialog.DialogCode.Rejected.value)
        else:
            QTimer.singleShot(10, close)

    QTimer.singleShot(0, close)


def _open_dialogs(window) -> list:
    from PySide6.QtWidgets import QDialog

    return [d for d in window.findChildren(QDialog) if d.isVisible()]


def _student_with_signed_note(session: SoakSession):
    window = session.window
    page = window.student_page
    for student_id in session._student_ids:
        session.window.open_student(student_id)
        session._settle()
        model = page.sessions_model
        for row in range(model.rowCount()):
            data = model.row_at(row)
            if data.note_id is not None and data.note_status == "signed":
                page.sessions_view.selectRow(row)
                session._settle()
                return student_id
    raise AssertionError("the demo vault has no signed note")


def _openers(session: SoakSession) -> dict:
    from ui.dialogs.integrity_warning import show_integrity_warnings
    from ui.widgets import confirm

    window = session.window
    student = window.student_page
    screening = window.screening_page

    def critical_screening() -> None:  # the PHQ-A with item 9 endorsed, follow-up open
        services = window.ctx.services
        sid = session._student_ids[0]
        open_one = window.ctx.tasks.call_db_blocking(
            lambda: services.screenings.open_follow_ups(sid)
        )[0]
        screening.student_id = sid
        screening.administration_id = open_one.screening_id
        screening.result = open_one
        screening.open_safety_workflow()

    def ask() -> None:
        _close_when_shown()
        assert confirm.ask(window, "Fictional", "Fictional question?", "Yes") is False

    def recovery() -> None:
        _close_when_shown()
        window.use_recovery_key("default")

    return {
        "addendum": student.add_addendum,
        "retention": student.destroy_button.open_dialog,
        "edit-student": student.edit_student,
        "screening-safety-workflow": critical_screening,
        "clinician-check": screening.ask_clinician,
        "error-box": lambda: window.show_error("A fictional error."),
        "integrity-warning": lambda: show_integrity_warnings(window, ["A fictional warning."]),
        "new-recovery-key": lambda: window.show_new_recovery_key("FICTIONAL-KEY"),
        "drafts": window.show_drafts,
        "note-search": window.search_notes,
        "confirm": ask,
        "recovery-key": recovery,
    }


@pytest.mark.slow  # 4-11 s on 2 shared cores (most of it making the demo vault)
def test_every_dialog_is_deleted_after_closing(session: SoakSession) -> None:
    from PySide6.QtWidgets import QDialog

    window = session.window
    _student_with_signed_note(session)
    kept, shown = {}, {}
    for name, opener in _openers(session).items():
        SHOWN.clear()
        opener()
        session._settle()
        _settle()
        shown[name] = SHOWN + [type(d).__name__ for d in _open_dialogs(window)]
        for dialog in _open_dialogs(window):
            dialog.done(QDialog.DialogCode.Rejected.value)
        _settle()
        left = [type(d).__name__ for d in window.findChildren(QDialog)]
        if left:
            kept[name] = left
            for dialog in window.findChildren(QDialog):
                dialog.deleteLater()  # so the next opener is judged on its own
            _settle()
    assert [name for name, dialogs in shown.items() if len(dialogs) != 1] == [], shown
    assert kept == {}
