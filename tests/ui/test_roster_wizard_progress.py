"""The roster wizard's per-row progress and a cancel that works in the middle of the import.

The core reports every ``PROGRESS_EVERY`` rows; the import page shows it and *Cancel import*
makes the core roll back the whole transaction. To cancel at a known row, the worker is paused
at its first mid-run report (a wrapper around the real ``commit_roster``: the real core, the
real SQLCipher vault) until the test has clicked *Cancel import*.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from clinician_desk.services.roster import PROGRESS_EVERY
from tests.support.roster_wizard import HEAD, caseload_size, open_roster_wizard

ROWS = 2 * PROGRESS_EVERY + 50


def _write_roster(path) -> None:
    lines = [
        f"{70000 + i:06d}^Rowperson{i}^Fictional^09/01/2011^6^99999990000033^English"
        for i in range(ROWS)
    ]
    path.write_text(HEAD + "\n".join(lines) + "\n", encoding="utf-8")


def _checked(qtbot, window, tmp_path):
    roster = tmp_path / "big.csv"
    _write_roster(roster)
    wizard = open_roster_wizard(qtbot, window, roster)
    wizard.next()
    qtbot.waitUntil(wizard.check_page.isComplete, timeout=20_000)
    progress = wizard.check_page.progress
    assert progress.maximum() == ROWS and progress.value() == ROWS  # counted in rows
    return wizard


def test_import_progress_moves_per_row_and_reaches_the_end(qtbot, unlocked_window, tmp_path):
    window = unlocked_window
    wizard = _checked(qtbot, window, tmp_path)
    page = wizard.import_page
    seen: list[tuple[int, int]] = []
    page.progress.valueChanged.connect(lambda v: seen.append((v, page.progress.maximum())))
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(page.isComplete, timeout=20_000)
    assert (ROWS, ROWS) in seen  # 100 % of the rows (ui.tasks delivers the latest report)
    assert page.progress.value() == page.progress.maximum()
    assert f"{ROWS} student(s) added" in page.result_label.text()
    assert not page.cancel_button.isEnabled()
    assert caseload_size(window) == ROWS


def test_cancel_in_the_middle_of_the_import_adds_nobody(
    qtbot, unlocked_window, tmp_path, monkeypatch
):
    import ui.dialogs.roster_import_work as work_module

    window = unlocked_window
    wizard = _checked(qtbot, window, tmp_path)
    reached, proceed = threading.Event(), threading.Event()
    real = work_module.commit_roster

    class PausingControl:
        def __init__(self, control):
            self.control = control

        def report(self, done, total, text=""):
            self.control.report(done, total, text)
            if done == PROGRESS_EVERY:
                reached.set()
                proceed.wait(20)

        def check_cancelled(self):
            self.control.check_cancelled()

    monkeypatch.setattr(
        work_module,
        "commit_roster",
        lambda services, checked, control, stop=None: real(
            services, checked, PausingControl(control), stop
        ),
    )
    page = wizard.import_page
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(reached.is_set, timeout=20_000)
    qtbot.waitUntil(lambda: page.progress.value() == PROGRESS_EVERY, timeout=20_000)
    assert page.cancel_button.isEnabled()
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    proceed.set()  # the worker goes on: its next look at the cancel rolls everything back
    qtbot.waitUntil(page.isComplete, timeout=20_000)
    assert page.result_label.text() == "Import cancelled. Nothing was imported."
    assert caseload_size(window) == 0
    services = window.ctx.services
    assert window.ctx.tasks.call_db_blocking(lambda: services.record.search("rowperson1")) == []
