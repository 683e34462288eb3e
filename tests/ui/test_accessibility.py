"""Every interactive control has an objectName ending in its type and an accessible name."""

from __future__ import annotations

from tests.support.ui import problems


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
