"""Referrals from the student page: create, move through statuses with history, overdue flag."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt

from clinician_desk.domain.referrals import ReferralInput
from tests.support.ui import grab, open_fictional_student, problems


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _new_referral_dialog(qtbot, window):
    from ui.dialogs.referral_dialog import ReferralDialog

    page = window.student_page
    page.tabs.setCurrentIndex(2)
    qtbot.mouseClick(page.record_actions.new_referral_button, Qt.MouseButton.LeftButton)
    dialog = page.findChild(ReferralDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_new_referral_then_status_changes_with_history(qtbot, unlocked_window, artifacts_dir):
    from ui.dialogs.referral_status_dialog import ReferralStatusDialog

    window = unlocked_window
    open_fictional_student(qtbot, window, last="Referson")
    page = window.student_page
    dialog = _new_referral_dialog(qtbot, window)
    assert problems(dialog) == []
    dialog.destination_combo.setCurrentIndex(dialog.destination_combo.findData("county_mhp"))
    dialog.destination_name_edit.setText("Makebelieve County Clinic")
    dialog.reason_combo.setCurrentIndex(dialog.reason_combo.findData("anxiety"))
    dialog.date_edit.setDate(QDate(2026, 10, 1))
    dialog.follow_up_edit.setDate(QDate(2026, 10, 15))
    grab(dialog, artifacts_dir, "41_referral_dialog")
    qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.referrals_model.rowCount() == 1, timeout=20_000)
    row = page.referrals_model.row_at(0)
    assert (row.status, row.follow_up_on) == ("sent", date(2026, 10, 15))
    assert not page.referrals_model.is_flagged(0)

    page.referrals_view.selectRow(0)
    assert page.record_actions.referral_status_button.isEnabled()
    page.record_actions.referral_status_action.trigger()
    status = page.findChild(ReferralStatusDialog)
    assert status is not None and problems(status) == []
    offered = [status.status_combo.itemData(i) for i in range(status.status_combo.count())]
    assert offered == ["accepted", "closed", "declined"]  # only the moves the core allows
    qtbot.waitUntil(lambda: status.history_model.rowCount() == 1, timeout=20_000)
    status.status_combo.setCurrentIndex(status.status_combo.findData("accepted"))
    status.changed_edit.setDate(QDate(2026, 10, 5))
    status.follow_up_edit.setDate(QDate(2026, 10, 20))
    qtbot.mouseClick(status.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            page.referrals_model.rowCount() == 1
            and page.referrals_model.row_at(0).status == "accepted"
        ),
        timeout=20_000,
    )
    assert page.referrals_model.row_at(0).follow_up_on == date(2026, 10, 20)
    page.referrals_view.selectRow(0)
    page.record_actions.referral_status_action.trigger()
    again = [d for d in page.findChildren(ReferralStatusDialog) if d.isVisible()][-1]
    qtbot.waitUntil(lambda: again.history_model.rowCount() == 2, timeout=20_000)
    history = [again.history_model.row_at(i)[0] for i in range(2)]
    assert history == ["sent", "accepted"]
    grab(again, artifacts_dir, "42_referral_status_dialog")
    again.reject()


def test_follow_up_before_the_referral_date_is_refused_and_the_form_kept(qtbot, unlocked_window):
    window = unlocked_window
    open_fictional_student(qtbot, window, last="Earlydate")
    dialog = _new_referral_dialog(qtbot, window)
    dialog.destination_name_edit.setText("Pretend Family Services")
    dialog.date_edit.setDate(QDate(2026, 10, 5))
    dialog.follow_up_edit.setDate(QDate(2026, 10, 1))
    qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "before the referral date" in dialog.message.text(), timeout=20_000)
    assert dialog.isVisible() and dialog.buttons.isEnabled()
    assert dialog.destination_name_edit.text() == "Pretend Family Services"
    assert window.student_page.referrals_model.rowCount() == 0


def test_a_status_change_before_the_previous_one_is_refused(qtbot, unlocked_window):
    from ui.dialogs.referral_status_dialog import ReferralStatusDialog

    window = unlocked_window
    student_id = open_fictional_student(qtbot, window, last="Backdate")
    services = window.ctx.services
    window.ctx.tasks.call_db_blocking(
        lambda: services.record.create_referral(
            ReferralInput(student_id, "school_team", "", date(2026, 10, 2), "behavior")
        )
    )
    window.open_student(student_id)
    page = window.student_page
    qtbot.waitUntil(lambda: page.referrals_model.rowCount() == 1, timeout=20_000)
    page.referrals_view.selectRow(0)
    page.record_actions.change_referral_status()
    dialog = page.findChild(ReferralStatusDialog)
    dialog.changed_edit.setDate(QDate(2026, 9, 30))
    qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "before the previous" in dialog.message.text(), timeout=20_000)
    assert dialog.isVisible() and dialog.changed_edit.date() == QDate(2026, 9, 30)


def test_overdue_follow_up_is_flagged_and_finished_referrals_are_read_only(
    qtbot, unlocked_window, clock, artifacts_dir
):
    from ui.dialogs.referral_status_dialog import ReferralStatusDialog

    window = unlocked_window
    student_id = open_fictional_student(qtbot, window, last="Latefollow")
    services = window.ctx.services
    today = clock.now().astimezone().date()
    open_id = window.ctx.tasks.call_db_blocking(
        lambda: services.record.create_referral(
            ReferralInput(
                student_id,
                "community_provider",
                "Nowhere Clinic",
                today - timedelta(days=30),
                "trauma",
                today - timedelta(days=2),
            )
        )
    )
    done_id = window.ctx.tasks.call_db_blocking(
        lambda: services.record.create_referral(
            ReferralInput(
                student_id,
                "school_team",
                "",
                today - timedelta(days=20),
                "other",
                today - timedelta(days=1),
            )
        )
    )
    window.ctx.tasks.call_db_blocking(
        lambda: services.record.change_referral_status(done_id, "declined", today)
    )
    window.open_student(student_id)
    page = window.student_page
    qtbot.waitUntil(lambda: page.referrals_model.rowCount() == 2, timeout=20_000)
    rows = {page.referrals_model.row_at(i).id: i for i in range(2)}
    assert page.referrals_model.is_flagged(rows[open_id])
    assert not page.referrals_model.is_flagged(rows[done_id])  # declined: nothing to chase
    follow_text = page.referrals_model.index(rows[open_id], 4).data()
    assert "overdue" in follow_text
    assert page.referrals_model.index(rows[open_id], 4).data(Qt.ItemDataRole.ForegroundRole)
    page.tabs.setCurrentIndex(2)
    grab(window, artifacts_dir, "47_student_referrals_overdue")
    page.referrals_view.selectRow(rows[done_id])
    page.record_actions.change_referral_status()
    dialog = page.findChild(ReferralStatusDialog)
    assert dialog.status_combo.count() == 0 and "finished" in dialog.message.text()
    dialog.reject()


def test_record_actions_have_shortcuts_and_follow_the_open_student(qtbot, unlocked_window):
    from ui.dialogs.referral_dialog import ReferralDialog

    window = unlocked_window
    actions = window.student_page.record_actions
    shortcuts = {
        a.objectName(): a.shortcut().toString()
        for a in (
            actions.new_referral_action,
            actions.referral_status_action,
            actions.safety_plan_action,
            actions.mandated_report_action,
        )
    }
    assert shortcuts == {
        "new_referral_action": "Ctrl+Shift+R",
        "referral_status_action": "Ctrl+Shift+U",
        "safety_plan_action": "Ctrl+Shift+S",
        "mandated_report_action": "Ctrl+Shift+M",
    }
    assert not actions.new_referral_button.isEnabled()  # no student open yet
    open_fictional_student(qtbot, window, last="Keyboardson")
    assert actions.new_referral_button.isEnabled()
    assert not actions.referral_status_button.isEnabled()  # nothing selected
    window.activateWindow()
    window.student_page.referrals_view.setFocus()
    qtbot.keyClick(
        window.student_page.referrals_view,
        Qt.Key.Key_R,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: window.student_page.findChild(ReferralDialog) is not None)
