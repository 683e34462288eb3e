"""First-use and empty states: what is missing and the next step, as buttons (issue 24).

An empty table says nothing useful ("0 of 0 students"); an ``EmptyState`` says what would be
here, why it is empty, and offers the next step ("Add a student…", "Import a roster…"). The
first action is the default (the safe, most common step). ``BusyHint`` shows progress in place
when a load takes longer than half a second, and nothing for quicker ones (no flicker).
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.theme import icons
from ui.theme.apply import set_text_role
from ui.theme.tokens import SPACE_M, SPACE_S, SPACE_XL

BUSY_AFTER_MS = 500


class EmptyState(QFrame):
    def __init__(
        self, name: str, meaning: str, title: str, text: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name}_empty_state_frame")
        column = QVBoxLayout(self)
        column.setContentsMargins(SPACE_XL, SPACE_XL, SPACE_XL, SPACE_XL)
        column.setSpacing(SPACE_M)
        self.icon = QLabel()
        self.icon.setObjectName(f"{name}_empty_icon_label")
        icons.attach_label(self.icon, meaning, 48, "muted")
        self.title = set_text_role(QLabel(title), "section")
        self.title.setObjectName(f"{name}_empty_title_label")
        self.text = QLabel(text)
        self.text.setObjectName(f"{name}_empty_text_label")
        self.text.setWordWrap(True)
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(SPACE_S)
        column.addStretch(1)
        for widget in (self.icon, self.title, self.text):
            column.addWidget(widget)
        column.addLayout(self.buttons)
        column.addStretch(2)
        self.next_steps: list[QPushButton] = []

    def add_action(self, name: str, text: str, meaning: str | None = None) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAccessibleName(text.rstrip("…"))
        if meaning is not None:
            icons.attach(button, meaning)
        if not self.next_steps:
            button.setDefault(True)  # the first, safe next step
            button.setAutoDefault(True)
        self.buttons.addWidget(button)
        self.next_steps.append(button)
        return button

    def finish(self) -> None:
        self.buttons.addStretch(1)


class BusyHint(QProgressBar):
    """An indeterminate bar with words, shown only if the work takes over half a second."""

    def __init__(self, name: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name}_busy_progress_bar")
        self.setAccessibleName(text)
        self.setRange(0, 0)
        self.setFormat(text)
        self.setTextVisible(True)
        self.setVisible(False)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(BUSY_AFTER_MS)
        self._timer.timeout.connect(lambda: self.setVisible(True))

    def start(self) -> None:
        if not self._timer.isActive() and not self.isVisible():
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self.setVisible(False)
