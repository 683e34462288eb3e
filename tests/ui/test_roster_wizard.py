"""The roster import wizard: dry run off the GUI thread, every problem with its line, commit
only when clean, cancel, custom mapping; the caseload refreshes after the import."""

from __future__ import annotations

import json
import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from tests.support.roster_wizard import HEAD, caseload_size, open_roster_wizard
from tests.support.ui import grab, problems

CLEAN = [
    "00017^Testington^Demo^09/01/2011^9^99999990000033^Spanish",
    "00018^Notreal^Fakey^20101231^12^99999990000033^",
    "00019^Madeup^Pat^03/15/2019^K^99999990000033^English",
]
BAD_DATE = "00020^Imaginary^Robin^31/31/2011^9^99999990000033^"


def test_a_bad_line_is_reported_with_its_number_and_blocks_the_import(
    qtbot, unlocked_window, tmp_path, artifacts_dir
):
    window = unlocked_window
    roster = tmp_path / "district-export.csv"
    roster.write_text(HEAD + "\n".join([CLEAN[0], BAD_DATE, CLEAN[1]]) + "\n", encoding="utf-8")
    wizard = open_roster_wizard(qtbot, window, roster)
    assert problems(wizard) == []
    wizard.next()
    check = wizard.check_page
    qtbot.waitUntil(lambda: check.again_button.isEnabled(), timeout=20_000)
    assert "1 problem(s)" in check.status_label.text()
    report = check.report_edit.toPlainText()
    assert "line 3: date_of_birth" in report
    assert "Robin" not in report and "Imaginary" not in report  # names lines, never values
    assert not check.isComplete()
    assert not wizard.button(QWizard.WizardButton.CommitButton).isEnabled()
    grab(wizard, artifacts_dir, "45_roster_check_problems")
    # A file missing a required column is refused as a whole, naming line 1.
    roster.write_text("Student_Number^Last_Name\n00017^Testington\n", encoding="utf-8")
    qtbot.mouseClick(check.again_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: check.again_button.isEnabled(), timeout=20_000)
    assert "line 1: required column(s) missing" in check.report_edit.toPlainText()
    assert "Nothing was imported" in check.status_label.text() and not check.isComplete()
    assert caseload_size(window) == 0


def test_a_clean_roster_is_imported_and_the_caseload_refreshes(
    qtbot, unlocked_window, tmp_path, artifacts_dir
):
    window = unlocked_window
    roster = tmp_path / "clean.csv"
    roster.write_bytes(("\ufeff" + HEAD + "\n".join(CLEAN) + "\n").encode("utf-8"))
    wizard = open_roster_wizard(qtbot, window, roster)
    wizard.next()
    check = wizard.check_page
    qtbot.waitUntil(check.isComplete, timeout=20_000)
    assert "add 3 student(s)" in check.status_label.text()
    assert check.progress.value() == check.progress.maximum()
    assert caseload_size(window) == 0  # the dry run wrote nothing
    commit = wizard.button(QWizard.WizardButton.CommitButton)
    assert commit.isEnabled() and commit.text() == "Import"
    qtbot.mouseClick(commit, Qt.MouseButton.LeftButton)
    done = wizard.import_page
    qtbot.waitUntil(done.isComplete, timeout=20_000)
    assert "3 student(s) added, 0 updated" in done.result_label.text()
    qtbot.waitUntil(lambda: window.caseload_page.model.rowCount() == 3, timeout=20_000)
    grab(wizard, artifacts_dir, "46_roster_imported")
    wizard.accept()
    # Re-importing with one grade changed updates that student instead of duplicating.
    roster.write_text(HEAD + "\n".join([CLEAN[0].replace("^9^", "^10^"), *CLEAN[1:]]) + "\n")
    again = open_roster_wizard(qtbot, window, roster)
    again.next()
    qtbot.waitUntil(again.check_page.isComplete, timeout=20_000)
    again.next()
    qtbot.waitUntil(again.import_page.isComplete, timeout=20_000)
    assert "0 student(s) added, 1 updated, 2 unchanged" in again.import_page.result_label.text()
    assert caseload_size(window) == 3


def test_cancel_during_the_check_discards_its_result(qtbot, unlocked_window, tmp_path):
    window = unlocked_window
    roster = tmp_path / "clean.csv"
    roster.write_text(HEAD + "\n".join(CLEAN) + "\n", encoding="utf-8")
    wizard = open_roster_wizard(qtbot, window, roster)
    gate = threading.Event()
    window.ctx.tasks.run_db(lambda _c: gate.wait(20), context=window, name="busy-worker")
    wizard.next()  # the check is queued behind the busy worker
    check = wizard.check_page
    assert check.cancel_button.isEnabled() and not check.again_button.isEnabled()
    qtbot.mouseClick(check.cancel_button, Qt.MouseButton.LeftButton)
    gate.set()
    assert window.ctx.tasks.wait_idle()
    assert "cancelled" in check.status_label.text() and not check.isComplete()
    assert check.report_edit.toPlainText() == ""
    qtbot.mouseClick(check.again_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(check.isComplete, timeout=20_000)


def test_a_custom_mapping_file_and_a_broken_one(qtbot, unlocked_window, tmp_path):
    window = unlocked_window
    roster = tmp_path / "custom.csv"
    roster.write_text(
        "Pupil No;Surname;Given;Born;Year\n0042;Fictionally;Sam;02/02/2012;7\n", encoding="utf-8"
    )
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {
                "columns": {
                    "district_student_number": "Pupil No",
                    "legal_last_name": "Surname",
                    "legal_first_name": "Given",
                    "date_of_birth": "Born",
                    "grade": "Year",
                },
                "defaults": {"school_cds": "99999990000033"},
            }
        ),
        encoding="utf-8",
    )
    wizard = open_roster_wizard(qtbot, window, roster, preset="custom")
    source = wizard.source_page
    assert not source.isComplete()  # a custom layout needs its mapping file
    source.mapping_edit.setText(str(mapping))
    assert source.isComplete()
    wizard.next()
    check = wizard.check_page
    qtbot.waitUntil(check.isComplete, timeout=20_000)
    assert "add 1 student(s)" in check.status_label.text()
    wizard.back()
    mapping.write_text("{not json", encoding="utf-8")
    wizard.next()
    qtbot.waitUntil(lambda: check.again_button.isEnabled(), timeout=20_000)
    assert "not valid JSON" in check.report_edit.toPlainText() and not check.isComplete()


def test_locking_closes_the_wizard_and_drops_the_checked_roster(qtbot, unlocked_window, tmp_path):
    import shiboken6

    window = unlocked_window
    roster = tmp_path / "clean.csv"
    roster.write_text(HEAD + "\n".join(CLEAN) + "\n", encoding="utf-8")
    wizard = open_roster_wizard(qtbot, window, roster)
    wizard.next()
    qtbot.waitUntil(wizard.check_page.isComplete, timeout=20_000)
    assert wizard.checked is not None
    window.session.lock()
    qtbot.waitUntil(lambda: not shiboken6.isValid(wizard), timeout=20_000)
    assert not window.import_roster_action.isEnabled()
