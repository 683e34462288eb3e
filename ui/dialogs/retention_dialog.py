"""Destroying a student's record once its retention date has passed (``services.retention``).

``DestroyRecordButton`` sits on the student page and is shown only while the open student is
eligible (services ended and the retention date passed, not yet destroyed); it asks the core on
the database worker each time a student is shown. ``RetentionDialog`` explains what is removed
and what is kept for the county's counts, and destroys only after the clinician types the
student's number — a typed confirmation, not one click. Refusals from the core (not yet
eligible, already destroyed) are shown in the dialog; nothing is destroyed automatically.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.errors import ClinicianDeskError
from ui.context import UiContext
from ui.i18n import _


class RetentionDialog(QDialog):
    record_destroyed = Signal(object)

    def __init__(
        self, ctx: UiContext, student_id: int, retain_until: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("retention_dialog")
        self.setWindowTitle(_("Destroy record"))
        self.ctx = ctx
        self.student_id = student_id
        explain = QLabel(
            _(
                "This record was to be kept until {date}; that date has passed and services "
                "have ended.\n\nDestroying it removes the notes' text, addenda, psychotherapy "
                "notes, screening answers and results, safety plans, mandated-report events, "
                "guardians, drafts and the student's name and details, for good. Only "
                "de-identified facts stay (dates, minutes, services, grade, school) so the "
                "counts already sent to the county do not change. The destruction is logged."
            ).format(date=retain_until)
        )
        explain.setObjectName("retention_explain_label")
        explain.setWordWrap(True)
        prompt = QLabel(_("Type the student number {n} to confirm:").format(n=student_id))
        prompt.setObjectName("retention_prompt_label")
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setObjectName("retention_confirm_line_edit")
        self.confirm_edit.setAccessibleName(_("Student number to confirm"))
        prompt.setBuddy(self.confirm_edit)
        self.message = QLabel()
        self.message.setObjectName("retention_message_label")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.destroy_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.destroy_button.setText(_("Destroy record"))
        self.destroy_button.setObjectName("confirm_destroy_record_button")
        self.destroy_button.setAccessibleName(_("Destroy record"))
        self.destroy_button.setEnabled(False)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("cancel_destroy_record_button")
        cancel.setAccessibleName(_("Cancel"))
        cancel.setDefault(True)
        layout = QVBoxLayout(self)
        for widget in (explain, prompt, self.confirm_edit, self.message, self.buttons):
            layout.addWidget(widget)
        self.confirm_edit.textChanged.connect(self._typed)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.resize(520, 300)

    def _typed(self, text: str) -> None:
        self.destroy_button.setEnabled(text.strip() == str(self.student_id))

    def submit(self) -> None:
        if self.confirm_edit.text().strip() != str(self.student_id):
            return
        services = self.ctx.require_services()
        student_id = self.student_id
        self.buttons.setEnabled(False)
        self.message.setText(_("Destroying…"))

        def work(_c: Any) -> Any:
            # Nobody else (the admin CLI) may have the vault open while a record is destroyed.
            exclusively = getattr(services, "exclusively", None)
            if exclusively is None:
                return services.retention.destroy(student_id)
            with exclusively(_("destroy this record")):
                return services.retention.destroy(student_id)

        self.ctx.tasks.run_db(
            work,
            context=self,
            on_done=self._done,
            on_error=self._failed,
            name="retention-destroy",
        )

    def _done(self, report: Any) -> None:
        self.record_destroyed.emit(report)
        self.accept()

    def _failed(self, exc: ClinicianDeskError) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(exc.message)


class DestroyRecordButton(QPushButton):
    """ "Destroy record…": visible only while the shown student is eligible."""

    record_destroyed = Signal(object)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(_("Destroy record…"), parent)
        self.setObjectName("destroy_record_button")
        self.setAccessibleName(_("Destroy record"))
        self.ctx = ctx
        self.student_id: int | None = None
        self._retain_until = ""
        self.setVisible(False)
        self.clicked.connect(self.open_dialog)

    def set_student(self, student_id: Any) -> None:
        """Show the button if ``student_id``'s record may be destroyed (asked on the worker)."""
        self.setVisible(False)
        self.student_id = None if student_id is None else int(student_id)
        services = self.ctx.services
        if self.student_id is None or services is None:
            return
        wanted = self.student_id
        self.ctx.tasks.run_db(
            lambda _c: services.retention.status(wanted),
            context=self,
            on_done=lambda status: self._status(wanted, status),
            on_error=lambda _exc: None,  # no button when the status cannot be read
            name="retention-status",
        )

    def _status(self, wanted: int, status: Any) -> None:
        if wanted != self.student_id:
            return  # another student was opened meanwhile
        self._retain_until = status.retain_until.isoformat()
        self.setVisible(bool(status.eligible))

    def open_dialog(self) -> RetentionDialog | None:
        if self.student_id is None:
            return None
        dialog = RetentionDialog(self.ctx, self.student_id, self._retain_until, self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # not kept once closed
        dialog.record_destroyed.connect(self._destroyed)
        dialog.open()
        return dialog

    def _destroyed(self, report: Any) -> None:
        self.setVisible(False)
        self.record_destroyed.emit(report)
