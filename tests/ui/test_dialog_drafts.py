"""Nothing typed in a record dialog is lost when the app locks.

Each dialog keeps its unsaved form as an encrypted form draft (``ui.widgets.form_draft``): a
lock (Ctrl+L, or the idle timeout on the fake clock) saves it, the next opening of the same
dialog for the same student offers it back, and a save or an explicit cancel discards it. The
typed text never reaches QSettings or any file outside the encrypted vault.
"""

from __future__ import annotations

import shiboken6
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


def _draft(window, key):
    services = window.ctx.services
    window.ctx.tasks.wait_idle()
    return window.ctx.tasks.call_db_blocking(lambda: services.record.load_form_draft(key))


def _open(qtbot, window, button_name, dialog_type):
    page = window.student_page
    button = getattr(page.record_actions, button_name)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialogs = [d for d in page.findChildren(dialog_type) if d.isVisible()]
    assert len(dialogs) == 1
    return dialogs[0]


def test_safety_plan_typed_before_a_lock_is_offered_back_and_saved(
    qtbot, unlocked_window, tmp_path, artifacts_dir
):
    from ui.dialogs.safety_plan_dialog import SafetyPlanDialog

    window = unlocked_window
    student_id = open_fictional_student(qtbot, window, last="Draftwell")
    dialog = _open(qtbot, window, "safety_plan_button", SafetyPlanDialog)
    dialog.editor.step_edits["warning_signs"].setPlainText(MARK)
    dialog.editor.step_edits["coping_strategies"].setPlainText("Drawing comics")
    relock(qtbot, window, student_id)  # locked before the 1.5 s autosave
    key = f"safety-plan:{student_id}"
    assert _draft(window, key) is not None
    no_plaintext_outside_vault(tmp_path)
    dialog = _open(qtbot, window, "safety_plan_button", SafetyPlanDialog)
    assert dialog.editor.step_edits["warning_signs"].toPlainText() == ""  # not without asking
    qtbot.waitUntil(lambda: dialog.draft.bar.isVisible(), timeout=20_000)
    assert "before the app locked" in dialog.draft.bar_label.text()
    assert problems(dialog) == []
    grab(dialog, artifacts_dir, "safety_plan_restore_draft")
    qtbot.mouseClick(dialog.draft.restore_button, Qt.MouseButton.LeftButton)
    assert dialog.editor.step_edits["warning_signs"].toPlainText() == MARK
    assert dialog.editor.step_edits["coping_strategies"].toPlainText() == "Drawing comics"
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=20_000)
    assert _draft(window, key) is None
    assert dialog.plan.steps[0].items == (MARK,)


def test_referral_kept_through_an_idle_lock_and_dropped_by_cancel(qtbot, unlocked_window, clock):
    from ui.dialogs.referral_dialog import ReferralDialog

    window = unlocked_window
    student_id = open_fictional_student(qtbot, window, last="Referwell")
    dialog = _open(qtbot, window, "new_referral_button", ReferralDialog)
    dialog.destination_name_edit.setText(MARK)
    dialog.reason_combo.setCurrentIndex(dialog.reason_combo.findData("trauma"))
    relock(qtbot, window, student_id, idle=True, clock=clock)
    key = f"referral:{student_id}"
    assert _draft(window, key) is not None
    dialog = _open(qtbot, window, "new_referral_button", ReferralDialog)
    qtbot.waitUntil(lambda: dialog.draft.bar.isVisible(), timeout=20_000)
    qtbot.mouseClick(dialog.draft.restore_button, Qt.MouseButton.LeftButton)
    assert dialog.destination_name_edit.text() == MARK
    assert dialog.reason_combo.currentData() == "trauma"
    dialog.reject()  # Cancel: the clinician chose to drop it
    assert _draft(window, key) is None
    dialog = _open(qtbot, window, "new_referral_button", ReferralDialog)
    window.ctx.tasks.wait_idle()
    qtbot.wait(50)
    assert not dialog.draft.bar.isVisible()
    assert dialog.destination_name_edit.text() == ""


def test_referral_saved_after_restore_leaves_no_draft(qtbot, unlocked_window):
    from ui.dialogs.referral_dialog import ReferralDialog

    window = unlocked_window
    student_id = open_fictional_student(qtbot, window, last="Savewell")
    dialog = _open(qtbot, window, "new_referral_button", ReferralDialog)
    dialog.destination_name_edit.setText("Fictional Harbor Clinic")
    relock(qtbot, window, student_id)
    dialog = _open(qtbot, window, "new_referral_button", ReferralDialog)
    qtbot.waitUntil(lambda: dialog.draft.bar.isVisible(), timeout=20_000)
    qtbot.mouseClick(dialog.draft.restore_button, Qt.MouseButton.LeftButton)
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible(), timeout=20_000)
    assert _draft(window, f"referral:{student_id}") is None
    qtbot.waitUntil(lambda: window.student_page.referrals_model.rowCount() == 1, timeout=20_000)


def test_autosave_while_typing_and_discard_button(qtbot, unlocked_window):
    from ui.dialogs.mandated_report_dialog import MandatedReportDialog

    window = unlocked_window
    student_id = open_fictional_student(qtbot, window, last="Reportwell")
    dialog = _open(qtbot, window, "mandated_report_button", MandatedReportDialog)
    key = f"mandated-report:{student_id}"
    dialog.agency_combo.setCurrentIndex(dialog.agency_combo.findData("law_enforcement"))
    qtbot.waitUntil(lambda: _draft(window, key) is not None, timeout=5_000)  # debounced save
    assert _draft(window, key)["agency_combo_box"]["data"] == "law_enforcement"
    dialog.agency_combo.setCurrentIndex(0)  # back to what it opened with: nothing to keep
    qtbot.waitUntil(lambda: _draft(window, key) is None, timeout=5_000)
    dialog.agency_combo.setCurrentIndex(dialog.agency_combo.findData("probation"))
    relock(qtbot, window, student_id)
    dialog = _open(qtbot, window, "mandated_report_button", MandatedReportDialog)
    qtbot.waitUntil(lambda: dialog.draft.bar.isVisible(), timeout=20_000)
    qtbot.mouseClick(dialog.draft.discard_button, Qt.MouseButton.LeftButton)
    assert not dialog.draft.bar.isVisible()
    assert dialog.agency_combo.currentData() != "probation"
    assert _draft(window, key) is None


def test_add_student_form_survives_a_lock(qtbot, unlocked_window, tmp_path):
    from ui.dialogs.student_dialog import StudentDialog

    window = unlocked_window
    window.caseload_page.add_student()
    dialog = visible_dialog(window.caseload_page, StudentDialog)
    dialog.first_edit.setText("Fictionia")
    dialog.last_edit.setText(MARK)
    dialog.grade_combo.setCurrentIndex(dialog.grade_combo.findData("K"))
    relock(qtbot, window, None)
    # closed by the lock (and deleted: a closed add-student dialog is not kept by the page)
    assert not (shiboken6.isValid(dialog) and dialog.isVisible())
    no_plaintext_outside_vault(tmp_path)
    window.caseload_page.add_student()
    dialog = visible_dialog(window.caseload_page, StudentDialog)
    qtbot.waitUntil(lambda: dialog.draft.bar.isVisible(), timeout=20_000)
    qtbot.mouseClick(dialog.draft.restore_button, Qt.MouseButton.LeftButton)
    assert (dialog.first_edit.text(), dialog.last_edit.text()) == ("Fictionia", MARK)
    assert dialog.grade_combo.currentData() == "K"
    dialog.reject()
    assert _draft(window, "student:new") is None


def test_safety_workflow_typing_is_kept_for_the_same_screening(qtbot, unlocked_window):
    from ui.dialogs.safety_workflow_dialog import SafetyWorkflowDialog

    window = unlocked_window
    student_id = open_fictional_student(qtbot, window, last="Safewell")
    dialog = SafetyWorkflowDialog(window.ctx, student_id, 4242, None, window.screening_page)
    dialog.open()
    dialog.rationale_edit.setText(MARK)
    dialog.plan_editor.step_edits["warning_signs"].setPlainText("Paces the hallway (fictional)")
    relock(qtbot, window, student_id)
    assert not dialog.isVisible()
    other = SafetyWorkflowDialog(window.ctx, student_id, 4243, None, window.screening_page)
    window.ctx.tasks.wait_idle()
    qtbot.wait(50)
    assert not other.draft.bar.isVisible()  # another screening's follow-up starts empty
    other.done(1)
    again = SafetyWorkflowDialog(window.ctx, student_id, 4242, None, window.screening_page)
    again.open()
    qtbot.waitUntil(lambda: again.draft.bar.isVisible(), timeout=20_000)
    qtbot.mouseClick(again.draft.restore_button, Qt.MouseButton.LeftButton)
    assert again.rationale_edit.text() == MARK
    assert "Paces the hallway" in again.plan_editor.step_edits["warning_signs"].toPlainText()
    again.done(1)  # recorded (accepted): the draft goes
    assert _draft(window, f"safety-follow-up:{student_id}:4242") is None


def test_referral_status_choice_survives_a_lock(qtbot, unlocked_window):
    from datetime import date

    from clinician_desk.domain.referrals import ReferralInput
    from ui.dialogs.referral_status_dialog import ReferralStatusDialog

    window = unlocked_window
    student_id = open_fictional_student(qtbot, window, last="Statuswell")
    services = window.ctx.services
    referral_id = window.ctx.tasks.call_db_blocking(
        lambda: services.record.create_referral(
            ReferralInput(student_id, "school_team", "", date(2026, 10, 2), "behavior")
        )
    )

    def open_status():
        window.open_student(student_id)
        qtbot.waitUntil(lambda: window.student_page.referrals_model.rowCount() == 1, timeout=20_000)
        window.student_page.referrals_view.selectRow(0)
        window.student_page.record_actions.change_referral_status()
        return visible_dialog(window.student_page, ReferralStatusDialog)

    dialog = open_status()
    dialog.status_combo.setCurrentIndex(dialog.status_combo.findData("declined"))
    dialog.follow_up_check.setChecked(False)
    relock(qtbot, window, None)
    assert _draft(window, f"referral-status:{student_id}:{referral_id}") is not None
    dialog = open_status()
    qtbot.waitUntil(lambda: dialog.draft.bar.isVisible(), timeout=20_000)
    qtbot.mouseClick(dialog.draft.restore_button, Qt.MouseButton.LeftButton)
    assert dialog.status_combo.currentData() == "declined"
    assert not dialog.follow_up_check.isChecked()
