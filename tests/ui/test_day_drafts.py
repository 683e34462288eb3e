"""Issue 20, item 1: an unsigned note is never stranded.

It can be continued and signed from the student page and from File ▸ Drafts; Ctrl+L, the idle
lock, "New note" while a note is open and Quit keep it as a draft, and the next unlock reopens
it; Quit asks first.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.support.day import fictional_student, start_note, unlock
from tests.support.ui import screenshots_dir
from ui.dialogs.drafts_dialog import DraftsDialog
from ui.widgets import confirm

SCREENSHOTS = screenshots_dir()


def _reopened(qtbot, window, note_id: int, plan: str) -> None:
    editor = window.note_page
    qtbot.waitUntil(
        lambda: editor.current_note() is not None and editor.current_note().note_id == note_id,
        timeout=20_000,
    )
    assert window.page_stack.currentWidget() is editor
    assert editor.current_note().editors["plan"].toPlainText() == plan
    assert editor.sign_button.isEnabled()


def _sign_current(qtbot, window) -> None:
    editor = window.note_page
    confirm.set_next_answers(True)
    qtbot.mouseClick(editor.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: window.page_stack.currentWidget() is window.student_page, timeout=20_000
    )


def _status(window, note_id: int) -> str:
    services = window.ctx.services
    return window.ctx.tasks.call_db_blocking(lambda: services.record.note_view(note_id)).status


def test_ctrl_l_keeps_the_open_note_and_unlock_reopens_it_to_sign(qtbot, unlocked_window):
    window = unlocked_window
    sid = fictional_student(window)
    note_id = start_note(qtbot, window, sid, "Typed before Ctrl+L (fictional).")
    window.lock_action.trigger()
    assert not window.ctx.unlocked and window.note_page.tabs.count() == 0
    unlock(qtbot, window)
    _reopened(qtbot, window, note_id, "Typed before Ctrl+L (fictional).")
    window.note_page.current_note().editors["plan"].setPlainText("Finished after unlock.")
    _sign_current(qtbot, window)
    assert _status(window, note_id) == "signed"


def test_idle_lock_keeps_the_open_note_and_unlock_reopens_it(qtbot, unlocked_window, clock):
    window = unlocked_window
    sid = fictional_student(window)
    note_id = start_note(qtbot, window, sid, "Typed before the idle lock (fictional).")
    clock.advance(301)
    window.session.watcher.check()
    assert not window.ctx.unlocked
    unlock(qtbot, window)
    _reopened(qtbot, window, note_id, "Typed before the idle lock (fictional).")


def test_new_note_keeps_the_open_one_which_continues_from_the_student_page(qtbot, unlocked_window):
    window = unlocked_window
    sid = fictional_student(window)
    first = start_note(qtbot, window, sid, "First note, left unsigned (fictional).")
    window.new_note(sid)  # "New note" while a note is open
    assert "kept as a draft" in window.note_page.status_label.text()
    assert window.note_page.tabs.count() == 0
    assert window.ctx.tasks.wait_idle()
    window.open_student(sid)
    page = window.student_page
    qtbot.waitUntil(lambda: page.sessions_model.rowCount() == 1, timeout=20_000)
    assert not page.continue_draft_button.isEnabled()
    page.sessions_view.setCurrentIndex(page.sessions_model.index(0, 0))
    assert page.continue_draft_button.isEnabled()
    qtbot.mouseClick(page.continue_draft_button, Qt.MouseButton.LeftButton)
    _reopened(qtbot, window, first, "First note, left unsigned (fictional).")
    _sign_current(qtbot, window)
    assert _status(window, first) == "signed"
    qtbot.waitUntil(
        lambda: (
            page.sessions_model.rowCount() == 1
            and page.sessions_model.row_at(0).note_status == "signed"
        ),
        timeout=20_000,
    )
    page.sessions_view.setCurrentIndex(page.sessions_model.index(0, 0))
    assert not page.continue_draft_button.isEnabled()  # signed: addendum, not continue


def test_drafts_dialog_lists_every_unsigned_note_and_continues_one(qtbot, unlocked_window):
    window = unlocked_window
    a = fictional_student(window, "Testy")
    b = fictional_student(window, "Sample")
    note_a = start_note(qtbot, window, a, "Draft for Testy (fictional).")
    note_b = start_note(qtbot, window, b, "Draft for Sample (fictional).")
    assert window.ctx.tasks.wait_idle()
    assert window.drafts_action.isEnabled()
    window.drafts_action.trigger()
    dialog = window.findChild(DraftsDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=20_000)
    names = {dialog.model.row_at(i).note_id: dialog.model.index(i, 0).data() for i in range(2)}
    assert names[note_a].startswith("Testy") and names[note_b].startswith("Sample")
    service_text = dialog.model.index(0, 2).data()
    assert service_text and "-" not in service_text.split()[0]  # a name, not a raw code
    assert dialog.grab().save(str(SCREENSHOTS / "drafts-dialog.png"))
    row = next(i for i in range(2) if dialog.model.row_at(i).note_id == note_a)
    dialog.table.setCurrentIndex(dialog.model.index(row, 0))
    qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
    _reopened(qtbot, window, note_a, "Draft for Testy (fictional).")


def test_quit_with_an_unsigned_note_asks_and_cancel_keeps_working(qtbot, unlocked_window):
    window = unlocked_window
    sid = fictional_student(window)
    note_id = start_note(qtbot, window, sid, "Typed before Quit (fictional).")
    confirm.set_next_answers(False)  # Cancel
    window.quit_action.trigger()
    assert any("not signed" in text for text in confirm.asked)
    assert window.isVisible() and window.ctx.unlocked
    assert window.note_page.current_note().note_id == note_id
    confirm.asked.clear()
    confirm.set_next_answers(True)  # Save as draft and quit
    window.quit_action.trigger()
    assert confirm.asked and not window.isVisible()
    assert not window.ctx.unlocked  # quitting locked the vault after saving the draft
    unlock(qtbot, window)  # the next start: the note reopens where it was
    _reopened(qtbot, window, note_id, "Typed before Quit (fictional).")


def test_quit_without_open_work_does_not_ask(qtbot, unlocked_window):
    window = unlocked_window
    confirm.asked.clear()
    window.quit_action.trigger()
    assert confirm.asked == [] and not window.isVisible()
