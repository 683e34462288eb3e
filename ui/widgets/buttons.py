"""Push buttons the house way: an object name for tests and an accessible name for screen readers.

The accessible name is the visible text without a trailing ellipsis ("Print…" is read "Print").
"""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton


def named_button(name: str, text: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAccessibleName(text.rstrip("…"))
    return button
