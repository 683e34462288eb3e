"""The sync page: enrollment, per-period status and the server's messages, "Sync now".

Reads ``services.sync.status()`` on the database worker. "Sync now" runs the sync worker's three
phases where each belongs: ``prepare`` (rebuild snapshots) on the database worker, ``send`` on
the network pool (the database is not touched while waiting for the server), ``record`` back on
the database worker; progress and cancel are offered while it runs. Offline is normal and shown
as a status, not an error. Enrolling (one short call that stores the device key) runs on the
database worker with the client's timeouts; then the handoff card is published to the county's
registry as a step of its own (``ui.handoff_publish``; a problem is said, never fatal).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.errors import ClinicianDeskError
from ui.context import UiContext
from ui.i18n import N_, _, core_text
from ui.models.rows_model import RowsTableModel
from ui.sync_scheduler import sync_gate
from ui.tasks import TaskHandle
from ui.times import shown_time
from ui.widgets.buttons import named_button
from ui.widgets.empty_state import EmptyState
from ui.widgets.tables import configure_table, fit_columns

# The period states of the outbox (migration 0004), in words.
SYNC_STATUS_TEXT = {
    "pending": N_("Waiting to be sent"),
    "synced": N_("Sent and received"),
    "stale": N_("The server has a newer version"),
    "conflict": N_("The server has a different version"),
    "rejected": N_("Refused by the server"),
    "locked": N_("Closed by the county"),
}


class SyncPage(QWidget):
    enrolled = Signal()  # the automatic sync takes it as a cue to sync soon

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sync_page")
        self.title = _("Sync")
        self.ctx = ctx
        self.headline = QLabel()
        self.headline.setObjectName("sync_headline_label")
        self.headline.setWordWrap(True)
        self.server_edit = QLineEdit()
        self.server_edit.setObjectName("server_url_line_edit")
        self.server_edit.setAccessibleName(_("County server address"))
        self.server_edit.setPlaceholderText("https://…")
        self._apply_it_policy()
        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("sync_enrollment_code_line_edit")
        self.code_edit.setAccessibleName(_("Enrollment code"))
        self.enroll_button = named_button("enroll_button", _("Enroll this laptop"))
        self.sync_button = named_button("sync_now_button", _("Sync now"))
        self.cancel_button = named_button("cancel_sync_button", _("Cancel"))
        self.cancel_button.setEnabled(False)
        self.model = RowsTableModel(
            [
                (_("Month"), lambda p: p.period),
                (_("School / district"), lambda p: p.org_unit),
                (_("Status"), lambda p: _(SYNC_STATUS_TEXT.get(p.status, p.status))),
                (_("Revision"), lambda p: f"{p.acked_revision}/{p.revision}"),
                (_("Last sent"), lambda p: shown_time(p.last_sent_at)),
                (_("Server message"), lambda p: p.problem or ""),
            ],
            self,
        )
        self.table = configure_table(
            QTableView(), "sync_periods_table_view", _("Months and their sync status")
        )
        self.table.setModel(self.model)
        self.message = QLabel()
        self.message.setObjectName("sync_message_label")
        self.message.setWordWrap(True)
        self.card_label = QLabel()  # a handoff card the background sync could not publish
        self.card_label.setObjectName("sync_card_problem_label")
        self.card_label.setWordWrap(True)
        self.card_label.setVisible(False)
        enroll = QFormLayout()
        enroll.addRow(_("Server"), self.server_edit)
        enroll.addRow(_("Enrollment code"), self.code_edit)
        enroll.addRow("", self.enroll_button)
        self.enroll_box = QWidget()
        self.enroll_box.setLayout(enroll)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.sync_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        self.sync_row = QWidget()
        self.sync_row.setObjectName("sync_buttons_widget")
        self.sync_row.setLayout(buttons)
        # Not enrolled yet: what sync is for and the next step, above the enrollment form.
        self.empty_state = EmptyState(
            "sync",
            "sync",
            _("This laptop is not enrolled yet"),
            _(
                "Enrolled, the app sends the county de-identified service counts — never a "
                "student's name or notes. Your district gives you the server address and a "
                "one-time enrollment code."
            ),
        )
        self.empty_state.add_action(
            "empty_enroll_county_button", _("Enroll with the county…"), "sync"
        )
        self.empty_state.finish()
        self.empty_state.next_steps[0].clicked.connect(self.focus_enrollment)
        self.empty_state.setVisible(False)
        self.empty_state.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.empty_state)
        layout.addWidget(self.enroll_box)
        layout.addWidget(self.sync_row)
        layout.addWidget(self.card_label)
        layout.addWidget(self.table, 1)
        # Before enrollment the table is hidden: the room below the form stays empty instead of
        # pushing the form out of sight.
        self.filler = QWidget()
        self.filler.setObjectName("sync_filler_widget")
        self.filler.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.filler.setVisible(False)
        layout.addWidget(self.filler, 1)
        layout.addWidget(self.message)
        self.enroll_button.clicked.connect(lambda: self.enroll(self.code_edit.text()))
        self.sync_button.clicked.connect(self.sync_now)
        self.cancel_button.clicked.connect(self.cancel)
        self._handle: TaskHandle | None = None

    def _apply_it_policy(self) -> None:
        """A server address preset by district IT (``config.it_policy``) is shown read-only."""
        from clinician_desk.config.it_policy import load_policy

        try:
            url = load_policy().server_url
        except ClinicianDeskError:  # a broken policy file: the enroll call reports it
            return
        if url:
            self.server_edit.setText(url)
            self.server_edit.setReadOnly(True)
            self.server_edit.setToolTip(_("Set by your district IT"))

    def _sync(self) -> Any:
        services = self.ctx.services
        return getattr(services, "sync", None) if services is not None else None

    def activate(self) -> None:
        sync = self._sync()
        if sync is None:
            self.headline.setText(_("Sync is not available in this vault."))
            self.sync_button.setEnabled(False)
            return
        self.ctx.tasks.run_db(
            lambda _c: sync.status(), context=self, on_done=self._show, name="sync-status"
        )

    def _show(self, status: Any) -> None:
        self.headline.setText(core_text(status.headline))
        self.enroll_box.setVisible(not status.enrolled)
        self.empty_state.setVisible(not status.enrolled)
        self.sync_row.setVisible(status.enrolled)
        self.table.setVisible(status.enrolled)
        self.filler.setVisible(not status.enrolled)
        self.sync_button.setEnabled(status.enrolled and not status.revoked)
        self.model.set_rows(status.periods)
        fit_columns(self.table)

    def set_card_problem(self, problem: str) -> None:
        """Why the background sync could not publish this laptop's handoff card ("" once it
        did, or on lock): said above the months (``SyncScheduler.card_problem_changed``)."""
        if problem:
            self.card_label.setText(
                _(
                    "Your handoff card is not yet published in the county's list of colleagues: "
                    "{why} The next sync tries again."
                ).format(why=core_text(problem))
            )
        else:
            self.card_label.clear()
        self.card_label.setVisible(bool(problem))

    def focus_enrollment(self) -> None:
        """The empty state's next step: the first enrollment field still to fill."""
        if not self.server_edit.text().strip() and not self.server_edit.isReadOnly():
            self.server_edit.setFocus()
        else:
            self.code_edit.setFocus()

    def enroll(self, code: str) -> None:
        sync = self._sync()
        if sync is None:
            self.message.setText(_("Sync is not available in this vault."))
            return
        url = self.server_edit.text().strip() or None
        code = code.strip()
        self.code_edit.setText(code)
        self.enroll_button.setEnabled(False)
        self.message.setText(_("Enrolling…"))
        self.ctx.tasks.run_db(
            lambda _c: sync.enroll(url, code),
            context=self,
            on_done=lambda _e: self._enrolled(),
            on_error=self._failed,
            name="enroll",
        )

    def _enrolled(self) -> None:
        """Enrolled: publish the handoff card as a step of its own (``ui.handoff_publish``),
        then ask for a round. A card that could not be published is said, never fatal."""
        from ui.handoff_publish import publish_card

        self.message.setText(_("This laptop is enrolled. Publishing its handoff card…"))

        def finished(problem: str, _published: bool) -> None:
            text = _("This laptop is enrolled.")
            if problem:
                text += " " + core_text(problem) + " " + _("The next sync publishes it.")
            self._after(text)
            self.enrolled.emit()

        publish_card(self.ctx, self, finished, name="enroll-handoff-card")

    def sync_now(self) -> None:
        sync = self._sync()
        if sync is None:
            return
        worker = sync.worker
        if not sync_gate(self.ctx).acquire("manual"):  # one sync at a time (automatic rounds)
            self.message.setText(_("A sync is already running; try again in a moment."))
            return
        self.sync_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.message.setText(_("Preparing…"))

        def prepared(state: Any) -> None:
            device, items = state
            if device is None or not items:
                self._after(_("Nothing to send."))
                return
            self.message.setText(_("Sending {n} month(s)…").format(n=len(items)))

            def send(control: Any) -> Any:
                control.check_cancelled()
                return worker.send(device, items)

            self._handle = self.ctx.tasks.run_network(
                send,
                context=self,
                on_done=sent,
                on_error=self._failed,
                on_cancelled=lambda: self._after(_("Sync cancelled.")),
                name="sync-send",
            )

        def sent(result: Any) -> None:
            def record(_c: Any) -> Any:
                return sync.record_round(result)  # publishes SyncFinished

            self.ctx.tasks.run_db(
                record,
                context=self,
                on_done=lambda r: self._after(r.problem or _("Sync finished.")),
                on_error=self._failed,
                name="sync-record",
            )

        self._handle = self.ctx.tasks.run_db(
            lambda _c: worker.prepare(),
            context=self,
            on_done=prepared,
            on_error=self._failed,
            on_cancelled=lambda: self._after(_("Sync cancelled.")),
            name="sync-prepare",
        )

    def cancel(self) -> None:
        handle = self._handle
        if handle is not None:
            handle.cancel()
            if handle.future.cancelled():  # it never started, so no callback will come
                self._after(_("Sync cancelled."))

    def _after(self, message: str) -> None:
        sync_gate(self.ctx).release("manual")
        self.message.setText(message)
        self.enroll_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self._handle = None
        self.activate()

    def _failed(self, exc: ClinicianDeskError) -> None:
        self._after(exc.message)

    def clear(self) -> None:
        self.model.clear()
        self.headline.clear()
        self.message.clear()
        self.set_card_problem("")
        self.code_edit.clear()
