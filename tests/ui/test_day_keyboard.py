"""Issue 20: keyboard and screen readers.

* After *Start note* the keyboard is in the note's first section.
* Tab moves focus out of every multi-line text box (note sections, psychotherapy note, safety
  plan steps, addendum) instead of typing a tab character.
* Tab never leaves the page's form for the sidebar; it wraps inside the page.
* Tables move by row, and Tab leaves them instead of walking cell by cell.
* The accessibility walk: on every page and dialog, every control that can take keyboard focus
  has an accessible name and is reached by pressing Tab (real key presses, through Qt's own
  event path, compared with the controls found by walking the widget tree).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QPlainTextEdit,
    QTabBar,
    QWidget,
)

from tests.support.day import fictional_student, start_note
from ui.focus import tab_focusable


def _focusable(root: QWidget) -> list[QWidget]:
    """Controls a keyboard user should reach, found by walking the widget tree."""
    out = []
    for widget in root.findChildren(QWidget):
        if not tab_focusable(widget):
            continue
        parent = widget.parentWidget()
        if isinstance(parent, QComboBox) or (
            parent is not None and isinstance(parent.parentWidget(), QAbstractItemView)
        ):
            continue  # Qt's own parts of a control (a combo box's editor, a view's viewport)
        out.append(widget)
    return out


def _owner(widget: QWidget | None, candidates: list[QWidget]) -> QWidget | None:
    while widget is not None and widget not in candidates:
        widget = widget.parentWidget()
    return widget


def _walk_tab(qtbot, root: QWidget, presses: int) -> list[QWidget]:
    """Focus the first control and press Tab; every widget that had focus, in order."""
    seen: list[QWidget] = []
    for _ in range(presses):
        focus = QApplication.focusWidget()
        assert focus is not None
        seen.append(focus)
        qtbot.keyClick(focus, Qt.Key.Key_Tab)
    return seen


def _unnamed(widgets: list[QWidget]) -> list[str]:
    return [
        f"{type(w).__name__} {w.objectName()!r}"
        for w in widgets
        if not w.accessibleName() and not isinstance(w, QTabBar)  # a tab bar reads its tabs
    ]


def _check_tree(qtbot, root: QWidget, inside: QWidget | None = None) -> None:
    inside = inside or root
    expected = _focusable(root)
    assert expected, root.objectName()
    assert _unnamed(expected) == [], root.objectName()
    expected[0].setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is expected[0], timeout=5_000)
    seen = _walk_tab(qtbot, root, 2 * len(expected) + 2)
    outside = [w for w in seen if not inside.isAncestorOf(w) and w is not inside]
    assert outside == [], (root.objectName(), [w.objectName() for w in outside])
    reached = {id(_owner(w, expected)) for w in seen}
    missed = [w.objectName() or type(w).__name__ for w in expected if id(w) not in reached]
    assert missed == [], (root.objectName(), missed)


def test_start_note_focuses_the_first_section_and_tab_moves_on(qtbot, unlocked_window) -> None:
    window = unlocked_window
    window.activateWindow()
    sid = fictional_student(window)
    start_note(qtbot, window, sid, "")
    editor = window.note_page
    note = editor.current_note()
    first = next(iter(note.editors.values()))
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first, timeout=5_000)
    # Tab through every section box: focus moves, no tab character is typed.
    for box in note.editors.values():
        assert QApplication.focusWidget() is box
        qtbot.keyClick(box, Qt.Key.Key_Tab)
        assert "\t" not in box.toPlainText()
    assert QApplication.focusWidget() is not first
    qtbot.keyClick(first, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert first.toPlainText() == "\t"  # Ctrl+Tab types a tab where one is really wanted
    qtbot.keyClick(editor.process_edit, Qt.Key.Key_Tab)
    assert "\t" not in editor.process_edit.toPlainText()
    # Tab from the last control of the page wraps inside the page, never into the sidebar.
    for _ in range(40):
        focus = QApplication.focusWidget()
        assert focus is not window.nav and editor.isAncestorOf(focus), focus.objectName()
        qtbot.keyClick(focus, Qt.Key.Key_Tab)
    # F6 takes the keyboard to the page list; Tab from there goes back into the page.
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F6)
    assert QApplication.focusWidget() is window.nav
    qtbot.keyClick(window.nav, Qt.Key.Key_Tab)
    assert editor.isAncestorOf(QApplication.focusWidget())


def test_every_multiline_box_passes_tab_on(qtbot, unlocked_window) -> None:
    from ui.dialogs.addendum_dialog import AddendumDialog
    from ui.widgets.safety_plan_editor import SafetyPlanEditor

    ctx = unlocked_window.ctx
    roots = [AddendumDialog(ctx, 1), SafetyPlanEditor()]
    for root in roots:
        qtbot.addWidget(root)
        root.show()
        for box in root.findChildren(QPlainTextEdit):
            assert box.tabChangesFocus(), box.objectName()
    for box in unlocked_window.findChildren(QPlainTextEdit):
        assert box.tabChangesFocus() or box.isReadOnly(), box.objectName()


def test_tables_select_rows_and_tab_leaves_them(qtbot, unlocked_window) -> None:
    window = unlocked_window
    fictional_student(window, "Avery")
    fictional_student(window, "Blake")
    window.caseload_page.activate()
    table = window.caseload_page.table
    qtbot.waitUntil(lambda: table.model().rowCount() == 2, timeout=20_000)
    assert table.selectionBehavior() == QAbstractItemView.SelectionBehavior.SelectRows
    assert not table.tabKeyNavigation()
    table.setFocus()
    table.setCurrentIndex(table.model().index(0, 0))
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert table.currentIndex().row() == 1
    assert len(table.selectionModel().selectedRows()) == 1
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not table


def test_accessibility_walk_of_every_page_and_dialog(qtbot, unlocked_window) -> None:
    from ui.dialogs.addendum_dialog import AddendumDialog
    from ui.dialogs.profile_dialog import ProfileDialog
    from ui.dialogs.student_dialog import StudentDialog
    from ui.dialogs.vault_care_dialogs import (
        BackupDialog,
        ChangePassphraseDialog,
        HelpDialog,
        NewRecoveryKeyDialog,
        RecoveryKeyShownDialog,
        RestoreDialog,
    )

    window = unlocked_window
    window.activateWindow()
    sid = fictional_student(window)
    start_note(qtbot, window, sid, "Plan (fictional).")
    window.note_page.save_draft_now()
    window.ctx.tasks.wait_idle()
    window.open_student(sid)
    qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)
    for page in window.pages:
        if page is window.screening_page:
            continue  # its questions are a kiosk; walked in test_day_kiosk
        window.page_stack.setCurrentWidget(page)
        _check_tree(qtbot, page)
    ctx = window.ctx
    for dialog in (
        AddendumDialog(ctx, 1, window),
        StudentDialog(ctx, window),
        ProfileDialog(ctx, window),
        ChangePassphraseDialog(ctx, window),
        BackupDialog(ctx, window),
        RestoreDialog(ctx, window),
        NewRecoveryKeyDialog(ctx, window),
        RecoveryKeyShownDialog("ABCD-EFGH", window),
        HelpDialog(window),
    ):
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.activateWindow()
        window.ctx.tasks.wait_idle()
        qtbot.wait(10)
        _check_tree(qtbot, dialog)
        dialog.reject()
    window.session.lock()  # the lock screen too
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.unlock_page, timeout=20_000)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    _check_tree(qtbot, window.unlock_page)
