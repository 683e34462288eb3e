"""Move a referral on (sent → accepted → first appointment → closed, or declined) and show
its status history.

The history comes from ``services.record.referral_history`` on the database worker. The status
box offers only the moves the core allows from the current status (asked of the pure domain
rule ``check_transition``); the core still checks the date (not before the previous change, not
in the future) and the next follow-up date, and a refusal is shown in the dialog with the form
kept (and kept across a lock as an encrypted form draft). A closed or declined referral
shows its history read-only.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.domain.referrals import default_follow_up_on
from clinician_desk.errors import ClinicianDeskError, ValidationError
from ui.context import UiContext
from ui.dialogs.referral_dialog import (
    DESTINATION_TEXT,
    REASON_TEXT,
    STATUS_TEXT,
    buttons,
    date_edit,
    follow_up_row,
    label,
    message_label,
)
from ui.i18n import _
from ui.models.rows_model import RowsTableModel
from ui.theme.apply import set_semantic
from ui.widgets.form_draft import DialogDraft
from ui.widgets.scrolling_form import ScrollingForm
from ui.widgets.session_form import to_date
from ui.widgets.tables import configure_table, fit_columns


def allowed_next(current: str) -> list[str]:
    """The statuses the core accepts after ``current`` (dates aside)."""
    from clinician_desk.domain.referrals import STATUSES, check_transition

    day = date(2000, 1, 1)
    out = []
    for status in STATUSES:
        try:
            check_transition(current, status, day, day)
        except ValidationError:
            continue
        out.append(status)
    return out


class ReferralStatusDialog(QDialog):
    status_changed = Signal(object)

    def __init__(
        self,
        ctx: UiContext,
        referral: Any,
        parent: QWidget | None = None,
        student_id: Any = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("referral_status_dialog")
        self.setWindowTitle(_("Referral status"))
        self.ctx = ctx
        self.referral = referral
        today = ctx.clock.now().astimezone().date()
        to = referral.destination_name or label(DESTINATION_TEXT, referral.destination)
        summary = QLabel(
            _("{to} — {reason}, referred {d}. Status now: {status}.").format(
                to=to,
                reason=label(REASON_TEXT, referral.reason),
                d=referral.referral_date.isoformat(),
                status=label(STATUS_TEXT, referral.status),
            )
        )
        summary.setObjectName("referral_summary_label")
        summary.setWordWrap(True)
        self.history_model = RowsTableModel(
            [
                (_("Status"), lambda r: label(STATUS_TEXT, r[0])),
                (_("Date"), lambda r: r[1]),
                (_("Next follow-up"), lambda r: r[2] or "—"),
                (_("Recorded by"), lambda r: r[3]),
            ],
            self,
        )
        self.history_view = configure_table(
            QTableView(), "referral_history_table_view", _("Status history")
        )
        self.history_view.setModel(self.history_model)
        self.history_view.setMinimumHeight(130)
        self.status_combo = QComboBox()
        self.status_combo.setObjectName("referral_status_combo_box")
        self.status_combo.setAccessibleName(_("New status"))
        for status in allowed_next(referral.status):
            self.status_combo.addItem(label(STATUS_TEXT, status), status)
        self.changed_edit = date_edit("status_changed_date_edit", _("Date of the change"), today)
        self.follow_up_check, self.follow_up_edit, follow_row = follow_up_row(
            "status_follow_up", _("Next follow-up date"), default_follow_up_on(today)
        )
        self.message = message_label("referral_status_message_label")
        self.buttons = buttons("referral_status", _("Record status"))
        form = QFormLayout()
        form.addRow(_("New status"), self.status_combo)
        form.addRow(_("Changed on"), self.changed_edit)
        form.addRow(_("Next follow-up"), follow_row)
        body = QVBoxLayout()
        body.addWidget(summary)
        body.addWidget(QLabel(_("History")))
        body.addWidget(self.history_view, 1)
        body.addLayout(form)
        layout = QVBoxLayout(self)
        # A short screen scrolls the form; the message and the buttons stay in view.
        layout.addWidget(ScrollingForm(body, "referral_status_form_scroll_area"), 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(560, 440)
        self.status_combo.currentIndexChanged.connect(self._status_picked)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        if self.status_combo.count() == 0:
            set_semantic(self.message, None)
            self.message.setText(_("This referral is finished; its history is kept."))
            for widget in (self.status_combo, self.changed_edit, self.follow_up_check):
                widget.setEnabled(False)
            self.follow_up_edit.setEnabled(False)
            self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)
        self._status_picked()
        self.draft = DialogDraft(self, ctx, f"referral-status:{student_id}:{referral.id}")
        layout.insertWidget(0, self.draft.bar)
        if self.status_combo.count():
            self.draft.offer_restore()
        self._load_history()

    def reject(self) -> None:
        self.draft.cancelled()  # an explicit cancel drops the draft; a lock keeps it
        super().reject()

    def _status_picked(self) -> None:
        # A finished referral needs no further follow-up; an open one usually does.
        finished = self.status_combo.currentData() in ("closed", "declined")
        if self.status_combo.count():
            self.follow_up_check.setChecked(not finished)

    def _load_history(self) -> None:
        services = self.ctx.require_services()
        referral_id = self.referral.id
        self.ctx.tasks.run_db(
            lambda _c: services.record.referral_history(referral_id),
            context=self,
            on_done=self._history_loaded,
            on_error=self._failed,
            name="referral-history",
        )

    def _history_loaded(self, rows: Any) -> None:
        self.history_model.set_rows(rows)
        fit_columns(self.history_view)

    def submit(self) -> None:
        status = self.status_combo.currentData()
        if status is None:
            return
        services = self.ctx.require_services()
        referral_id = self.referral.id
        changed_on = to_date(self.changed_edit.date())
        follow_up = (
            to_date(self.follow_up_edit.date()) if self.follow_up_check.isChecked() else None
        )
        self.buttons.setEnabled(False)
        self.message.clear()
        self.ctx.tasks.run_db(
            lambda _c: services.record.change_referral_status(
                referral_id, status, changed_on, follow_up
            ),
            context=self,
            on_done=self._saved,
            on_error=self._failed,
            name="referral-status",
        )

    def _saved(self, _result: Any) -> None:
        self.status_changed.emit(self.referral.id)
        self.accept()

    def _failed(self, exc: ClinicianDeskError) -> None:
        self.buttons.setEnabled(True)
        set_semantic(self.message, "risk")
        self.message.setText(exc.message)
