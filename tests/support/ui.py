"""Helpers for the desktop-app tests: passphrase, cheap KDF, screenshots, accessibility audit."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

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

from clinician_desk.domain.students import StudentInput
from clinician_desk.vault.kdf import KdfParams

PASSPHRASE = "purple otter fictional lighthouse"


CHEAP_KDF = KdfParams(memory_kib=1024, iterations=1, lanes=1)


def grab(widget, artifacts_dir: Path, name: str) -> Path:
    """Save a screenshot of ``widget`` for human review (test-artifacts/ui/<name>.png)."""
    folder = artifacts_dir / "ui"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.png"
    assert widget.grab().save(str(path)), f"could not save {path}"
    return path


REGENERATE_SCREENSHOTS = "CLINICIAN_DESK_REGENERATE_SCREENSHOTS"
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshots_dir() -> Path:
    """Where a test saves a picture the documentation shows: ``test-artifacts/screenshots/``, or
    ``docs/screenshots/`` itself when ``CLINICIAN_DESK_REGENERATE_SCREENSHOTS=1`` (a run that is
    meant to refresh the docs), so an ordinary run leaves the work tree clean."""
    if os.environ.get(REGENERATE_SCREENSHOTS) == "1":
        return DOCS_SCREENSHOTS
    folder = DOCS_SCREENSHOTS.parents[1] / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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


def open_fictional_student(qtbot, window, last="Planfield") -> int:
    services = window.ctx.services
    student_id = window.ctx.tasks.call_db_blocking(
        lambda: services.record.create_student(
            StudentInput(
                legal_first_name="Imaginary",
                legal_last_name=last,
                date_of_birth=date(2011, 4, 1),
                grade="9",
                school_cds="99123450000001",
                consent_basis="parent_consent",
            ),
            school_name="Pretend High (fictional)",
        )
    )
    window.open_student(student_id)
    qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)
    return student_id


MARK = "Zebra-lantern fictional words"


def relock(qtbot, window, student_id, *, idle=False, clock=None):
    if idle:  # the inactivity watcher on the fake clock, as a real idle timeout
        clock.advance(seconds=301)
        window.session.watcher.check()
    else:
        window.lock_action.trigger()  # what Ctrl+L does
    assert not window.ctx.unlocked
    window.unlock_page.passphrase_edit.setText(PASSPHRASE)
    window.unlock_page.try_unlock()
    qtbot.waitUntil(lambda: window.ctx.unlocked, timeout=20_000)
    if student_id is not None:
        window.open_student(student_id)
        qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)


def visible_dialog(parent, dialog_type):
    return next(d for d in parent.findChildren(dialog_type) if d.isVisible())


def no_plaintext_outside_vault(tmp_path: Path) -> None:
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert MARK.encode() not in path.read_bytes(), path


def add_students(window, names):
    services = window.ctx.services
    ids = []
    for first, last in names:
        ids.append(
            window.ctx.tasks.call_db_blocking(
                lambda f=first, la=last: services.record.create_student(
                    StudentInput(
                        legal_first_name=f,
                        legal_last_name=la,
                        date_of_birth=date(2012, 2, 2),
                        grade="8",
                        school_cds="99123450000001",
                        consent_basis="parent_consent",
                    ),
                    school_name="Imaginary Oaks Middle",
                )
            )
        )
    window.caseload_page.activate()
    return ids
