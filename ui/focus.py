"""Keyboard focus that stays on the form: Tab and Shift+Tab cycle inside the page on show.

``PageStack`` is the workspace's stack of pages. Qt hands Tab up the parent chain through
``focusNextPrevChild``; the stack answers it by moving to the next (or previous) control of the
current page in the page's own focus order, wrapping from the last control to the first, so Tab
from a note's *Plan* never lands in the sidebar (where a typed word would navigate). The sidebar
is still a click away. ``tab_order(root)`` is the same order, used by the accessibility test.

``tab_moves_focus(box)`` makes a multi-line text box pass Tab and Shift+Tab on, like every other
control; Ctrl+Tab types a tab character in it for the rare text that needs one.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QStackedWidget, QWidget


class _CtrlTabTypesTab(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Tab
            and event.modifiers() == Qt.KeyboardModifier.ControlModifier
            and isinstance(watched, QPlainTextEdit)
            and not watched.isReadOnly()
        ):
            watched.insertPlainText("\t")
            return True
        return False


_CTRL_TAB: _CtrlTabTypesTab | None = None


def tab_moves_focus(box: QPlainTextEdit) -> None:
    """Tab moves focus out of ``box``; Ctrl+Tab types a tab character."""
    global _CTRL_TAB
    if _CTRL_TAB is None:
        _CTRL_TAB = _CtrlTabTypesTab()
    box.setTabChangesFocus(True)
    box.installEventFilter(_CTRL_TAB)


def tab_focusable(widget: QWidget) -> bool:
    return (
        widget.isVisible()
        and widget.isEnabled()
        and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
        and widget.focusProxy() is None
    )


def tab_order(root: QWidget) -> list[QWidget]:
    """The controls of ``root`` that Tab reaches, in focus-chain order."""
    out: list[QWidget] = []
    seen: set[int] = set()
    widget = root.nextInFocusChain()
    while widget is not None and widget is not root and id(widget) not in seen:
        seen.add(id(widget))
        if root.isAncestorOf(widget) and tab_focusable(widget):
            out.append(widget)
        widget = widget.nextInFocusChain()
    return out


def _anchor(root: QWidget, focus: QWidget) -> QWidget | None:
    """The control of ``root``'s focus order that holds ``focus`` (``focus`` itself, or the
    control it belongs to, for a combo box's editor); None if none does."""
    widget: QWidget | None = focus
    while widget is not None and widget is not root:
        if tab_focusable(widget):
            return widget
        widget = widget.parentWidget()
    return None


def _takes_tab(root: QWidget, widget: QWidget) -> bool:
    return widget is not root and root.isAncestorOf(widget) and tab_focusable(widget)


def _walk(root: QWidget, start: QWidget, forward: bool) -> QWidget | None:
    """The first control of ``root`` after (before) ``start`` in the window's circular focus
    chain, ``start`` itself if it is the only one, None if ``root`` has none."""
    widget = start
    seen: set[int] = set()
    while True:
        step = widget.nextInFocusChain() if forward else widget.previousInFocusChain()
        if step is None or id(step) in seen:
            return None
        widget = step
        seen.add(id(widget))
        if widget is start:
            return start if _takes_tab(root, start) else None
        if _takes_tab(root, widget):
            return widget


def cycle(root: QWidget, forward: bool) -> bool:
    """Move focus to the next (previous) control inside ``root``; False if it holds none.

    The target is ``tab_order(root)``'s next (previous) entry after the focused control,
    wrapping — found by walking the focus chain from the focused control until a control of
    ``root`` that takes Tab, not by listing the whole order (every widget of the window, a
    Python test each: ~12 ms on the note page, paid on every focus move Qt makes when a focused
    control is removed or a page switched; issue 23)."""
    focus = QApplication.focusWidget()
    if focus is None or not root.isAncestorOf(focus):
        return False
    anchor = _anchor(root, focus)
    # not in the order: Tab goes to the first control, Shift+Tab to the last
    target = _walk(root, anchor if anchor is not None else root, forward)
    if target is None:
        return False
    reason = Qt.FocusReason.TabFocusReason if forward else Qt.FocusReason.BacktabFocusReason
    target.setFocus(reason)
    return True


class PageStack(QStackedWidget):
    """A ``QStackedWidget`` whose current page keeps Tab and Shift+Tab to itself."""

    def focusNextPrevChild(self, next: bool) -> bool:
        page = self.currentWidget()
        if page is not None and cycle(page, next):
            return True
        return super().focusNextPrevChild(next)


def focus_first_field(root: QWidget) -> None:
    """Put focus on the first control of ``root`` a keyboard user would type in."""
    order = tab_order(root)
    if order:
        order[0].setFocus(Qt.FocusReason.OtherFocusReason)
