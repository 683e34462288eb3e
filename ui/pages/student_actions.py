"""The student page's record actions: referrals, safety plan and mandated reports.

Kept apart from ``student_page`` (which lays out and loads the page) so the page stays small.
Each action is a ``QAction`` with a shortcut that works anywhere on the student page (Ctrl+Shift+R
new referral, Ctrl+Shift+U change referral status, Ctrl+Shift+S safety plan, Ctrl+Shift+M
mandated report) and a button bound to it. Every dialog writes through ``services.record``;
when one saves, the page reloads its data (one audited read) so the referrals table, the
overdue flags and the profile's plan and reports show the change at once.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ui.i18n import _


def referral_overdue(row: Any, now: Any) -> bool:
    """An open referral whose follow-up date has passed (the core's rule, today's date)."""
    from clinician_desk.domain.referrals import is_overdue

    return is_overdue(row.status, row.follow_up_on, now.astimezone().date())


def referrals_model(page: Any, overdue: Any) -> Any:
    from ui.dialogs.referral_dialog import DESTINATION_TEXT, REASON_TEXT, STATUS_TEXT, label
    from ui.widgets.flagged_rows import FlaggedRowsTableModel

    def follow_up(row: Any) -> str:
        if row.follow_up_on is None:
            return "—"
        text = row.follow_up_on.isoformat()
        return f"{text} ⚠ " + _("overdue") if overdue(row) else text

    return FlaggedRowsTableModel(
        [
            (_("Date"), lambda r: r.referral_date),
            (_("To"), lambda r: r.destination_name or label(DESTINATION_TEXT, r.destination)),
            (_("Reason"), lambda r: label(REASON_TEXT, r.reason)),
            (_("Status"), lambda r: label(STATUS_TEXT, r.status)),
            (_("Follow up"), follow_up),
        ],
        overdue,
        page,
    )


def _with_buttons(main: QWidget, *buttons: QPushButton) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    layout.addLayout(row)
    layout.addWidget(main, 1)
    return box


def referrals_tab(view: QWidget, actions: StudentRecordActions) -> QWidget:
    return _with_buttons(view, actions.new_referral_button, actions.referral_status_button)


def profile_side(profile: QWidget, actions: StudentRecordActions) -> QWidget:
    return _with_buttons(profile, actions.safety_plan_button, actions.mandated_report_button)


class StudentRecordActions:
    def __init__(self, page: Any) -> None:
        self.page = page
        self.new_referral_action = self._action(
            "new_referral_action", _("New referral…"), "Ctrl+Shift+R", self.new_referral
        )
        self.referral_status_action = self._action(
            "referral_status_action",
            _("Change referral status…"),
            "Ctrl+Shift+U",
            self.change_referral_status,
        )
        self.safety_plan_action = self._action(
            "safety_plan_action", _("Safety plan…"), "Ctrl+Shift+S", self.open_safety_plan
        )
        self.mandated_report_action = self._action(
            "mandated_report_action",
            _("Mandated report…"),
            "Ctrl+Shift+M",
            self.open_mandated_reports,
        )
        self.new_referral_button = self._button("new_referral_button", self.new_referral_action)
        self.referral_status_button = self._button(
            "change_referral_status_button", self.referral_status_action
        )
        self.safety_plan_button = self._button("safety_plan_button", self.safety_plan_action)
        self.mandated_report_button = self._button(
            "mandated_report_button", self.mandated_report_action
        )
        self.set_enabled(False)

    def _action(self, name: str, text: str, shortcut: str, slot: Any) -> QAction:
        act = QAction(text, self.page)
        act.setObjectName(name)
        act.setShortcut(QKeySequence(shortcut))
        act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        act.triggered.connect(lambda _checked=False: slot())
        self.page.addAction(act)
        return act

    def _button(self, name: str, action: QAction) -> QPushButton:
        button = QPushButton(action.text())
        button.setObjectName(name)
        button.setAccessibleName(action.text().rstrip("…"))
        button.setToolTip(action.shortcut().toString(QKeySequence.SequenceFormat.NativeText))
        button.clicked.connect(lambda _checked=False: action.trigger())
        action.enabledChanged.connect(button.setEnabled)
        return button

    def set_enabled(self, enabled: bool) -> None:
        for act in (self.new_referral_action, self.safety_plan_action, self.mandated_report_action):
            act.setEnabled(enabled)
        self.referral_status_action.setEnabled(enabled and self.selected_referral() is not None)

    def referral_selection_changed(self) -> None:
        self.referral_status_action.setEnabled(
            self.page.shown_page is not None and self.selected_referral() is not None
        )

    # -- helpers -------------------------------------------------------------------------------
    def selected_referral(self) -> Any:
        from ui.models.rows_model import ROW_ROLE

        index = self.page.referrals_view.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def _student(self) -> tuple[Any, str] | None:
        data = self.page.shown_page  # the student the header names (issue 23)
        if data is None or self.page.student_id is None:
            return None
        return self.page.student_id, data.student.display_name

    def _reload(self, *_args: Any) -> None:
        self.page.show_student(self.page.student_id)

    def _show(self, dialog: QWidget) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()  # type: ignore[attr-defined]

    # -- the actions ---------------------------------------------------------------------------
    def new_referral(self) -> None:
        from ui.dialogs.referral_dialog import ReferralDialog

        student = self._student()
        if student is None:
            return
        dialog = ReferralDialog(self.page.ctx, *student, parent=self.page)
        dialog.referral_saved.connect(self._reload)
        self._show(dialog)

    def change_referral_status(self) -> None:
        from ui.dialogs.referral_status_dialog import ReferralStatusDialog

        referral = self.selected_referral()
        if referral is None or self._student() is None:
            return
        dialog = ReferralStatusDialog(
            self.page.ctx, referral, parent=self.page, student_id=self.page.student_id
        )
        dialog.status_changed.connect(self._reload)
        self._show(dialog)

    def open_safety_plan(self) -> None:
        from ui.dialogs.safety_plan_dialog import SafetyPlanDialog

        student = self._student()
        if student is None:
            return
        dialog = SafetyPlanDialog(
            self.page.ctx, *student, plan=self.page.shown_page.safety_plan, parent=self.page
        )
        dialog.plan_saved.connect(self._reload)
        dialog.print_requested.connect(
            lambda student_id: self.page.print_requested.emit(student_id, "safety_plan")
        )
        self._show(dialog)

    def open_mandated_reports(self) -> None:
        from ui.dialogs.mandated_report_dialog import MandatedReportDialog

        student = self._student()
        if student is None:
            return
        dialog = MandatedReportDialog(
            self.page.ctx, *student, reports=self.page.shown_page.mandated_reports, parent=self.page
        )
        dialog.record_changed.connect(self.page._loaded)
        self._show(dialog)
