"""Create or revise a student's Stanley–Brown safety plan from the student page, and print it.

Shows who made the current plan and when, pre-fills the shared editor
(``ui.widgets.safety_plan_editor``) with it, and saves a *new version* through
``services.record.save_safety_plan`` on the database worker — earlier versions stay in the
record. A plan the core refuses (no warning sign, an entry too long) is explained in the dialog
and everything typed stays; unsaved boxes survive a lock as an encrypted form draft
(``ui.widgets.form_draft``). *Print…* opens the print centre on the saved plan, so it is offered
only while the boxes match what is saved.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.errors import ClinicianDeskError
from ui.context import UiContext
from ui.i18n import _
from ui.theme.apply import set_semantic
from ui.widgets.buttons import named_button
from ui.widgets.form_draft import DialogDraft
from ui.widgets.safety_plan_editor import SafetyPlanEditor


class SafetyPlanDialog(QDialog):
    plan_saved = Signal(object)
    print_requested = Signal(object)

    def __init__(
        self,
        ctx: UiContext,
        student_id: Any,
        student_name: str,
        plan: Any,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("safety_plan_dialog")
        self.setWindowTitle(_("Safety plan — {name}").format(name=student_name))
        self.ctx = ctx
        self.student_id = student_id
        self.plan = plan
        self.current_label = QLabel()
        self.current_label.setObjectName("current_plan_label")
        self.current_label.setWordWrap(True)
        self.editor = SafetyPlanEditor()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.editor)
        self.message = QLabel()
        self.message.setObjectName("safety_plan_message_label")
        self.message.setWordWrap(True)
        self.save_button = named_button("save_safety_plan_button", _("Save new version"))
        self.print_button = named_button("print_safety_plan_button", _("Print…"))
        self.buttons = QDialogButtonBox()
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setObjectName("close_safety_plan_button")
        close.setAccessibleName(_("Close"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.current_label)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(660, 720)
        self.editor.set_plan(plan)
        self._dirty = False
        self._show_current()
        self.editor.changed.connect(self._edited)
        self.save_button.clicked.connect(self.submit)
        self.print_button.clicked.connect(self._print)
        self.buttons.rejected.connect(self.reject)
        self.draft = DialogDraft(self, ctx, f"safety-plan:{student_id}")
        layout.insertWidget(0, self.draft.bar)
        self.draft.offer_restore()

    def reject(self) -> None:
        self.draft.cancelled()  # an explicit cancel drops the draft; a lock keeps it
        super().reject()

    def _show_current(self) -> None:
        if self.plan is None:
            text = _("No safety plan on file yet. Fill in at least the warning signs (step 1).")
        else:
            text = _(
                "Current plan made {d} by {who}. Saving keeps it in the record and makes the "
                "boxes below the new current version."
            ).format(d=self.plan.created_on.isoformat(), who=self.plan.created_by)
        self.current_label.setText(text)
        self.print_button.setEnabled(self.plan is not None and not self._dirty)
        self.print_button.setToolTip(
            _("Save your changes first: the printed plan is the saved one.") if self._dirty else ""
        )

    def _edited(self) -> None:
        self._dirty = True
        self.message.clear()
        self._show_current()

    def submit(self) -> None:
        services = self.ctx.require_services()
        student_id, steps = self.student_id, self.editor.steps()

        def work(_control: Any) -> Any:
            services.record.save_safety_plan(student_id, steps)
            return services.record.safety_plan(student_id)

        self.save_button.setEnabled(False)
        set_semantic(self.message, None)
        self.message.setText(_("Saving…"))
        self.ctx.tasks.run_db(
            work, context=self, on_done=self._saved, on_error=self._failed, name="safety-plan"
        )

    def _saved(self, plan: Any) -> None:
        self.plan = plan
        self.editor.blockSignals(True)
        self.editor.set_plan(plan)  # shows what the core kept (e.g. the 988 Lifeline added)
        self.editor.blockSignals(False)
        self._dirty = False
        self.draft.saved()
        self.save_button.setEnabled(True)
        self.message.setText(_("Saved. This is now the student's current safety plan."))
        self._show_current()
        self.plan_saved.emit(self.student_id)

    def _failed(self, exc: ClinicianDeskError) -> None:
        self.save_button.setEnabled(True)
        set_semantic(self.message, "risk")
        self.message.setText(exc.message)

    def _print(self) -> None:
        if self.plan is None or self._dirty:
            return
        self.print_requested.emit(self.student_id)
        self.accept()
