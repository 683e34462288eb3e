"""Mandated-report events of one student: the phone report and its 36-hour written follow-up.

Only the event is recorded (Penal Code 11166): when the phone report was made, to which agency,
and when the written follow-up was sent. The deadline is computed by the core's rule
(``follow_up_deadline``) and shown as the clinician types the time, then counted down (or shown
overdue) for every pending report, refreshed every 30 seconds from the app's clock. There is
deliberately no field for the report's content: it is not kept in the record or in notes, and
the dialog says so. Writes go through ``services.record`` on the database worker; a refusal
(a time in the future, a follow-up before the phone report) is shown with the form kept, and
an unsaved form survives a lock as an encrypted form draft (``ui.widgets.form_draft``). After a
save the student page data is reloaded once and handed to the page (``record_changed``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QDateTime, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.domain import mandated_reports as mr
from clinician_desk.errors import ClinicianDeskError
from ui.context import UiContext
from ui.i18n import N_, _
from ui.models.rows_model import ROW_ROLE
from ui.theme.apply import set_semantic
from ui.times import DATE_TIME_FORMAT, local_text, parse_utc, shown_time
from ui.widgets.buttons import named_button
from ui.widgets.flagged_rows import FlaggedRowsTableModel
from ui.widgets.form_draft import DialogDraft
from ui.widgets.scrolling_form import ScrollingForm
from ui.widgets.tables import configure_table, fit_columns

AGENCY_TEXT = {
    "child_welfare": N_("Child welfare services (CWS)"),
    "law_enforcement": N_("Law enforcement"),
    "probation": N_("Probation"),
}
REFRESH_MS = 30_000


def time_left_text(status: str, due_at: str, now: datetime) -> tuple[str, bool]:
    """("Sent" | "5 h 10 min left" | "OVERDUE by 2 h 3 min", overdue?) for one report; overdue
    is the domain's ``is_overdue``, the same rule the caseload flags use."""
    if status == mr.SENT:
        return _("Written follow-up sent"), False
    due = parse_utc(due_at)
    overdue = mr.is_overdue(status, due, now)
    minutes = int(abs((due - now).total_seconds())) // 60
    span = _("{h} h {m} min").format(h=minutes // 60, m=minutes % 60)
    if overdue:
        return _("OVERDUE by {span}").format(span=span), True
    return _("{span} left").format(span=span), False


def _date_time(name: str, accessible: str, now: datetime) -> QDateTimeEdit:
    edit = QDateTimeEdit(QDateTime(now.astimezone()))  # type: ignore[call-overload]  # 6.9 stubs
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat(DATE_TIME_FORMAT)
    return edit


def _moment(edit: QDateTimeEdit) -> datetime:
    return datetime.fromtimestamp(edit.dateTime().toSecsSinceEpoch(), tz=UTC)


class MandatedReportDialog(QDialog):
    record_changed = Signal(object)

    def __init__(
        self,
        ctx: UiContext,
        student_id: Any,
        student_name: str,
        reports: Any = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        from clinician_desk.domain.mandated_reports import AGENCIES

        self.setObjectName("mandated_report_dialog")
        self.setWindowTitle(_("Mandated report — {name}").format(name=student_name))
        self.ctx = ctx
        self.student_id = student_id
        now = ctx.clock.now()
        explain = QLabel(
            _(
                "Record only the event: when you phoned the report and to which agency. The "
                "report's content is not kept in clinician-desk or in session notes — it belongs "
                "on the agency's forms. The written report is due within {hours} hours of the "
                "phone report (Penal Code 11166)."
            ).format(hours=mr.FOLLOW_UP_HOURS)
        )
        explain.setObjectName("mandated_report_explain_label")
        explain.setWordWrap(True)
        self.phone_edit = _date_time("phone_report_at_date_time_edit", _("Phone report made"), now)
        self.agency_combo = QComboBox()
        self.agency_combo.setObjectName("agency_combo_box")
        self.agency_combo.setAccessibleName(_("Agency"))
        for code in AGENCIES:
            self.agency_combo.addItem(_(AGENCY_TEXT.get(code, code)), code)
        self.deadline_label = QLabel()
        self.deadline_label.setObjectName("follow_up_deadline_label")
        self.deadline_label.setWordWrap(True)
        self.record_button = named_button("record_phone_report_button", _("Record phone report"))
        # Not the default: Enter in the form does not record a report (nor close the dialog).
        self.record_button.setAutoDefault(False)
        new_box = QGroupBox(_("New phone report"))
        new_form = QFormLayout(new_box)
        new_form.addRow(_("Phone report made"), self.phone_edit)
        new_form.addRow(_("Agency"), self.agency_combo)
        new_form.addRow(_("Written follow-up due"), self.deadline_label)
        new_form.addRow(self.record_button)
        self._now = now
        self.model = FlaggedRowsTableModel(
            [
                (_("Phone report"), lambda r: shown_time(r.phone_report_at)),
                (_("Agency"), lambda r: _(AGENCY_TEXT.get(r.agency, r.agency))),
                (_("Written follow-up due"), lambda r: shown_time(r.follow_up_due_at)),
                (_("Status"), lambda r: time_left_text(r.status, r.follow_up_due_at, self._now)[0]),
            ],
            lambda r: time_left_text(r.status, r.follow_up_due_at, self._now)[1],
            self,
        )
        self.table = configure_table(
            QTableView(), "mandated_reports_table_view", _("Mandated reports")
        )
        self.table.setModel(self.model)
        self.table.setMinimumHeight(120)
        self.sent_edit = _date_time(
            "follow_up_sent_at_date_time_edit", _("Written follow-up sent"), now
        )
        self.sent_button = named_button(
            "record_follow_up_sent_button", _("Record written follow-up sent")
        )
        self.sent_button.setAutoDefault(False)
        list_box = QGroupBox(_("Reports for this student"))
        list_layout = QVBoxLayout(list_box)
        list_layout.addWidget(self.table, 1)
        sent_form = QFormLayout()
        sent_form.addRow(_("Written follow-up sent at"), self.sent_edit)
        sent_form.addRow(self.sent_button)
        list_layout.addLayout(sent_form)
        self.message = QLabel()
        self.message.setObjectName("mandated_report_message_label")
        self.message.setWordWrap(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close_button = close.button(QDialogButtonBox.StandardButton.Close)
        close_button.setObjectName("close_mandated_report_button")
        close_button.setAccessibleName(_("Close"))
        body = QVBoxLayout()
        body.addWidget(explain)
        body.addWidget(new_box)
        body.addWidget(list_box, 1)
        layout = QVBoxLayout(self)
        # A short screen scrolls the form; the message and Close stay in view.
        layout.addWidget(ScrollingForm(body, "mandated_report_form_scroll_area"), 1)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.resize(680, 560)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh_times)
        self.timer.start()
        self.phone_edit.dateTimeChanged.connect(self._show_deadline)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._selection())
        self.record_button.clicked.connect(self.record_report)
        self.sent_button.clicked.connect(self.record_sent)
        close.rejected.connect(self.reject)
        self.set_reports(reports)
        self.draft = DialogDraft(self, ctx, f"mandated-report:{student_id}")
        layout.insertWidget(0, self.draft.bar)
        self.draft.offer_restore()

    def reject(self) -> None:
        self.draft.cancelled()  # an explicit cancel drops the draft; a lock keeps it
        super().reject()

    # -- showing -------------------------------------------------------------------------------
    def set_reports(self, reports: Any) -> None:
        self._now = self.ctx.clock.now()
        self.model.set_rows(reports)
        fit_columns(self.table)
        pending = [i for i, r in enumerate(reports) if r.status == "follow_up_pending"]
        if pending:
            self.table.selectRow(pending[0])
        self._selection()
        self._show_deadline()

    def refresh_times(self) -> None:
        """Re-count the time left (the timer calls this every 30 s)."""
        self._now = self.ctx.clock.now()
        count = self.model.rowCount()
        if count:  # repaint in place: the selection (for "follow-up sent") stays
            last = self.model.index(count - 1, self.model.columnCount() - 1)
            self.model.dataChanged.emit(self.model.index(0, 0), last)
            fit_columns(self.table)
        self._show_deadline()

    def overdue_rows(self) -> list[Any]:
        rows = [self.model.row_at(i) for i in range(self.model.rowCount())]
        return [r for r in rows if time_left_text(r.status, r.follow_up_due_at, self._now)[1]]

    def _show_deadline(self) -> None:
        from clinician_desk.domain.mandated_reports import follow_up_deadline

        due = follow_up_deadline(_moment(self.phone_edit))
        left, overdue = time_left_text("follow_up_pending", due.isoformat(), self.ctx.clock.now())
        self.deadline_label.setText(
            _("{due} — {hours} hours after the phone report ({left})").format(
                due=local_text(due), hours=mr.FOLLOW_UP_HOURS, left=left
            )
        )
        set_semantic(self.deadline_label, "overdue" if overdue else None)

    def _selected(self) -> Any:
        index = self.table.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def _selection(self) -> None:
        row = self._selected()
        pending = row is not None and row.status == "follow_up_pending"
        self.sent_button.setEnabled(pending)
        self.sent_edit.setEnabled(pending)

    # -- writing -------------------------------------------------------------------------------
    def record_report(self) -> None:
        services = self.ctx.require_services()
        student_id, at = self.student_id, _moment(self.phone_edit)
        agency = self.agency_combo.currentData()
        self._run(lambda: services.record.record_mandated_report(student_id, at, agency))

    def record_sent(self) -> None:
        row = self._selected()
        if row is None:
            return
        services = self.ctx.require_services()
        report_id, sent_at = row.id, _moment(self.sent_edit)
        self._run(lambda: services.record.record_mandated_follow_up(report_id, sent_at))

    def _run(self, write: Any) -> None:
        services = self.ctx.require_services()
        student_id = self.student_id

        def work(_control: Any) -> Any:
            write()
            return services.record.student_page(student_id)

        self._busy(True)
        set_semantic(self.message, None)
        self.message.setText(_("Saving…"))
        self.ctx.tasks.run_db(
            work, context=self, on_done=self._saved, on_error=self._failed, name="mandated-report"
        )

    def _busy(self, busy: bool) -> None:
        self.record_button.setEnabled(not busy)
        if busy:
            self.sent_button.setEnabled(False)
        else:
            self._selection()

    def _saved(self, page: Any) -> None:
        # Ready for another report: the form's deadline must not show the saved one's.
        self.phone_edit.setDateTime(QDateTime(self.ctx.clock.now().astimezone()))  # type: ignore[call-overload]  # 6.9 stubs
        self._busy(False)
        self.message.setText(_("Saved."))
        self.set_reports(page.mandated_reports)
        self.draft.saved()
        self.record_changed.emit(page)

    def _failed(self, exc: ClinicianDeskError) -> None:
        self._busy(False)
        set_semantic(self.message, "risk")
        self.message.setText(exc.message)
