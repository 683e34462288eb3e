"""Record and close a safety follow-up that has no screening behind it.

The core lets the record open safety flags that do not come from a critical screening (the
clinician's own concern, the demo's "follow up on safety plan"); such a flag carries only its
reason, and it closes with the reason it was closed for (``services.record.close_safety_flag``,
which refuses an empty one). This dialog shows what the flag is about, takes what was done, and
closes the flag on the database worker; a refusal is shown and the text kept. What was typed is
an encrypted form draft (``ui.widgets.form_draft``) kept across a lock and offered back; Cancel
discards it and leaves the flag open.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.errors import ClinicianDeskError
from ui.context import UiContext
from ui.focus import tab_moves_focus
from ui.i18n import _
from ui.theme.apply import set_semantic
from ui.times import opened_text
from ui.widgets.form_draft import DialogDraft


class CloseSafetyFlagDialog(QDialog):
    flag_closed = Signal()

    def __init__(
        self, ctx: UiContext, student_id: Any, flag: Any, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("close_safety_flag_dialog")
        self.setWindowTitle(_("Record safety follow-up"))
        self.setModal(True)
        self.ctx = ctx
        self.flag_id = flag.flag_id
        about = QLabel(
            _("Safety follow-up opened {when}: {reason}").format(
                when=opened_text(flag), reason=flag.reason
            )
        )
        about.setObjectName("safety_flag_about_label")
        about.setWordWrap(True)
        help_label = QLabel(
            _(
                "Record what was done (risk assessment, safety plan, who was told). Recording "
                "closes the follow-up; it cannot be reopened."
            )
        )
        help_label.setWordWrap(True)
        self.outcome_edit = QPlainTextEdit()
        tab_moves_focus(self.outcome_edit)
        self.outcome_edit.setObjectName("follow_up_outcome_plain_text_edit")
        self.outcome_edit.setAccessibleName(_("What was done"))
        self.message = QLabel()
        self.message.setObjectName("safety_flag_message_label")
        self.message.setWordWrap(True)
        set_semantic(self.message, "risk")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.setObjectName("safety_flag_button_box")
        self.record_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.record_button.setText(_("Record and close"))
        self.record_button.setObjectName("close_safety_flag_button")
        self.record_button.setAccessibleName(_("Record and close the follow-up"))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("cancel_safety_flag_button")
        cancel.setAccessibleName(_("Cancel"))
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addWidget(help_label)
        layout.addWidget(self.outcome_edit, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.submit)
        self.outcome_edit.textChanged.connect(self.message.clear)
        self.buttons.rejected.connect(self.reject)
        self.draft = DialogDraft(self, ctx, f"safety-flag:{student_id}:{flag.flag_id}")
        layout.insertWidget(0, self.draft.bar)
        self.draft.offer_restore()
        self.resize(520, 320)

    def submit(self) -> None:
        services = self.ctx.require_services()
        flag_id, text = self.flag_id, self.outcome_edit.toPlainText()
        self.record_button.setEnabled(False)
        self.message.setText(_("Saving…"))
        self.ctx.tasks.run_db(
            lambda _c: services.record.close_safety_flag(flag_id, text),
            context=self,
            on_done=self._done,
            on_error=self._failed,
            name="close-safety-flag",
        )

    def _done(self, _result: Any) -> None:
        self.flag_closed.emit()
        self.accept()

    def _failed(self, exc: ClinicianDeskError) -> None:
        self.record_button.setEnabled(True)
        self.message.setText(exc.message)

    def reject(self) -> None:
        self.draft.cancelled()
        super().reject()
