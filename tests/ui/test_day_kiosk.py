"""Issue 20, item 2: while a student answers a screening the window shows only the screening.

No sidebar, no menus, no shortcut but Lock; leaving before the last question needs the
clinician's passphrase (checked against the vault) or the lock screen.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.support.day import fictional_student, unlock
from tests.support.ui import PASSPHRASE, screenshots_dir
from ui.dialogs.clinician_check_dialog import ClinicianCheckDialog

SCREENSHOTS = screenshots_dir()


def _begin_screening(qtbot, window) -> None:
    sid = fictional_student(window)
    window.caseload_page.activate()
    window.open_student(sid)
    qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)
    qtbot.mouseClick(window.student_page.screening_button, Qt.MouseButton.LeftButton)
    page = window.screening_page
    page.select_instrument("PHQ-A")
    assert window.nav.isVisible() and window.menuBar().isVisible()  # the clinician's window
    qtbot.mouseClick(page.begin_button, Qt.MouseButton.LeftButton)
    assert page.stack.currentIndex() == 1


def _assert_kiosk(window) -> None:
    page = window.screening_page
    assert window.page_stack.currentWidget() is page
    assert not window.nav.isVisible() and not window.menuBar().isVisible()
    for act in window.actions():
        assert act.isEnabled() == (act is window.lock_action), act.objectName()
    window.nav.setCurrentRow(0)  # even a programmatic route to the caseload is refused
    window.open_student(window.student_page.student_id)
    window.new_note(None)
    assert window.page_stack.currentWidget() is page
    assert page.stack.currentIndex() == 1


def _assert_clinician_window(window) -> None:
    assert window.nav.isVisible() and window.menuBar().isVisible()
    assert window.new_note_action.isEnabled() and window.find_action.isEnabled()
    assert window.drafts_action.isEnabled() and window.print_action.isEnabled()


def test_screening_questions_are_a_kiosk_left_only_with_the_passphrase(qtbot, unlocked_window):
    window = unlocked_window
    _begin_screening(qtbot, window)
    page = window.screening_page
    _assert_kiosk(window)
    qtbot.mouseClick(page.option_buttons()[0], Qt.MouseButton.LeftButton)  # one answer
    qtbot.mouseClick(page.hand_back_button, Qt.MouseButton.LeftButton)
    dialog = page.findChild(ClinicianCheckDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.grab().save(str(SCREENSHOTS / "kiosk-clinician-check.png"))
    dialog.passphrase_edit.setText("not the passphrase")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not correct" in dialog.message_label.text(), timeout=20_000)
    assert dialog.isVisible() and dialog.passphrase_edit.text() == ""
    _assert_kiosk(window)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    _assert_kiosk(window)  # "Keep answering"
    qtbot.mouseClick(page.hand_back_button, Qt.MouseButton.LeftButton)
    dialog = next(d for d in page.findChildren(ClinicianCheckDialog) if d.isVisible())
    dialog.passphrase_edit.setText(PASSPHRASE)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.kiosk, timeout=20_000)
    assert page.stack.currentIndex() == 0 and page.flow is None  # answers not kept
    _assert_clinician_window(window)
    window.nav.setCurrentRow(0)
    assert window.page_stack.currentWidget() is window.caseload_page


def test_lock_screen_ends_the_kiosk_and_finishing_returns_the_window(qtbot, unlocked_window):
    window = unlocked_window
    _begin_screening(qtbot, window)
    _assert_kiosk(window)
    window.lock_action.trigger()  # Ctrl+L stays available to the clinician
    assert not window.ctx.unlocked
    assert not window.lock_action.isEnabled() and not window.new_note_action.isEnabled()
    unlock(qtbot, window)
    _assert_clinician_window(window)
    assert window.page_stack.currentWidget() is window.caseload_page
    # Answering to the end hands the window back for the result (safety workflow unchanged).
    _begin_screening(qtbot, window)
    page = window.screening_page
    while page.stack.currentIndex() == 1:
        values = [o.value for o in page.flow.current.options]
        wanted = 0 if 0 in values else ("no" if "no" in values else values[0])
        qtbot.mouseClick(page.option_buttons()[values.index(wanted)], Qt.MouseButton.LeftButton)
    assert page.stack.currentIndex() == 2 and not page.kiosk
    _assert_clinician_window(window)
