"""Group sessions, psychotherapy notes, drafts saved by locking, Ctrl+L / Ctrl+F, event bridge."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, QThread
from PySide6.QtGui import QKeySequence

from clinician_desk.events import EventBus, NoteSigned
from tests.support.ui import PASSPHRASE, add_students, grab
from ui.bridge import EventBridge
from ui.dialogs.note_search_dialog import NoteSearchDialog
from ui.widgets import confirm

SCHOOL = "99123450000001"


def test_group_session_gives_each_student_a_note_and_process_note_is_separate(
    qtbot, unlocked_window, artifacts_dir
):
    window = unlocked_window
    a, b, _c = add_students(
        window, [("Testy", "McFakeface"), ("Sample", "Placeholder"), ("Mocky", "Dummyworth")]
    )
    qtbot.waitUntil(lambda: window.caseload_page.model.rowCount() == 3, timeout=20_000)
    window.open_student(a)
    qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)
    window.new_note(a)
    editor = window.note_page
    form = editor.form
    form.service_combo.setCurrentIndex(form.service_combo.findData("TX-GRP"))
    form.kind_combo.setCurrentIndex(form.kind_combo.findData("group"))
    assert form.group_list.count() == 2  # everyone else on the caseload
    for i in range(form.group_list.count()):
        item = form.group_list.item(i)
        if item.text().startswith("Sample"):
            item.setCheckState(Qt.CheckState.Checked)
    qtbot.mouseClick(editor.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.tabs.count() == 2, timeout=20_000)
    assert set(editor.notes) == {a, b}
    for widget in editor.notes.values():
        widget.editors["subjective"].setPlainText("Group practiced breathing (fictional).")
    editor.process_edit.setPlainText("Process impressions kept apart (fictional).")
    editor.save_draft_now()
    assert window.ctx.tasks.wait_idle()
    grab(window, artifacts_dir, "14_group_note")
    services = window.ctx.services
    session_id = editor.session_id
    text = window.ctx.tasks.call_db_blocking(
        lambda: services.record.read_psychotherapy_note(session_id, a)
    )
    assert text == "Process impressions kept apart (fictional)."
    for _ in range(2):
        confirm.set_next_answers(True)
        qtbot.mouseClick(editor.sign_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: editor.sign_button.isEnabled() or editor.tabs.count() == 0, timeout=20_000
        )
    qtbot.waitUntil(
        lambda: window.page_stack.currentWidget() is window.student_page, timeout=20_000
    )
    note_b = window.ctx.tasks.call_db_blocking(lambda: _note_of(services, b))
    view = window.ctx.tasks.call_db_blocking(lambda: services.record.note_view(note_b))
    note_text = " ".join(section.text for section in view.sections)
    assert view.status == "signed"
    assert "breathing" in note_text and "Process impressions" not in note_text


def _note_of(services, student_id):
    page = services.record.student_page(student_id)
    return page.sessions[0].note_id


def test_locking_saves_the_draft_and_ctrl_l_and_ctrl_f_work(qtbot, unlocked_window):
    window = unlocked_window
    (a,) = add_students(window, [("Testy", "McFakeface")])
    window.open_student(a)
    qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)
    window.new_note(a)
    editor = window.note_page
    qtbot.mouseClick(editor.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.tabs.count() == 1, timeout=20_000)
    note_id = editor.current_note().note_id
    editor.current_note().editors["plan"].setPlainText("Typed just before the lock (fictional).")
    assert window.lock_action.shortcut() == QKeySequence("Ctrl+L")
    window.lock_action.trigger()  # what Ctrl+L does; autosave timer has not fired yet
    assert not window.ctx.unlocked
    assert window.note_page.tabs.count() == 0  # nothing clinical left on screen
    window.unlock_page.passphrase_edit.setText(PASSPHRASE)
    window.unlock_page.try_unlock()
    qtbot.waitUntil(lambda: window.ctx.unlocked, timeout=20_000)
    services = window.ctx.services
    view = window.ctx.tasks.call_db_blocking(lambda: services.record.note_view(note_id))
    assert {s.key: s.text for s in view.sections}[
        "plan"
    ] == "Typed just before the lock (fictional)."
    assert view.status == "draft"
    assert window.find_action.shortcut() == QKeySequence("Ctrl+F")
    window.find_action.trigger()
    dialog = window.findChild(NoteSearchDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.query_edit.setText("lock")
    dialog.run_search()
    qtbot.waitUntil(lambda: dialog.model.rowCount() >= 1, timeout=20_000)
    dialog.table.activated.emit(dialog.model.index(0, 0))
    qtbot.waitUntil(lambda: window.student_page.student_id == a, timeout=20_000)


def test_event_bridge_delivers_worker_events_on_the_gui_thread(qtbot):
    bus = EventBus()
    bridge = EventBridge(bus, kinds=(NoteSigned,))
    received: list[tuple[NoteSigned, bool]] = []
    gui = QThread.currentThread()
    bridge.on(NoteSigned, lambda event: received.append((event, QThread.currentThread() is gui)))
    worker = threading.Thread(target=lambda: bus.publish(NoteSigned(note_id=7)))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(received) == 1, timeout=5_000)
    assert received == [(NoteSigned(note_id=7), True)]
    bridge.close()
    bus.publish(NoteSigned(note_id=8))
    qtbot.wait(50)
    assert len(received) == 1
    assert isinstance(bridge, QObject)
