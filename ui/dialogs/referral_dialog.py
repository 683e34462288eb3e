"""New referral for a student: to whom, date, reason category and the follow-up date.

Builds the core's ``ReferralInput`` and calls ``services.record.create_referral`` on the
database worker. The core checks the destination and reason categories, refuses a referral
dated in the future or a follow-up before the referral date; the dialog shows its message and
stays open with everything typed. Unsaved input survives a lock as an encrypted form draft
(``ui.widgets.form_draft``). The status dialog (``referral_status_dialog``) moves an
existing referral on. Labels for the core's codes live here for both dialogs and the page.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.domain.referrals import default_follow_up_on
from clinician_desk.errors import ClinicianDeskError
from ui.context import UiContext
from ui.i18n import N_, _
from ui.theme.apply import set_semantic
from ui.widgets.form_draft import DialogDraft
from ui.widgets.session_form import to_date

DESTINATION_TEXT = {
    "county_mhp": N_("County mental health plan"),
    "community_provider": N_("Community provider"),
    "school_team": N_("School team"),
}
REASON_TEXT = {
    "anxiety": N_("Anxiety"),
    "depression": N_("Depression"),
    "behavior": N_("Behavior"),
    "trauma": N_("Trauma"),
    "substance_use": N_("Substance use"),
    "suicide_risk": N_("Suicide risk"),
    "family": N_("Family"),
    "medication_evaluation": N_("Medication evaluation"),
    "other": N_("Other"),
}
STATUS_TEXT = {
    "sent": N_("Sent"),
    "accepted": N_("Accepted"),
    "first_appointment": N_("First appointment"),
    "closed": N_("Closed"),
    "declined": N_("Declined"),
}


def label(table: dict[str, str], code: str | None) -> str:
    """The translated label of a core code (the code itself when unknown)."""
    return _(table[code]) if code in table else (code or "")


def date_edit(name: str, accessible: str, value: date) -> QDateEdit:
    edit = QDateEdit(QDate(value.year, value.month, value.day))
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def follow_up_row(
    name: str, accessible: str, value: date
) -> tuple[QCheckBox, QDateEdit, QHBoxLayout]:
    """A "follow up on" tick box with its date (no date when unticked)."""
    check = QCheckBox(_("Follow up on"))
    check.setObjectName(f"{name}_check_box")
    check.setAccessibleName(_("Set a follow-up date"))
    check.setChecked(True)
    edit = date_edit(f"{name}_date_edit", accessible, value)
    check.toggled.connect(edit.setEnabled)
    row = QHBoxLayout()
    row.addWidget(check)
    row.addWidget(edit, 1)
    return check, edit, row


def buttons(box_name: str, ok_text: str) -> QDialogButtonBox:
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
    )
    save = box.button(QDialogButtonBox.StandardButton.Save)
    save.setText(ok_text)
    save.setObjectName(f"save_{box_name}_button")
    save.setAccessibleName(ok_text)
    cancel = box.button(QDialogButtonBox.StandardButton.Cancel)
    cancel.setObjectName(f"cancel_{box_name}_button")
    cancel.setAccessibleName(_("Cancel"))
    return box


def message_label(name: str) -> QLabel:
    message = QLabel()
    message.setObjectName(name)
    message.setWordWrap(True)
    set_semantic(message, "risk")
    return message


class ReferralDialog(QDialog):
    referral_saved = Signal(object)

    def __init__(
        self, ctx: UiContext, student_id: Any, student_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        from clinician_desk.domain.referrals import DESTINATIONS, REASONS

        self.setObjectName("referral_dialog")
        self.setWindowTitle(_("New referral — {name}").format(name=student_name))
        self.ctx = ctx
        self.student_id = student_id
        today = ctx.clock.now().astimezone().date()
        self.destination_combo = QComboBox()
        self.destination_combo.setObjectName("referral_destination_combo_box")
        self.destination_combo.setAccessibleName(_("Referred to"))
        for code in DESTINATIONS:
            self.destination_combo.addItem(label(DESTINATION_TEXT, code), code)
        self.destination_name_edit = QLineEdit()
        self.destination_name_edit.setObjectName("referral_destination_name_line_edit")
        self.destination_name_edit.setAccessibleName(_("Provider or team name"))
        self.destination_name_edit.setPlaceholderText(_("e.g. the clinic or team (optional)"))
        self.date_edit = date_edit("referral_date_edit", _("Referral date"), today)
        self.reason_combo = QComboBox()
        self.reason_combo.setObjectName("referral_reason_combo_box")
        self.reason_combo.setAccessibleName(_("Reason category"))
        for code in REASONS:
            self.reason_combo.addItem(label(REASON_TEXT, code), code)
        self.follow_up_check, self.follow_up_edit, follow_row = follow_up_row(
            "referral_follow_up", _("Follow-up date"), default_follow_up_on(today)
        )
        self.message = message_label("referral_message_label")
        self.buttons = buttons("referral", _("Save referral"))
        form = QFormLayout()
        form.addRow(_("Referred to"), self.destination_combo)
        form.addRow(_("Provider or team"), self.destination_name_edit)
        form.addRow(_("Referral date"), self.date_edit)
        form.addRow(_("Reason"), self.reason_combo)
        form.addRow(_("Follow-up"), follow_row)
        explain = QLabel(
            _("The referral starts as “sent”. Move it on with “Change status…” on the page.")
        )
        explain.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(explain)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.draft = DialogDraft(self, ctx, f"referral:{student_id}")
        layout.insertWidget(0, self.draft.bar)
        self.draft.offer_restore()

    def reject(self) -> None:
        self.draft.cancelled()  # an explicit cancel drops the draft; a lock keeps it
        super().reject()

    def referral_input(self) -> Any:
        from clinician_desk.domain.referrals import ReferralInput

        return ReferralInput(
            student_id=self.student_id,
            destination=self.destination_combo.currentData(),
            destination_name=self.destination_name_edit.text(),
            referral_date=to_date(self.date_edit.date()),
            reason=self.reason_combo.currentData(),
            follow_up_on=(
                to_date(self.follow_up_edit.date()) if self.follow_up_check.isChecked() else None
            ),
        )

    def submit(self) -> None:
        services = self.ctx.require_services()
        data = self.referral_input()
        self.buttons.setEnabled(False)
        self.message.clear()
        self.ctx.tasks.run_db(
            lambda _c: services.record.create_referral(data),
            context=self,
            on_done=self._saved,
            on_error=self._failed,
            name="referral",
        )

    def _saved(self, referral_id: Any) -> None:
        self.referral_saved.emit(referral_id)
        self.accept()

    def _failed(self, exc: ClinicianDeskError) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(exc.message)
