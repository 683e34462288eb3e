"""Handing the students selected on the caseload to a colleague (docs/design/handoff.md).

``HandoffExportDialog`` lists the chosen students, each with an unticked "include psychotherapy
notes" box (they stay with their author unless ticked), the colleagues whose cards this vault
keeps (name and fingerprint: check it with them), and **Save package…**: the package is sealed
on the database worker and written to a new private file. The students stay active until the
handoff is confirmed (Caseload handoff ▸ Confirm a handoff I sent…).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.errors import ClinicianDeskError
from clinician_desk.services.handoff import Exported, HandoffService
from clinician_desk.services.handoff.package import write_package_file
from ui.context import UiContext
from ui.i18n import _


class HandoffExportDialog(QDialog):
    def __init__(
        self, ctx: UiContext, students: list[tuple[int, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("handoff_export_dialog")
        self.setWindowTitle(_("Hand off to a colleague"))
        self.ctx = ctx
        self.students = students
        intro = QLabel(
            _("Seal the records of these {n} student(s) for a colleague:").format(n=len(students))
        )
        intro.setWordWrap(True)
        self.psychotherapy: dict[int, QCheckBox] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        for student_id, name in students:
            box = QCheckBox(_("{name}: include psychotherapy notes").format(name=name))
            box.setObjectName(f"handoff_psychotherapy_check_box_{student_id}")
            self.psychotherapy[student_id] = box
            layout.addWidget(box)
        self.colleague_combo = QComboBox()
        self.colleague_combo.setObjectName("handoff_colleague_combo_box")
        self.colleague_combo.setAccessibleName(_("Colleague"))
        colleague_label = QLabel(_("Colleague (check the fingerprint with them):"))
        colleague_label.setBuddy(self.colleague_combo)
        self.message = QLabel()
        self.message.setObjectName("handoff_export_message_label")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(_("Save package…"))
        self.save_button.setObjectName("handoff_save_package_button")
        self.save_button.setEnabled(False)
        for widget in (colleague_label, self.colleague_combo, self.message, self.buttons):
            layout.addWidget(widget)
        self.buttons.accepted.connect(self.choose_file)
        self.buttons.rejected.connect(self.reject)
        self.resize(560, 280)
        service = self._service()
        self.ctx.tasks.run_db(
            lambda _c: service.contacts(),
            context=self,
            on_done=self._contacts,
            on_error=self._failed,
            name="handoff-contacts",
        )

    def _service(self) -> HandoffService:
        return HandoffService(self.ctx.require_services().db)

    def _contacts(self, rows: list[tuple[str, str, str]]) -> None:
        for fingerprint, name, _added in rows:
            self.colleague_combo.addItem(f"{name} — {fingerprint}", fingerprint)
        if not rows:
            self.message.setText(
                _(
                    "No colleague's card is kept yet: add it in Caseload handoff (Add colleague, "
                    "or Find a colleague) after checking its fingerprint."
                )
            )
        self.save_button.setEnabled(bool(rows))

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, _("Save handoff package"))
        if path:
            self.export_to(Path(path))

    def export_to(self, target: Path) -> None:
        fingerprint = self.colleague_combo.currentData()
        if not fingerprint:
            return
        ids = [sid for sid, _name in self.students]
        psy = [sid for sid, box in self.psychotherapy.items() if box.isChecked()]
        service = self._service()
        self.save_button.setEnabled(False)
        self.message.setText(_("Sealing the package…"))

        def work(_c: Any) -> Exported:
            if target.exists():
                raise ClinicianDeskError(
                    _("{file} already exists; choose another file.").format(file=target.name)
                )
            done = service.export(ids, str(fingerprint), psychotherapy_for=psy)
            write_package_file(target, done.data)
            return done

        self.ctx.tasks.run_db(
            work, context=self, on_done=self._done, on_error=self._failed, name="handoff-export"
        )

    def _done(self, done: Exported) -> None:
        text = _(
            "Sealed {n} student(s) for {name}. Package hash: {hash}. When they have imported "
            "it, confirm the handoff: Caseload handoff, Confirm a handoff I sent."
        ).format(n=done.students, name=done.recipient, hash=done.package_hash)
        if done.drafts_left:
            text += " " + _("{n} unsigned note(s) were not included.").format(n=done.drafts_left)
        self.message.setText(text)

    def _failed(self, exc: ClinicianDeskError) -> None:
        self.save_button.setEnabled(self.colleague_combo.count() > 0)
        self.message.setText(exc.message)
