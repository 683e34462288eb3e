"""A dialog's form body that scrolls when the screen is too short for it (the visual system's
scroll rule: a form that can exceed the smallest supported screen scrolls; its buttons stay
visible).

The smallest supported screen is 1366x768 at 200 %: 683 x 336 logical pixels once the taskbar
is taken. ``ScrollingForm`` holds the form's fields; the dialog puts it above its message line and
its button row, which stay outside it and so always show. It asks for the body's whole size, so
on a large screen the dialog opens showing every field (at its first show the window grows past
Qt's two-thirds-of-the-screen opening height when the screen has room), and can shrink to a few
lines of it.

* No sideways scrolling: its minimum width is the body's minimum width plus the vertical scroll
  bar's, so a narrow dialog still shows whole fields.
* The focused field is always in view: whenever focus moves onto a widget inside the body — Tab,
  Shift+Tab back from the buttons, a click, a field the dialog focuses to name an error — the
  area scrolls it into view (``ensureWidgetVisible``).
* It takes no keyboard focus of its own: Tab goes from field to field as before.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QSize, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QApplication, QFrame, QLayout, QScrollArea, QWidget

from ui.theme.tokens import SPACE_XL

MIN_VISIBLE_HEIGHT = 96  # logical px of the body always shown: about three rows of fields
TITLE_BAR = 32  # logical px allowed for a window's title bar before it is known


class ScrollingForm(QScrollArea):
    """``body`` (a widget, or a layout put on a new widget) in a frameless vertical scroll area."""

    def __init__(self, body: QWidget | QLayout, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if not name.endswith("_scroll_area"):
            raise ValueError("a scrolling form's object name ends in _scroll_area")
        self.setObjectName(name)
        if isinstance(body, QLayout):
            widget = QWidget()
            widget.setObjectName(name.removesuffix("_scroll_area") + "_body")
            body.setContentsMargins(0, 0, 0, 0)
            widget.setLayout(body)
            body_widget = widget
        else:
            body_widget = body
        self.body = body_widget
        self._fitted = False  # grown to the whole form at the first show (``_fit_window``)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setWidget(body_widget)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_moved)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._fitted:
            self._fitted = True
            self._fit_window()

    def _fit_window(self) -> None:
        """Qt opens a window at most two thirds of the screen high; where the screen has room the
        dialog grows to show the whole form, and moves up if it would cross the screen's foot.
        Only a dialog sized by Qt: one that set its own size (``resize``) keeps it."""
        window = self.window()
        screen = window.screen()
        if window is self or screen is None or window.testAttribute(Qt.WidgetAttribute.WA_Resized):
            return  # a size the dialog chose itself stays
        room = screen.availableGeometry()
        frame = max(window.frameGeometry().height() - window.height(), TITLE_BAR)
        height = min(window.sizeHint().height(), room.height() - frame)
        if height <= window.height():
            return
        window.resize(window.width(), height)
        outer = window.frameGeometry()
        top = min(outer.top(), room.bottom() + 1 - (height + frame))
        window.move(outer.left(), max(room.top(), top))

    def _bar_width(self) -> int:
        return self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth()

    def sizeHint(self) -> QSize:
        """The whole body (QScrollArea's own hint stops at 24 lines), with room for the bar."""
        hint = self.body.sizeHint().expandedTo(self.body.minimumSizeHint())
        return QSize(hint.width() + self._bar_width(), hint.height() + 2 * self.frameWidth())

    def minimumSizeHint(self) -> QSize:
        body = self.body.minimumSizeHint()
        height = min(body.height(), MIN_VISIBLE_HEIGHT)
        return QSize(body.width() + self._bar_width(), height + 2 * self.frameWidth())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # A field shown or hidden changes what the body needs: the dialog asks again.
        if watched is self.body and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)

    def _focus_moved(self, _old: QWidget | None, now: QWidget | None) -> None:
        if now is not None and self.body.isAncestorOf(now):
            self.bring_into_view(now)

    def bring_into_view(self, widget: QWidget) -> None:
        """Scroll so the whole of ``widget`` shows, with a margin when there is room; a widget
        taller than the view shows its top (where its first line is)."""
        # Qt's ensureWidgetVisible settles for the text cursor of a line edit (its border may
        # stay cut off): it does the sideways part, the whole height is checked here.
        self.ensureWidgetVisible(widget, SPACE_XL, SPACE_XL)
        bar = self.verticalScrollBar()
        view = self.viewport().height()
        top = widget.mapTo(self.body, QPoint(0, 0)).y()
        bottom = top + widget.height()
        margin = max(0, min(SPACE_XL, (view - widget.height()) // 2))
        if widget.height() + 2 * margin > view or top - margin < bar.value():
            bar.setValue(top - margin)
        elif bottom + margin > bar.value() + view:
            bar.setValue(bottom + margin - view)
