"""The roster wizard takes a OneRoster bundle: a .zip file, or a folder picked with *Folder…*;
a malformed bundle is refused naming its file, line and column, and nothing is imported."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QWizard

from tests.support.oneroster import bundle_11, bundle_12, replace_line, write_folder, write_zip
from tests.support.roster_wizard import caseload_size


def _open(window, path):
    from ui.dialogs.roster_import_wizard import RosterImportWizard

    window.import_roster_action.trigger()
    wizard = [w for w in window.findChildren(RosterImportWizard) if w.isVisible()][-1]
    wizard.source_page.file_edit.setText(str(path))
    return wizard


def test_a_oneroster_zip_is_checked_and_imported(qtbot, unlocked_window, tmp_path):
    window = unlocked_window
    files = bundle_11()
    files["demographics.csv"] = replace_line(
        files["demographics.csv"], 2, "u-1,,,2019-02-30,,,,,,,,,,,,"
    )
    bad = write_zip(tmp_path / "district-oneroster.zip", files)
    wizard = _open(window, bad)
    wizard.next()
    check = wizard.check_page
    qtbot.waitUntil(lambda: check.again_button.isEnabled(), timeout=20_000)
    report = check.report_edit.toPlainText()
    assert "demographics.csv line 2: column birthDate is not a real calendar date" in report
    assert not check.isComplete()
    write_zip(bad, bundle_11())  # the district exports again
    qtbot.mouseClick(check.again_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(check.isComplete, timeout=20_000)
    assert "add 2 student(s)" in check.status_label.text()
    assert "preset oneroster-1.1" in check.report_edit.toPlainText()
    assert caseload_size(window) == 0
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(wizard.import_page.isComplete, timeout=20_000)
    assert "2 student(s) added" in wizard.import_page.result_label.text()
    assert caseload_size(window) == 2
    wizard.accept()


def test_the_folder_button_picks_a_oneroster_folder(qtbot, unlocked_window, tmp_path, monkeypatch):
    window = unlocked_window
    folder = write_folder(tmp_path / "oneroster-1.2", bundle_12())
    wizard = _open(window, "")
    source = wizard.source_page
    assert not source.isComplete()
    asked = []

    def pick(parent, caption, *args, **kwargs):
        asked.append(caption)
        return str(folder)

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(pick))
    qtbot.mouseClick(source.folder_button, Qt.MouseButton.LeftButton)
    assert source.file_edit.text() == str(folder) and asked
    wizard.next()
    qtbot.waitUntil(wizard.check_page.isComplete, timeout=20_000)
    assert "add 1 student(s)" in wizard.check_page.status_label.text()
    wizard.reject()
    assert caseload_size(window) == 0
