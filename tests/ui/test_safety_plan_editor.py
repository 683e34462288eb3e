"""The Stanley–Brown safety plan from the student page: create, revise, refuse, print."""

from __future__ import annotations

import io

from pypdf import PdfReader
from PySide6.QtCore import Qt

from tests.support.ui import grab, open_fictional_student, problems


def _open_dialog(qtbot, window):
    from ui.dialogs.safety_plan_dialog import SafetyPlanDialog

    page = window.student_page
    qtbot.mouseClick(page.record_actions.safety_plan_button, Qt.MouseButton.LeftButton)
    dialog = page.findChild(SafetyPlanDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_create_then_print_a_safety_plan(qtbot, unlocked_window, artifacts_dir):
    window = unlocked_window
    student_id = open_fictional_student(qtbot, window)
    dialog = _open_dialog(qtbot, window)
    assert problems(dialog) == []
    assert "No safety plan on file" in dialog.current_label.text()
    assert not dialog.print_button.isEnabled()  # nothing saved yet, nothing to print
    edits = dialog.editor.step_edits
    edits["warning_signs"].setPlainText("Stops answering friends (fictional)\nSkips lunch")
    edits["coping_strategies"].setPlainText("Drawing comics")
    edits["help_contacts"].setPlainText("Aunt Example — 555-0100")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=20_000)
    assert "Saved" in dialog.message.text()
    # The core always adds the 988 Lifeline to step 5; the editor shows what was kept.
    assert "988" in edits["professionals"].toPlainText()
    assert dialog.print_button.isEnabled()
    plan = window.ctx.tasks.call_db_blocking(
        lambda: window.ctx.services.record.safety_plan(student_id)
    )
    assert plan.steps[0].items == ("Stops answering friends (fictional)", "Skips lunch")
    qtbot.waitUntil(
        lambda: "Made 2026-10-06" in window.student_page.profile.toPlainText(), timeout=20_000
    )
    grab(dialog, artifacts_dir, "40_safety_plan_dialog")
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert window.page_stack.currentWidget() is window.print_page
    print_page = window.print_page
    assert print_page.document_combo.currentData() == "safety_plan"
    qtbot.mouseClick(print_page.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: print_page.pdf_bytes is not None, timeout=20_000)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(print_page.pdf_bytes)).pages)
    assert "Stops answering friends" in text and "988" in text


def test_revision_starts_from_the_current_plan_and_print_waits_for_save(qtbot, unlocked_window):
    window = unlocked_window
    student_id = open_fictional_student(qtbot, window, last="Revisewell")
    services = window.ctx.services
    first = window.ctx.tasks.call_db_blocking(
        lambda: services.record.save_safety_plan(student_id, {"warning_signs": ["Pacing"]})
    )
    window.open_student(student_id)
    qtbot.waitUntil(lambda: window.student_page.page.safety_plan is not None, timeout=20_000)
    dialog = _open_dialog(qtbot, window)
    assert dialog.editor.step_edits["warning_signs"].toPlainText() == "Pacing"
    assert "Current plan made 2026-10-06" in dialog.current_label.text()
    assert dialog.print_button.isEnabled()
    dialog.editor.step_edits["distraction"].setPlainText("Library club (fictional)")
    assert not dialog.print_button.isEnabled()  # unsaved changes: print would show the old plan
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: dialog.plan is not None and dialog.plan.plan_id != first, timeout=20_000
    )
    assert dialog.plan.steps[2].items == ("Library club (fictional)",)
    assert dialog.print_button.isEnabled()


def test_a_plan_without_warning_signs_is_refused_and_nothing_typed_is_lost(qtbot, unlocked_window):
    window = unlocked_window
    student_id = open_fictional_student(qtbot, window, last="Refusalton")
    dialog = _open_dialog(qtbot, window)
    dialog.editor.step_edits["coping_strategies"].setPlainText("Music with headphones")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "warning sign" in dialog.message.text(), timeout=20_000)
    assert dialog.isVisible() and dialog.save_button.isEnabled()
    assert dialog.editor.step_edits["coping_strategies"].toPlainText() == "Music with headphones"
    assert dialog.plan is None
    saved = window.ctx.tasks.call_db_blocking(
        lambda: window.ctx.services.record.safety_plan(student_id)
    )
    assert saved is None


def test_the_safety_workflow_uses_the_same_editor(qtbot, unlocked_window):
    from ui.dialogs.safety_workflow_dialog import SafetyWorkflowDialog
    from ui.widgets.safety_plan_editor import SafetyPlanEditor

    dialog = SafetyWorkflowDialog(unlocked_window.ctx, 1, 1, None)
    qtbot.addWidget(dialog)
    assert isinstance(dialog.plan_editor, SafetyPlanEditor)
    dialog.step_edits["warning_signs"].setPlainText(" Restless \n\n")
    assert dialog.plan_steps()["warning_signs"] == ["Restless"]
    assert dialog.plan_steps()["professionals"] == []
