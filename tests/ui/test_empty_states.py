"""Issue 24, item 5: an empty caseload offers the next steps; slow loads show progress in place."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.support.day import fictional_student
from ui.dialogs.roster_import_wizard import RosterImportWizard
from ui.dialogs.student_dialog import StudentDialog
from ui.widgets.empty_state import BUSY_AFTER_MS, BusyHint


def test_an_empty_caseload_says_so_and_offers_the_next_steps(qtbot, unlocked_window):
    window = unlocked_window
    page = window.caseload_page
    window.ctx.tasks.wait_idle(10_000)
    state = page.empty_state
    assert state.isVisible() and not page.table.isVisible()
    assert state.title.text() == "No students yet"
    texts = [b.text() for b in state.next_steps]
    assert texts == ["Add a student…", "Import a roster…", "Enroll with the county…"]
    assert state.next_steps[0].isDefault()  # the common, safe step

    qtbot.mouseClick(state.next_steps[0], Qt.MouseButton.LeftButton)
    dialog = next(d for d in page.findChildren(StudentDialog) if d.isVisible())
    dialog.reject()

    qtbot.mouseClick(state.next_steps[1], Qt.MouseButton.LeftButton)
    wizard = next(w for w in window.findChildren(RosterImportWizard) if w.isVisible())
    wizard.reject()

    qtbot.mouseClick(state.next_steps[2], Qt.MouseButton.LeftButton)
    assert window.page_stack.currentWidget() is window.sync_page

    fictional_student(window)
    page.activate()
    window.ctx.tasks.wait_idle(10_000)
    window.nav.setCurrentRow(0)
    assert not state.isVisibleTo(page) and page.table.isVisibleTo(page)
    assert page.count_label.text() == "1 of 1 student"


def test_progress_shows_only_for_work_over_half_a_second(qtbot):
    hint = BusyHint("probe", "Loading (fictional)…")
    qtbot.addWidget(hint)
    hint.start()
    hint.stop()  # quick work: never shown
    qtbot.wait(BUSY_AFTER_MS + 150)
    assert not hint.isVisibleTo(hint.parentWidget() or hint) and not hint.isVisible()
    hint.start()
    qtbot.waitUntil(hint.isVisible, timeout=3_000)  # slow work: shown in place
    assert hint.format() == "Loading (fictional)…" and hint.maximum() == 0
    hint.stop()
    assert not hint.isVisible()


def test_the_note_editor_without_a_student_offers_the_next_steps(qtbot, unlocked_window):
    from ui.dialogs.drafts_dialog import DraftsDialog

    window = unlocked_window
    page = window.note_page
    window.nav.setCurrentRow(window.pages.index(page))
    state = page.empty_state
    assert state.isVisibleTo(page) and not page.editor.isVisibleTo(page)
    assert state.title.text() == "No student chosen"
    assert [b.text() for b in state.next_steps] == ["Choose a student…", "Continue a draft…"]
    assert state.next_steps[0].isDefault()

    qtbot.mouseClick(state.next_steps[0], Qt.MouseButton.LeftButton)
    assert window.page_stack.currentWidget() is window.caseload_page
    qtbot.mouseClick(state.next_steps[1], Qt.MouseButton.LeftButton)
    dialog = next(d for d in window.findChildren(DraftsDialog) if d.isVisible())
    dialog.reject()

    window.new_note(fictional_student(window))
    window.ctx.tasks.wait_idle(10_000)
    assert not state.isVisibleTo(page) and page.editor.isVisibleTo(page)
    page.clear()
    assert state.isVisibleTo(page)


def test_the_sync_page_before_enrollment_offers_to_enroll(qtbot, unlocked_window):
    window = unlocked_window
    page = window.sync_page
    window.nav.setCurrentRow(window.pages.index(page))
    window.ctx.tasks.wait_idle(10_000)
    qtbot.waitUntil(lambda: page.empty_state.isVisibleTo(page), timeout=10_000)
    state = page.empty_state
    assert state.title.text() == "This laptop is not enrolled yet"
    assert [b.text() for b in state.next_steps] == ["Enroll with the county…"]
    assert state.next_steps[0].isDefault()
    # No empty table of months and no "Sync now" before there is anything to sync.
    assert not page.table.isVisibleTo(page) and not page.sync_row.isVisibleTo(page)
    assert page.enroll_box.isVisibleTo(page)
    qtbot.mouseClick(state.next_steps[0], Qt.MouseButton.LeftButton)
    focused = window.focusWidget()
    assert focused in (page.server_edit, page.code_edit)
    if page.server_edit.text():
        assert focused is page.code_edit


def test_the_print_centre_says_what_to_do_before_a_preview(qtbot, unlocked_window):
    window = unlocked_window
    page = window.print_page
    window.nav.setCurrentRow(window.pages.index(page))
    state = page.empty_state
    assert state.isVisibleTo(page) and not page.view.isVisibleTo(page)
    assert state.title.text() == "No student chosen"
    assert page.empty_choose_button.isVisibleTo(page) and page.empty_choose_button.isDefault()
    # A generic handout needs no student: Preview is offered beside the caseload; a document
    # about a student is not previewable without one.
    page.document_combo.setCurrentIndex(page.document_combo.findData("generic_handout"))
    assert page.empty_preview_button.isVisibleTo(page)
    page.document_combo.setCurrentIndex(page.document_combo.findData("safety_plan"))
    assert not page.empty_preview_button.isVisibleTo(page)
    qtbot.mouseClick(page.empty_choose_button, Qt.MouseButton.LeftButton)
    assert window.page_stack.currentWidget() is window.caseload_page

    page.select(fictional_student(window), "")
    assert state.title.text() == "Nothing previewed yet"
    assert page.empty_preview_button.isVisibleTo(page) and page.empty_preview_button.isDefault()
    assert not page.empty_choose_button.isVisibleTo(page)
