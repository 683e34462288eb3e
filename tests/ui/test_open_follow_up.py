"""An open safety follow-up left by a lock is recorded later, from the student page.

A PHQ-A with item 9 positive forces the safety workflow open; locking (Ctrl+L) before it is
recorded closes it and keeps what was typed as an encrypted draft. After unlocking, the caseload
flags the student, opening them shows the follow-up in the red panel at the top, and "Record
safety follow-up…" opens the same dialog, which offers the draft back; recording closes the flag
in the vault and the caseload drops it. A flag without a screening closes with a reason.
Real vault in tmp_path; fictional data only.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.support.ui import (
    MARK,
    grab,
    no_plaintext_outside_vault,
    open_fictional_student,
    problems,
    relock,
    visible_dialog,
)
from ui.dialogs.safety_flag_dialog import CloseSafetyFlagDialog
from ui.dialogs.safety_workflow_dialog import SafetyWorkflowDialog
from ui.models.caseload_model import FLAG_ROLE, ID_ROLE


def _administer_phq_a_item_9(qtbot, window) -> SafetyWorkflowDialog:
    student = window.student_page
    qtbot.mouseClick(student.screening_button, Qt.MouseButton.LeftButton)
    page = window.screening_page
    page.select_instrument("PHQ-A")
    qtbot.mouseClick(page.begin_button, Qt.MouseButton.LeftButton)
    while page.stack.currentIndex() == 1:
        item = page.flow.current
        values = [o.value for o in item.options]
        wanted = 1 if item.id == "9" else ("no" if "no" in values else values[0])
        qtbot.mouseClick(page.option_buttons()[values.index(wanted)], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.findChild(SafetyWorkflowDialog) is not None, timeout=20_000)
    return page.findChild(SafetyWorkflowDialog)


def _open_follow_ups(window, student_id):
    services = window.ctx.services
    window.ctx.tasks.wait_idle()
    return window.ctx.tasks.call_db_blocking(
        lambda: services.screenings.open_follow_ups(student_id)
    )


def _caseload_flags(qtbot, window, student_id):
    window.nav.setCurrentRow(0)
    page = window.caseload_page
    window.ctx.tasks.wait_idle()
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=20_000)
    for row in range(page.proxy.rowCount()):
        index = page.proxy.index(row, 0)
        if index.data(ID_ROLE) == student_id:
            return index, tuple(index.data(FLAG_ROLE))
    raise AssertionError("student not on the caseload")


def test_follow_up_left_by_a_lock_is_recorded_from_the_student_page(
    qtbot, unlocked_window, tmp_path, artifacts_dir
):
    window = unlocked_window
    student_id = open_fictional_student(qtbot, window, last="Laterfield")
    panel = window.student_page.follow_ups
    assert panel.isHidden()  # nothing open yet
    dialog = _administer_phq_a_item_9(qtbot, window)
    dialog.risk_combo.setCurrentIndex(dialog.risk_combo.findData("moderate"))
    dialog.rationale_edit.setText(MARK)
    assert not dialog.later_button.isVisible()  # forced open on the screening page
    relock(qtbot, window, None)  # Ctrl+L before the follow-up is recorded
    (open_row,) = _open_follow_ups(window, student_id)
    assert open_row.screening_id is not None and [c.item for c in open_row.critical] == ["9"]

    # The caseload flags the student; Enter on the row lands on the page with the panel on top.
    index, flags = _caseload_flags(qtbot, window, student_id)
    assert "Safety follow-up" in flags
    window.caseload_page.table.activated.emit(index)  # what Enter / double-click do
    qtbot.waitUntil(lambda: panel.isVisible() and panel.model.rowCount() == 1, timeout=20_000)
    assert window.page_stack.currentWidget() is window.student_page
    qtbot.waitUntil(lambda: window.focusWidget() is panel.view, timeout=20_000)
    assert "PHQ-A" in panel.model.index(0, 1).data() and "Item 9" in panel.model.index(0, 2).data()
    assert panel.button.isEnabled() and panel.action.shortcut().toString() == "Ctrl+Shift+F"
    assert problems(panel) == []
    grab(window, artifacts_dir, "student_open_safety_follow_up")

    qtbot.mouseClick(panel.button, Qt.MouseButton.LeftButton)
    again = visible_dialog(window.student_page, SafetyWorkflowDialog)
    assert again.administration_id == open_row.screening_id
    assert "9" in again.findChild(type(again.message), "safety_intro_label").text()
    qtbot.waitUntil(lambda: again.draft.bar.isVisible(), timeout=20_000)
    grab(again, artifacts_dir, "safety_follow_up_reopened")
    qtbot.mouseClick(again.draft.restore_button, Qt.MouseButton.LeftButton)
    assert again.rationale_edit.text() == MARK
    assert again.risk_combo.currentData() == "moderate"
    qtbot.mouseClick(again.record_button, Qt.MouseButton.LeftButton)  # decision missing
    qtbot.waitUntil(lambda: "notification" in again.message.text().lower(), timeout=20_000)
    assert again.isVisible()
    again.step_edits["warning_signs"].setPlainText("Stays in room (fictional)")
    again.decision_combo.setCurrentIndex(again.decision_combo.findData("notified"))
    qtbot.mouseClick(again.record_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.isHidden(), timeout=20_000)

    assert _open_follow_ups(window, student_id) == ()
    services = window.ctx.services
    overview = window.ctx.tasks.call_db_blocking(services.record.caseload)
    assert student_id not in {f.student_id for f in overview.safety_flags}
    view = window.ctx.tasks.call_db_blocking(
        lambda: services.screenings.view(open_row.screening_id)
    )
    assert view.screening.status == "completed" and view.follow_up["risk_outcome"] == "moderate"
    _index, flags = _caseload_flags(qtbot, window, student_id)
    assert "Safety follow-up" not in flags
    no_plaintext_outside_vault(tmp_path)


def test_later_keeps_the_typing_and_the_flag(qtbot, unlocked_window):
    window = unlocked_window
    student_id = open_fictional_student(qtbot, window, last="Waitwell")
    _administer_phq_a_item_9(qtbot, window)
    relock(qtbot, window, student_id)
    panel = window.student_page.follow_ups
    qtbot.waitUntil(lambda: panel.isVisible(), timeout=20_000)
    panel.action.trigger()  # the Ctrl+Shift+F action
    dialog = visible_dialog(window.student_page, SafetyWorkflowDialog)
    dialog.rationale_edit.setText(MARK)
    qtbot.mouseClick(dialog.later_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert len(_open_follow_ups(window, student_id)) == 1  # still open in the vault
    services = window.ctx.services
    key = f"safety-follow-up:{student_id}:{panel.rows()[0].screening_id}"
    draft = window.ctx.tasks.call_db_blocking(lambda: services.record.load_form_draft(key))
    assert draft and draft["parent_rationale_line_edit"] == MARK


def test_a_flag_without_a_screening_closes_with_what_was_done(
    qtbot, unlocked_window, artifacts_dir
):
    window = unlocked_window
    student_id = open_fictional_student(qtbot, window, last="Flagwood")
    services = window.ctx.services
    window.ctx.tasks.call_db_blocking(
        lambda: services.record.open_safety_flag(
            student_id, source="manual", reason="Worrying drawing in class (fictional)"
        )
    )
    window.open_student(student_id)
    panel = window.student_page.follow_ups
    qtbot.waitUntil(lambda: panel.isVisible(), timeout=20_000)
    assert "Worrying drawing" in panel.model.index(0, 2).data()
    panel.view.activated.emit(panel.model.index(0, 0))  # Enter on the row
    dialog = visible_dialog(window.student_page, CloseSafetyFlagDialog)
    assert problems(dialog) == []
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)  # nothing typed
    qtbot.waitUntil(lambda: "reason" in dialog.message.text(), timeout=20_000)
    assert dialog.isVisible() and len(_open_follow_ups(window, student_id)) == 1
    dialog.outcome_edit.setPlainText("Met with the student; low risk; guardian called (fictional).")
    grab(dialog, artifacts_dir, "close_safety_flag")
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.isHidden(), timeout=20_000)
    assert _open_follow_ups(window, student_id) == ()
    overview = window.ctx.tasks.call_db_blocking(services.record.caseload)
    assert overview.safety_flags == ()


def test_a_recorded_follow_up_left_open_is_closed_by_the_action(qtbot, unlocked_window):
    from datetime import UTC, date, datetime

    from clinician_desk.services.screenings.use_cases import AdministrationInput
    from tests.support.safety import PHQA_ITEM9, follow_up

    window = unlocked_window
    student_id = open_fictional_student(qtbot, window, last="Halfdone")
    services = window.ctx.services

    def critical_recorded_not_closed() -> int:
        done = services.screenings.record(
            AdministrationInput(student_id, "PHQ-A", date(2026, 10, 6), PHQA_ITEM9)
        )
        decided = datetime(2026, 10, 6, 17, 0, tzinfo=UTC)
        services.screenings.record_follow_up(
            done.screening_id, follow_up(parent_decided_at=decided), close=False
        )
        return done.screening_id

    screening_id = window.ctx.tasks.call_db_blocking(critical_recorded_not_closed)
    window.open_student(student_id)
    panel = window.student_page.follow_ups
    qtbot.waitUntil(lambda: panel.isVisible(), timeout=20_000)
    assert "still needs closing" in panel.model.index(0, 2).data()
    qtbot.mouseClick(panel.button, Qt.MouseButton.LeftButton)  # no dialog: closes it
    qtbot.waitUntil(lambda: panel.isHidden(), timeout=20_000)
    assert window.student_page.findChild(SafetyWorkflowDialog) is None
    view = window.ctx.tasks.call_db_blocking(lambda: services.screenings.view(screening_id))
    assert view.screening.status == "completed"
    assert _open_follow_ups(window, student_id) == ()
