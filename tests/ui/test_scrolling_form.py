"""The scroll rule's shared helper (``ui.widgets.scrolling_form``): a tall form in a short dialog
scrolls, its buttons stay outside the scrolling part, and the focused field is always in view —
by Tab, by Shift+Tab back from the buttons, and when the dialog focuses a field itself."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ui.widgets.scrolling_form import ScrollingForm

SHORT = 336  # logical height of a 1366x768 screen at 200 %, less the taskbar


Built = tuple[QDialog, ScrollingForm, list[QLineEdit], QDialogButtonBox]


def _dialog(qtbot, rows: int = 30) -> Built:
    dialog = QDialog()
    qtbot.addWidget(dialog)
    form = QFormLayout()
    fields = []
    for i in range(rows):
        edit = QLineEdit()
        edit.setObjectName(f"field_{i}_line_edit")
        form.addRow(f"Field {i}", edit)
        fields.append(edit)
    extra = QGroupBox("Shown on demand")
    extra.setObjectName("extra_group_box")
    QVBoxLayout(extra).addWidget(QLineEdit())
    extra.setVisible(False)
    form.addRow(extra)
    scroll = ScrollingForm(form, "fictional_form_scroll_area")
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
    )
    layout = QVBoxLayout(dialog)
    layout.addWidget(scroll, 1)
    layout.addWidget(buttons)
    dialog.resize(420, SHORT)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    return dialog, scroll, fields, buttons


def _in_view(scroll: ScrollingForm, widget: QWidget) -> bool:
    viewport = scroll.viewport()
    rect = QRect(widget.mapTo(viewport, QPoint(0, 0)), widget.size())
    return viewport.rect().contains(rect)


def test_a_tall_form_fits_a_short_screen_with_its_buttons_outside(qtbot) -> None:
    dialog, scroll, _fields, buttons = _dialog(qtbot)
    assert scroll.body.minimumSizeHint().height() > 2 * SHORT  # the form itself is tall
    assert dialog.minimumSizeHint().height() <= SHORT
    assert dialog.height() <= SHORT
    # the buttons are not in the scrolling part and show inside the dialog
    assert not scroll.isAncestorOf(buttons)
    assert dialog.rect().contains(QRect(buttons.mapTo(dialog, QPoint(0, 0)), buttons.size()))
    assert scroll.verticalScrollBar().maximum() > 0
    # no sideways scrolling: the area is as wide as the body needs plus its scroll bar
    assert scroll.minimumSizeHint().width() >= scroll.body.minimumSizeHint().width()
    assert scroll.horizontalScrollBar().maximum() == 0
    # on a tall screen it asks for the whole body (QScrollArea's own hint stops at 24 lines)
    assert scroll.sizeHint().height() >= scroll.body.sizeHint().height()


def test_tab_and_shift_tab_keep_the_focused_field_in_view(qtbot) -> None:
    _d, scroll, fields, buttons = _dialog(qtbot)
    fields[0].setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(fields[0].hasFocus, timeout=2_000)
    for field in fields[1:]:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert field.hasFocus()
        assert _in_view(scroll, field), field.objectName()
    assert not _in_view(scroll, fields[0])  # it did scroll
    qtbot.keyClick(fields[-1], Qt.Key.Key_Tab)  # on to the buttons, outside the area
    assert buttons.isAncestorOf(QApplication.focusWidget())
    # Back from the buttons: the key goes to the button, not through the scroll area, so Qt
    # alone would not scroll; the focused field must still come into view.
    scroll.verticalScrollBar().setValue(0)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    while not scroll.body.isAncestorOf(QApplication.focusWidget()):
        qtbot.keyClick(
            QApplication.focusWidget(), Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier
        )
    assert fields[-1].hasFocus()
    assert _in_view(scroll, fields[-1])


def test_a_field_the_dialog_focuses_comes_into_view(qtbot) -> None:
    _d, scroll, fields, _b = _dialog(qtbot)
    fields[0].setFocus()
    qtbot.waitUntil(fields[0].hasFocus, timeout=2_000)
    assert not _in_view(scroll, fields[20])
    fields[20].setFocus(Qt.FocusReason.OtherFocusReason)  # e.g. the field an error names
    qtbot.waitUntil(fields[20].hasFocus, timeout=2_000)
    assert _in_view(scroll, fields[20])


def test_a_field_shown_later_grows_what_the_area_asks_for(qtbot) -> None:
    _d, scroll, _f, _b = _dialog(qtbot)
    before = scroll.sizeHint().height()
    scroll.body.findChild(QGroupBox, "extra_group_box").setVisible(True)
    QApplication.processEvents()
    assert scroll.sizeHint().height() > before


def test_the_area_takes_no_focus_and_needs_a_house_name(qtbot) -> None:
    _d, scroll, _f, _b = _dialog(qtbot)
    assert scroll.focusPolicy() == Qt.FocusPolicy.NoFocus
    with pytest.raises(ValueError, match="_scroll_area"):
        ScrollingForm(QFormLayout(), "fictional_form")


def test_a_deleted_form_leaves_no_focus_listener_behind(qtbot) -> None:
    import shiboken6
    from PySide6.QtCore import SIGNAL

    app = QApplication.instance()
    signal = SIGNAL("focusChanged(QWidget*,QWidget*)")
    before = app.receivers(signal)
    scroll = ScrollingForm(QFormLayout(), "fictional_form_scroll_area")
    assert app.receivers(signal) == before + 1
    shiboken6.delete(scroll)  # as a closed dialog is deleted with its children
    assert app.receivers(signal) == before


def test_where_the_screen_has_room_the_whole_form_shows(qtbot) -> None:
    """Qt opens a window at most two thirds of the screen high; the form's dialog grows to show
    every field when the screen is tall enough, and stays on the screen."""
    dialog = QDialog()
    qtbot.addWidget(dialog)
    form = QFormLayout()
    for i in range(22):
        form.addRow(f"Field {i}", QLineEdit())
    scroll = ScrollingForm(form, "fictional_form_scroll_area")
    layout = QVBoxLayout(dialog)
    layout.addWidget(scroll, 1)
    layout.addWidget(QDialogButtonBox(QDialogButtonBox.StandardButton.Close))
    room = dialog.screen().availableGeometry()
    need = dialog.sizeHint().height()
    assert room.height() * 2 // 3 < need < room.height() - 40  # the case: between the two
    dialog.show()
    qtbot.waitExposed(dialog)
    assert scroll.verticalScrollBar().maximum() == 0  # every field shows
    assert room.contains(dialog.geometry())
