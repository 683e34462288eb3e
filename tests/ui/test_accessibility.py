"""Every interactive control has an objectName ending in its type and an accessible name."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QTextBrowser,
    QWidget,
)

SUFFIX = {
    QPushButton: "_button",
    QCheckBox: "_check_box",
    QRadioButton: "_radio_button",
    QComboBox: "_combo_box",
    QLineEdit: "_line_edit",
    QPlainTextEdit: "_plain_text_edit",
    QTextBrowser: "_text_browser",
    QTableView: "_table_view",
    QListWidget: "_list_widget",
}


def _inside_composite(widget: QWidget) -> bool:
    """Qt's own sub-widgets (a combo box's line edit, a spin box's editor) are not ours."""
    parent = widget.parentWidget()
    return isinstance(parent, QComboBox | QAbstractSpinBox)


def problems(root: QWidget) -> list[str]:
    out = []
    for cls, suffix in SUFFIX.items():
        for widget in root.findChildren(cls):
            if _inside_composite(widget):
                continue
            name = widget.objectName()
            if not name.endswith(suffix) and not (cls is QPushButton and name.endswith("_button")):
                out.append(
                    f"{cls.__name__} {name!r} ({widget.text() if hasattr(widget, 'text') else ''})"
                )
            elif not widget.accessibleName():
                out.append(f"{name}: no accessible name")
    for widget in root.findChildren(QAbstractSpinBox):
        if not widget.objectName().endswith(("_edit", "_spin_box")) or not widget.accessibleName():
            out.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return out


def test_main_screens_name_every_control(qtbot, unlocked_window):
    window = unlocked_window
    window.start_setup()  # the wizard is part of the window's screens too
    found = problems(window)
    assert found == []


def test_dialogs_name_every_control(qtbot, unlocked_window):
    from ui.dialogs.addendum_dialog import AddendumDialog
    from ui.dialogs.note_search_dialog import NoteSearchDialog
    from ui.dialogs.recovery_dialog import RecoveryKeyDialog
    from ui.dialogs.safety_workflow_dialog import SafetyWorkflowDialog
    from ui.dialogs.student_dialog import StudentDialog

    ctx = unlocked_window.ctx
    dialogs = [
        AddendumDialog(ctx, 1),
        NoteSearchDialog(ctx),
        RecoveryKeyDialog(ctx, "default"),
        SafetyWorkflowDialog(ctx, 1, 1, None),
        StudentDialog(ctx),
    ]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        assert problems(dialog) == [], type(dialog).__name__
