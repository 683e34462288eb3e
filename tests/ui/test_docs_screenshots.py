"""The app's pictures in README.md and the user guides are made by tests, so they show the
current screens: a picture no test makes is never regenerated and drifts from the app.

The pictures are written into ``docs/screenshots/`` only with
``CLINICIAN_DESK_REGENERATE_SCREENSHOTS=1`` (``tests.support.ui.screenshots_dir``). Fictional data.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt

from tests.support.ui import open_fictional_student, screenshots_dir
from ui.dialogs.safety_workflow_dialog import SafetyWorkflowDialog

ROOT = Path(__file__).resolve().parents[2]
SHOWN = re.compile(r"screenshots/([\w.-]+\.png)")
# Pictures not made by a desktop-app test yet: the county dashboard's (headless Chromium) and the
# ones from the first releases that still wait for theirs. Not to grow.
NOT_YET_MADE_BY_A_TEST = {
    "county_completeness.png",
    "county_district.png",
    "county_overview.png",
    "county_screenings.png",
    "demo_caseload.png",
    "demo_student.png",
    "mandated_report.png",
    "note_editor.png",
    "print_centre.png",
    "pseudo_setup.png",
    "roster_check.png",
    "screening_item.png",
    "setup_recovery_key.png",
    "student_screenings.png",
    "sync_page.png",
    "unlock.png",
}


def test_every_picture_the_docs_show_is_made_by_a_test() -> None:
    shown: set[str] = set()
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        shown |= set(SHOWN.findall(doc.read_text(encoding="utf-8")))
    sources = "\n".join(
        p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "ui").glob("test_*.py"))
    )
    unmade = sorted(name for name in shown - NOT_YET_MADE_BY_A_TEST if f'"{name}"' not in sources)
    assert unmade == [], f"no test makes {unmade}"


def _administer_phq_a_item_9(qtbot, window) -> SafetyWorkflowDialog:
    window.student_page.screening_button.click()
    page = window.screening_page
    page.select_instrument("PHQ-A")
    qtbot.mouseClick(page.begin_button, Qt.MouseButton.LeftButton)
    while page.stack.currentIndex() == 1:
        item = page.flow.current
        values = [o.value for o in item.options]
        wanted = 1 if item.id == "9" else ("no" if "no" in values else values[0])
        qtbot.mouseClick(page.option_buttons()[values.index(wanted)], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.findChild(SafetyWorkflowDialog) is not None, timeout=20_000)
    dialog = page.findChild(SafetyWorkflowDialog)
    assert isinstance(dialog, SafetyWorkflowDialog)
    return dialog


def test_safety_workflow_picture_is_the_dialog_a_critical_answer_opens(
    qtbot, unlocked_window
) -> None:
    window = unlocked_window
    open_fictional_student(qtbot, window, last="Pictureford")
    dialog = _administer_phq_a_item_9(qtbot, window)
    qtbot.waitUntil(dialog.isVisible, timeout=10_000)
    dialog.risk_combo.setCurrentIndex(dialog.risk_combo.findData("moderate"))
    dialog.step_edits["warning_signs"].setPlainText("Stays in room after school")
    dialog.step_edits["coping_strategies"].setPlainText("Music with headphones")
    path = screenshots_dir() / "safety_workflow.png"
    assert dialog.grab().save(str(path))
    assert path.read_bytes().startswith(b"\x89PNG")
