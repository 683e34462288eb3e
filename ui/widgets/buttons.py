"""Push buttons the house way: an object name for tests and an accessible name for screen readers.

The accessible name is the visible text without a trailing ellipsis ("Print…" is read "Print").
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox, QPushButton


def named_button(name: str, text: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAccessibleName(text.rstrip("…"))
    return button


def dialog_buttons(
    name: str,
    *,
    default: QPushButton | None,
    accept: QPushButton | None = None,
    reject: QPushButton | None = None,
    actions: tuple[QPushButton, ...] = (),
    destructive: tuple[QPushButton, ...] = (),
) -> QDialogButtonBox:
    """A dialog's closing row, ordered the way the platform orders it (the visual system's rule).

    The buttons keep their own ``clicked`` connections; the box only gives each its role, so Qt
    places accept, other actions and reject where the platform puts them. ``default`` (Enter)
    is the safe or most common next step: one of the buttons given, never a destructive one;
    ``None`` only where Enter belongs to a field (a search box) and the row has no accept action.
    """
    box = QDialogButtonBox()
    box.setObjectName(name)
    if accept is not None:
        box.addButton(accept, QDialogButtonBox.ButtonRole.AcceptRole)
    for button in actions:
        box.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
    for button in destructive:
        box.addButton(button, QDialogButtonBox.ButtonRole.DestructiveRole)
    if reject is not None:
        box.addButton(reject, QDialogButtonBox.ButtonRole.RejectRole)
    if default is not None and (default not in box.buttons() or default in destructive):
        raise ValueError("the default must be one of the dialog's buttons and not destructive")
    for button in box.findChildren(QPushButton):
        button.setAutoDefault(button is default)
    if default is not None:
        default.setDefault(True)
    return box
