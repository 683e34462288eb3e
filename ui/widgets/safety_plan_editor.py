"""The Stanley–Brown safety plan editor: six steps, one entry per line.

Shared by the safety follow-up forced open by a critical screening (compact) and by the
student page's safety-plan dialog (roomy, pre-filled with the current plan so a revision starts
from it). It only edits text: ``steps()`` hands the core a ``{step key: [entries]}`` mapping and
the core validates it (a plan needs a warning sign; step 5 always gains the 988 Lifeline).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QPlainTextEdit, QWidget

from ui.focus import tab_moves_focus
from ui.i18n import N_, _

HINTS = {
    "warning_signs": N_(
        "Thoughts, moods, situations or behaviours that mean a crisis may be coming"
    ),
    "coping_strategies": N_("Things I can do on my own to take my mind off my problems"),
    "distraction": N_("People and places that help me feel better"),
    "help_contacts": N_("Names and phone numbers of people I can ask for help"),
    "professionals": N_("Clinician, school team, county crisis line; 988 is always added"),
    "environment_safety": N_("Steps to make the places where I am safe"),
}


class SafetyPlanEditor(QWidget):
    """Six plain-text boxes, one per Stanley–Brown step; ``changed`` fires on every edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, compact: bool = False) -> None:
        super().__init__(parent)
        from clinician_desk.domain.safety_plans import STEPS

        self.setObjectName("safety_plan_editor_widget")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        if not compact:  # titles above their boxes: the long step names stay readable
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.step_edits: dict[str, QPlainTextEdit] = {}
        for number, (key, title) in enumerate(STEPS, start=1):
            edit = QPlainTextEdit()
            tab_moves_focus(edit)
            edit.setObjectName(f"{key}_plain_text_edit")
            edit.setAccessibleName(_(title))
            edit.setPlaceholderText(_(HINTS[key]))
            edit.setToolTip(_("One entry per line"))
            edit.setFixedHeight(44 if compact else 62)
            edit.textChanged.connect(lambda: self.changed.emit())
            label = QLabel(f"{number}. {_(title)}")
            label.setWordWrap(compact)
            label.setBuddy(edit)
            form.addRow(label, edit)
            self.step_edits[key] = edit

    def steps(self) -> dict[str, list[str]]:
        """Every step's non-blank lines, trimmed (the core validates the whole plan)."""
        return {
            key: [line.strip() for line in edit.toPlainText().splitlines() if line.strip()]
            for key, edit in self.step_edits.items()
        }

    def set_plan(self, plan: Any) -> None:
        """Fill the boxes from a ``SafetyPlanView`` (or clear them for ``None``)."""
        items = {step.key: step.items for step in plan.steps} if plan is not None else {}
        for key, edit in self.step_edits.items():
            edit.setPlainText("\n".join(items.get(key, ())))

    def is_empty(self) -> bool:
        return not any(self.steps().values())
