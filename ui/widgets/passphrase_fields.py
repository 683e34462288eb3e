"""Passphrase entry twice with live strength feedback from the vault's rules.

The feedback text and the score come from ``clinician_desk.vault.passphrase_feedback`` (the core
owns the rules: 12-character minimum, a short list of common passwords); this widget only shows
them and says whether the two entries match. ``acceptable()`` is what a Next/Save button uses.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QProgressBar, QWidget

from clinician_desk.vault import passphrase_policy
from ui.i18n import _


def vault_feedback(passphrase: str) -> tuple[int, str, bool]:
    """(score 0–4, message, acceptable), all three from the vault's passphrase policy."""
    score, message = passphrase_policy.passphrase_feedback(passphrase)
    return score, message, passphrase_policy.is_acceptable(passphrase)


class PassphraseFields(QWidget):
    """Two password fields, a strength bar and a message; emits ``changed`` on every edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, label: str | None = None) -> None:
        super().__init__(parent)
        self.first = QLineEdit(self)
        self.first.setObjectName("new_passphrase_line_edit")
        self.first.setEchoMode(QLineEdit.EchoMode.Password)
        self.first.setAccessibleName(_("New passphrase"))
        self.second = QLineEdit(self)
        self.second.setObjectName("confirm_passphrase_line_edit")
        self.second.setEchoMode(QLineEdit.EchoMode.Password)
        self.second.setAccessibleName(_("Repeat the passphrase"))
        self.strength = QProgressBar(self)
        self.strength.setObjectName("passphrase_strength_progress_bar")
        self.strength.setAccessibleName(_("Passphrase strength"))
        self.strength.setRange(0, 4)
        self.strength.setTextVisible(False)
        self.message = QLabel(self)
        self.message.setObjectName("passphrase_feedback_label")
        self.message.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(label or _("Passphrase"), self.first)
        form.addRow(_("Repeat it"), self.second)
        form.addRow(_("Strength"), self.strength)
        form.addRow("", self.message)
        self.first.textChanged.connect(self._update)
        self.second.textChanged.connect(self._update)
        self._acceptable = False
        self._update()

    def _update(self) -> None:
        text = self.first.text()
        if not text:
            self.strength.setValue(0)
            self.message.setText(
                _("Use at least {n} characters. A few unrelated words work well.").format(
                    n=passphrase_policy.MIN_CHARS
                )
            )
            self._acceptable = False
        else:
            score, message, acceptable = vault_feedback(text)
            self.strength.setValue(max(0, min(4, score)))
            if acceptable and self.second.text() and self.second.text() != text:
                message = _("The two passphrases do not match.")
                acceptable = False
            elif acceptable and not self.second.text():
                message = message or _("Now type the same passphrase again.")
                acceptable = False
            self.message.setText(message)
            self._acceptable = acceptable
        self.changed.emit()

    def acceptable(self) -> bool:
        return self._acceptable

    def passphrase(self) -> str:
        return self.first.text()

    def clear(self) -> None:
        self.first.clear()
        self.second.clear()
