"""Every dialog follows the visual system's button rule (docs/visual-system.md, Buttons).

The walk (``tests/support/dialogs.py``) builds one of every ``QDialog`` subclass in
``ui/dialogs``; a new dialog that is not in it fails the first test. Each dialog is shown and:

* its closing buttons sit in a ``QDialogButtonBox`` at the bottom of the dialog, so Qt orders
  them the way the platform does; the accept action and the way out are in the same places in
  every dialog (the same left-to-right order everywhere);
* Enter has one target at most: at most one visible default button; a dialog with an accept
  action has exactly one; it is in the button box and it is never a destructive action.

Wizards keep Qt's own Back / Next / Finish / Cancel row: Next (or Finish) is the default, never
Cancel.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QDialog,
    QDialogButtonBox,
    QPushButton,
    QWidget,
    QWizard,
)

from tests.support.dialogs import dialog_classes, every_dialog

Role = QDialogButtonBox.ButtonRole
ACCEPTING = {Role.AcceptRole, Role.YesRole, Role.ApplyRole}


def _shown(widget: QWidget, dialog: QDialog) -> bool:
    """Part of the dialog's own window and shown there (a combo box's popup is not)."""
    return widget.window() is dialog and widget.isVisibleTo(dialog)


def _bottom(widget: QWidget, dialog: QDialog) -> int:
    """The lowest row of ``widget`` that shows: a scrolling form hides what is below its view."""
    bottom = widget.mapTo(dialog, widget.rect().bottomLeft()).y()
    parent = widget.parentWidget()
    while parent is not None and parent is not dialog:
        if isinstance(parent, QAbstractScrollArea):
            viewport = parent.viewport()
            bottom = min(bottom, viewport.mapTo(dialog, viewport.rect().bottomLeft()).y())
        parent = parent.parentWidget()
    return bottom


def _check(name: str, dialog: QDialog, order: dict[str, bool]) -> list[str]:
    found: list[str] = []
    buttons = [b for b in dialog.findChildren(QPushButton) if _shown(b, dialog)]
    defaults = [b for b in buttons if b.isDefault()]
    if isinstance(dialog, QWizard):
        nxt = dialog.button(QWizard.WizardButton.NextButton)
        cancel = dialog.button(QWizard.WizardButton.CancelButton)
        if cancel.isDefault() or not (nxt.isDefault() or defaults):
            found.append(f"{name}: the wizard's default is not Next/Finish")
        return found
    boxes = [b for b in dialog.findChildren(QDialogButtonBox) if _shown(b, dialog) and b.buttons()]
    if not boxes:
        return [f"{name}: no QDialogButtonBox holds its closing buttons"]
    shown = [w for w in dialog.findChildren(QWidget) if _shown(w, dialog)]
    low = max(shown, key=lambda w: _bottom(w, dialog))
    # The box, or a widget in its row (a status beside it) reaching at most 6 px lower.
    if not any(
        box is low or box.isAncestorOf(low) or _bottom(box, dialog) >= _bottom(low, dialog) - 6
        for box in boxes
    ):
        found.append(
            f"{name}: the button box is not at the bottom "
            f"({type(low).__name__} {low.objectName()!r} is)"
        )
    roles = {id(b): box.buttonRole(b) for box in boxes for b in box.buttons()}
    if len(defaults) > 1:
        found.append(f"{name}: {len(defaults)} default buttons")
    accepts = [b for b in buttons if roles.get(id(b)) in ACCEPTING]
    if accepts and not defaults:
        found.append(f"{name}: an accept action but no default button")
    for button in defaults:
        if id(button) not in roles:
            found.append(f"{name}: default {button.text()!r} is outside the button box")
        elif roles[id(button)] == Role.DestructiveRole:
            found.append(f"{name}: default {button.text()!r} is destructive")
    rejects = [b for b in buttons if roles.get(id(b)) == Role.RejectRole]
    if accepts and rejects:
        a, r = accepts[0], rejects[0]
        order[name] = (
            a.mapTo(dialog, a.rect().center()).x() < r.mapTo(dialog, r.rect().center()).x()
        )
    return found


def test_the_walk_has_every_dialog(qtbot, unlocked_window):
    walked = {name for name, dialog in every_dialog(unlocked_window.ctx, unlocked_window)}
    assert dialog_classes() - walked == set()


def test_every_dialog_orders_its_buttons_and_defaults_to_the_safe_action(qtbot, unlocked_window):
    found: list[str] = []
    order: dict[str, bool] = {}
    for name, dialog in every_dialog(unlocked_window.ctx, unlocked_window):
        dialog.show()
        qtbot.waitExposed(dialog)
        found += _check(name, dialog, order)
        dialog.reject()
        dialog.deleteLater()
        unlocked_window.ctx.tasks.wait_idle(10_000)
    assert len(order) >= 10  # accept and a way out side by side in most dialogs
    if len(set(order.values())) > 1:
        first = [n for n, v in order.items() if v]
        found.append(f"accept before reject in {first}, after it in the others")
    assert found == [], "\n".join(found)
