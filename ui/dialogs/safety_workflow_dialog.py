"""The safety workflow forced open by a critical screening result.

The clinician records the risk-assessment outcome, the safety plan made now (a compact
Stanley–Brown editor — ``ui.widgets.safety_plan_editor``, shared with the student page — saved
through ``services.record.save_safety_plan``) or the reason none was made, and the
parent-notification decision with its rationale and time. The core validates the whole
follow-up (``validate_follow_up``) and names every missing field; the dialog shows that and
stays open. Escape and the window's close button do nothing until the follow-up is recorded —
only locking the app closes it unrecorded (the follow-up then stays open in the vault and the
caseload flags it), and what was typed is kept as an encrypted form draft, offered back
when the dialog opens again for the same screening.

Opened later from the student page (``dismissible=True``, with a ``subtitle`` naming the
administration), the same dialog records an open follow-up after a lock; there it also has
"Later", which closes it unrecorded and keeps what was typed as the draft (the flag stays open).
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QDateTime, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.errors import ClinicianDeskError
from ui.context import UiContext
from ui.i18n import N_, _
from ui.theme.apply import set_semantic
from ui.times import DATE_TIME_FORMAT
from ui.widgets.buttons import dialog_buttons
from ui.widgets.form_draft import DialogDraft
from ui.widgets.safety_plan_editor import SafetyPlanEditor
from ui.widgets.scrolling_form import ScrollingForm

RISK_TEXT = {
    "none_identified": N_("No risk identified"),
    "low": N_("Low risk"),
    "moderate": N_("Moderate risk"),
    "high": N_("High risk"),
    "imminent": N_("Imminent risk — emergency response"),
}
DECISION_TEXT = {
    "notified": N_("Parent/guardian notified"),
    "will_notify": N_("Will notify"),
    "not_notified": N_("Not notified (rationale below)"),
}


class SafetyWorkflowDialog(QDialog):
    recorded = Signal()

    def __init__(
        self,
        ctx: UiContext,
        student_id: Any,
        administration_id: Any,
        result: Any,
        parent: QWidget | None = None,
        *,
        subtitle: str = "",
        dismissible: bool = False,
    ) -> None:
        super().__init__(parent)
        from clinician_desk.domain.screenings.safety import NOTIFICATION_DECISIONS, RISK_OUTCOMES

        self.setObjectName("safety_workflow_dialog")
        self.setWindowTitle(_("Safety follow-up required"))
        self.setModal(True)
        self.ctx = ctx
        self.student_id = student_id
        self.administration_id = administration_id
        self._recorded = False
        self.dismissible = dismissible
        reasons = "; ".join(f"{f.item}: {f.reason}" for f in getattr(result, "critical", ()))
        intro = QLabel(
            _(
                "A critical response was given ({reasons}). Record the follow-up before the "
                "screening can be closed."
            ).format(reasons=reasons)
        )
        intro.setWordWrap(True)
        intro.setObjectName("safety_intro_label")
        self.risk_combo = QComboBox()
        self.risk_combo.setObjectName("risk_outcome_combo_box")
        self.risk_combo.setAccessibleName(_("Risk assessment outcome"))
        self.risk_combo.addItem(_("Choose…"), None)
        for value in RISK_OUTCOMES:
            self.risk_combo.addItem(_(RISK_TEXT.get(value, value)), value)
        self.plan_radio = QRadioButton(_("Safety plan made now"))
        self.plan_radio.setObjectName("safety_plan_made_radio_button")
        self.plan_radio.setAccessibleName(_("Safety plan made now"))
        self.no_plan_radio = QRadioButton(_("No safety plan — reason:"))
        self.no_plan_radio.setObjectName("no_safety_plan_radio_button")
        self.no_plan_radio.setAccessibleName(_("No safety plan made"))
        group = QButtonGroup(self)
        group.addButton(self.plan_radio)
        group.addButton(self.no_plan_radio)
        self.no_plan_reason_edit = QLineEdit()
        self.no_plan_reason_edit.setObjectName("no_plan_reason_line_edit")
        self.no_plan_reason_edit.setAccessibleName(_("Reason no safety plan was made"))
        self.plan_box = QGroupBox(_("Stanley–Brown safety plan (one entry per line)"))
        self.plan_editor = SafetyPlanEditor(compact=True)
        QVBoxLayout(self.plan_box).addWidget(self.plan_editor)
        self.step_edits = self.plan_editor.step_edits
        self.decision_combo = QComboBox()
        self.decision_combo.setObjectName("parent_decision_combo_box")
        self.decision_combo.setAccessibleName(_("Parent-notification decision"))
        self.decision_combo.addItem(_("Choose…"), None)
        for value in NOTIFICATION_DECISIONS:
            self.decision_combo.addItem(_(DECISION_TEXT.get(value, value)), value)
        self.rationale_edit = QLineEdit()
        self.rationale_edit.setObjectName("parent_rationale_line_edit")
        self.rationale_edit.setAccessibleName(_("Rationale"))
        now = ctx.clock.now()
        self.decided_edit = QDateTimeEdit(QDateTime(now.astimezone()))  # type: ignore[call-overload]  # 6.9 stubs
        self.decided_edit.setObjectName("parent_decided_at_date_time_edit")
        self.decided_edit.setDisplayFormat(DATE_TIME_FORMAT)  # not the C locale's "2 12 2026 20:13"
        self.decided_edit.setAccessibleName(_("Decision time"))
        self.message = QLabel()
        self.message.setObjectName("safety_message_label")
        self.message.setWordWrap(True)
        set_semantic(self.message, "risk")
        self.record_button = QPushButton(_("Record follow-up"))
        self.record_button.setObjectName("record_follow_up_button")
        self.record_button.setAccessibleName(_("Record follow-up"))
        form = QFormLayout()
        form.addRow(_("Risk assessment"), self.risk_combo)
        form.addRow(self.plan_radio)
        form.addRow(self.plan_box)
        form.addRow(self.no_plan_radio, self.no_plan_reason_edit)
        form.addRow(_("Parent notification"), self.decision_combo)
        form.addRow(_("Rationale"), self.rationale_edit)
        form.addRow(_("Decided at"), self.decided_edit)
        self.later_button = QPushButton(_("Later"))
        self.later_button.setObjectName("safety_follow_up_later_button")
        self.later_button.setAccessibleName(_("Record the follow-up later"))
        layout = QVBoxLayout(self)
        if subtitle:
            heading = QLabel(f"<b>{html.escape(subtitle)}</b>")
            heading.setObjectName("safety_subtitle_label")
            layout.addWidget(heading)  # whose follow-up: stays in view above the form
        body = QVBoxLayout()
        body.addWidget(intro)
        body.addLayout(form)
        # A short screen scrolls the form; the message and the buttons stay in view.
        layout.addWidget(ScrollingForm(body, "safety_follow_up_form_scroll_area"), 1)
        layout.addWidget(self.message)
        layout.addWidget(
            dialog_buttons(
                "safety_follow_up_button_box",
                default=self.record_button,
                accept=self.record_button,
                reject=self.later_button,
            )
        )
        self.later_button.setVisible(dismissible)  # after the box, which shows its buttons
        self.plan_radio.toggled.connect(self._plan_toggled)
        self.plan_radio.setChecked(True)
        self.record_button.clicked.connect(self.submit)
        self.later_button.clicked.connect(self.reject)
        self.draft = DialogDraft(self, ctx, f"safety-follow-up:{student_id}:{administration_id}")
        layout.insertWidget(0, self.draft.bar)
        if dismissible:  # the draft may come from "Later" as well as from a lock
            self.draft.bar_label.setText(_("Restore what you typed for this follow-up earlier?"))
        self.draft.offer_restore()

    def _plan_toggled(self, made: bool) -> None:
        self.plan_box.setEnabled(made)
        self.no_plan_reason_edit.setEnabled(not made)

    def plan_steps(self) -> dict[str, list[str]]:
        return self.plan_editor.steps()

    def submit(self) -> None:
        from clinician_desk.domain.screenings.safety import SafetyFollowUp

        services = self.ctx.require_services()
        make_plan = self.plan_radio.isChecked()
        steps = self.plan_steps()
        administration_id = self.administration_id
        risk = self.risk_combo.currentData() or ""
        decision = self.decision_combo.currentData() or ""
        missing = []
        if not risk:
            missing.append(_("Choose the risk outcome from the list."))
        if not decision:
            missing.append(_("Choose the parent or guardian notification decision from the list."))
        if missing:  # said in plain words here; the core's own check stays the last word
            self.message.setText(" ".join(missing))
            return
        rationale = self.rationale_edit.text()
        reason = None if make_plan else self.no_plan_reason_edit.text()
        decided_at = datetime.fromtimestamp(self.decided_edit.dateTime().toSecsSinceEpoch(), tz=UTC)

        def work(_control: Any) -> None:
            if make_plan:  # plan and follow-up in one transaction: a refusal writes neither
                follow_up = SafetyFollowUp(risk, "pending", None, decision, rationale, decided_at)
                services.screenings.record_follow_up_with_plan(administration_id, follow_up, steps)
                return
            follow_up = SafetyFollowUp(risk, None, reason, decision, rationale, decided_at)
            services.screenings.record_follow_up(administration_id, follow_up, close=True)

        self.record_button.setEnabled(False)
        self.message.setText(_("Saving…"))
        self.ctx.tasks.run_db(
            work, context=self, on_done=self._done, on_error=self._failed, name="follow-up"
        )

    def _done(self, _result: Any) -> None:
        self._recorded = True
        self.recorded.emit()
        self.accept()

    def _failed(self, exc: ClinicianDeskError) -> None:
        self.record_button.setEnabled(True)
        self.message.setText(exc.message)

    def reject(self) -> None:
        if self._recorded or self.dismissible:  # "Later": the draft keeps what was typed
            super().reject()
        else:
            self.message.setText(_("The follow-up must be recorded before this can be closed."))

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._recorded or self.dismissible:
            event.accept()
        else:
            event.ignore()
            self.reject()
