"""Passphrase entry twice with live strength feedback from the vault's rules.

The feedback text and the score come from ``clinician_desk.vault.passphrase_feedback`` (the core
owns the rules: 12-character minimum, a short list of common passwords); this widget only shows
them and says whether the two entries match. ``acceptable()`` is what a Next/Save button uses.
The setup wizard and the change-passphrase dialog both use it, so both have the same form:
strength, the repeat, a show-passphrase toggle and a Caps Lock warning (shown while a letter is
typed upper-case without Shift, or lower-case with it: Qt has no portable Caps Lock query).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QLineEdit, QProgressBar, QWidget

from clinician_desk.vault import passphrase_policy
from ui.i18n import _


def caps_lock_seems_on(event: QKeyEvent) -> bool | None:
    """From a key press: True when a letter came upper-case without Shift (or lower-case with
    it), False for a letter that came as expected, None when the key says nothing (no letter)."""
    text = event.text()
    if len(text) != 1 or not text.isalpha() or text.upper() == text.lower():
        return None
    shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
    return text.isupper() != shift


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
        self.show_check = QCheckBox(_("Show passphrase"), self)
        self.show_check.setObjectName("show_new_passphrase_check_box")
        self.show_check.setAccessibleName(_("Show passphrase"))
        self.caps_label = QLabel(_("Caps Lock is on."), self)
        self.caps_label.setObjectName("new_passphrase_caps_lock_label")
        self.caps_label.setVisible(False)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)  # lines up with the form it sits in
        form.addRow(label or _("Passphrase"), self.first)
        form.addRow(_("Repeat it"), self.second)
        form.addRow("", self.show_check)
        form.addRow("", self.caps_label)
        form.addRow(_("Strength"), self.strength)
        form.addRow("", self.message)
        self.first.textChanged.connect(self._update)
        self.second.textChanged.connect(self._update)
        self.show_check.toggled.connect(self._show)
        self.first.installEventFilter(self)
        self.second.installEventFilter(self)
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
        self.show_check.setChecked(False)
        self.caps_label.setVisible(False)

    def _show(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.first.setEchoMode(mode)
        self.second.setEchoMode(mode)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched in (self.first, self.second) and event.type() == QEvent.Type.KeyPress:
            caps = caps_lock_seems_on(event)  # type: ignore[arg-type]  # a QKeyEvent
            if caps is not None:
                self.caps_label.setVisible(caps)
        return super().eventFilter(watched, event)
