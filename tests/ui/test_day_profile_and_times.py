"""Issue 20: the clinician is named (wizard, Profile dialog, signatures) and every displayed time
is local with its zone, in one format; vault care from the menu; the unlock screen's Caps Lock
warning and show-passphrase toggle; plain words in the print centre and the PHQ-A.

The laptop is put in Pacific time (TZ=America/Los_Angeles); the fake clock says
2026-10-06 17:30 UTC, which is 10:30 PDT.
"""

from __future__ import annotations

import re
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from clinician_desk.services.profile import current_profile
from tests.support.day import fictional_student
from tests.support.ui import PASSPHRASE, screenshots_dir
from ui.widgets import confirm

SCREENSHOTS = screenshots_dir()
NEW_PASSPHRASE = "violet heron imaginary harbour"


@pytest.fixture
def pacific(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _profile(window):
    services = window.ctx.services
    return window.ctx.tasks.call_db_blocking(lambda: current_profile(services.db))


def test_shown_time_is_local_with_zone_in_one_format(pacific) -> None:
    from ui.times import shown_time

    assert shown_time("2026-12-02T20:28:00Z") == "2026-12-02 12:28 PST"
    assert shown_time("2026-10-06T17:30:00+00:00") == "2026-10-06 10:30 PDT"
    assert shown_time(None) == "" and shown_time("not a time") == "not a time"


def test_first_run_asks_who_signs_and_the_note_names_them(qtbot, window, pacific) -> None:
    wizard = window.wizard
    wizard.next()
    page = wizard.clinician_page
    assert wizard.currentPage() is page
    assert not page.isComplete()  # the name is required
    page.fields.name_edit.setText("Alex Sample")
    page.fields.credential_edit.setText("AMFT")
    page.fields.license_edit.setText("AMFT " + "0" * 60)  # too long: refused here
    wizard.next()
    assert wizard.currentPage() is page and page.error.text()
    page.fields.license_edit.setText("AMFT 000000")
    wizard.next()
    assert wizard.currentPage() is wizard.passphrase_page
    wizard.passphrase_page.fields.first.setText(PASSPHRASE)
    wizard.passphrase_page.fields.second.setText(PASSPHRASE)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.recovery_page, timeout=20_000)
    wizard.recovery_page.kept_check.setChecked(True)
    wizard.next()
    qtbot.waitUntil(lambda: window.ctx.unlocked, timeout=20_000)
    wizard.accept()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.workspace, timeout=20_000)
    window.ctx.tasks.wait_idle()
    profile = _profile(window)
    assert (profile.display_name, profile.credential, profile.license_number) == (
        "Alex Sample",
        "AMFT",
        "AMFT 000000",
    )

    sid = fictional_student(window)
    from tests.support.day import start_note

    note_id = start_note(qtbot, window, sid, "Weekly check-in (fictional).")
    window.note_page.save_draft_now()
    window.ctx.tasks.wait_idle()
    services = window.ctx.services
    window.ctx.tasks.call_db_blocking(lambda: services.record.sign_note(note_id))
    window.open_student(sid)
    student = window.student_page
    qtbot.waitUntil(lambda: student.sessions_model.rowCount() == 1, timeout=20_000)
    student.sessions_view.selectRow(0)
    qtbot.waitUntil(lambda: "Signed by" in student.note_view.toPlainText(), timeout=20_000)
    text = student.note_view.toPlainText()
    assert "Signed by Alex Sample, AMFT at 2026-10-06 10:30 PDT" in text, text


def test_profile_dialog_edits_and_refuses_bad_input(qtbot, unlocked_window) -> None:
    window = unlocked_window
    assert window.profile_action.isEnabled()
    window.profile_action.trigger()
    dialog = window.profile_dialog
    qtbot.waitUntil(lambda: dialog.fields.isEnabled(), timeout=20_000)
    fields = dialog.fields
    fields.name_edit.setText("Jordan Placeholder")
    fields.credential_edit.setText("ASW")
    fields.license_edit.setText("ASW 000001")
    dialog.grab().save(str(SCREENSHOTS / "profile-dialog.png"))
    fields.license_edit.setText("ASW " + "9" * 70)  # too long
    qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "longer than" in dialog.message.text(), timeout=20_000)
    assert dialog.isVisible() and fields.credential_edit.text() == "ASW"  # nothing lost
    assert _profile(window).display_name == ""  # nothing stored
    fields.license_edit.setText("ASW 000001")
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20_000)
    profile = _profile(window)
    assert profile.signature() == "Jordan Placeholder, ASW"
    assert profile.license_number == "ASW 000001"


def test_decision_time_is_iso_with_zone_not_the_c_locale(qtbot, unlocked_window, pacific) -> None:
    from ui.dialogs.mandated_report_dialog import _date_time
    from ui.dialogs.safety_workflow_dialog import SafetyWorkflowDialog

    dialog = SafetyWorkflowDialog(unlocked_window.ctx, 1, 1, None)
    qtbot.addWidget(dialog)
    shown = dialog.decided_edit.text()
    assert re.fullmatch(r"2026-10-06 10:30 \S+", shown), shown
    edit = _date_time("x_edit", "x", unlocked_window.ctx.clock.now())
    assert edit.text() == shown


def test_unlock_shows_caps_lock_and_can_reveal_the_passphrase(qtbot, unlocked_window) -> None:
    window = unlocked_window
    window.session.lock()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.unlock_page, timeout=20_000)
    page = window.unlock_page
    assert page.passphrase_edit.echoMode() == QLineEdit.EchoMode.Password
    assert page.caps_label.isHidden()
    qtbot.keyClicks(page.passphrase_edit, "p")
    assert page.caps_label.isHidden()
    qtbot.keyClicks(page.passphrase_edit, "P")  # upper case without Shift: Caps Lock
    assert not page.caps_label.isHidden()
    page.show_check.setChecked(True)
    assert page.passphrase_edit.echoMode() == QLineEdit.EchoMode.Normal
    page.grab().save(str(SCREENSHOTS / "unlock-show-passphrase.png"))
    page.reload_profiles()  # the next lock hides it again
    assert page.passphrase_edit.echoMode() == QLineEdit.EchoMode.Password
    assert window.help_action.isEnabled()  # help works while locked


def test_change_passphrase_and_backup_from_the_menu(qtbot, unlocked_window, tmp_path) -> None:
    from clinician_desk.vault import unlock_vault

    window = unlocked_window
    window.change_passphrase_action.trigger()
    dialog = window.change_passphrase_dialog
    dialog.current_edit.setText("not the passphrase at all")
    dialog.fields.first.setText(NEW_PASSPHRASE)
    dialog.fields.second.setText(NEW_PASSPHRASE)
    assert dialog.ok_button.isEnabled()
    dialog.submit()
    qtbot.waitUntil(
        lambda: dialog.current_edit.isEnabled() and bool(dialog.message.text()), timeout=20_000
    )
    assert dialog.isVisible() and "passphrase" in dialog.message.text().lower()
    paths = window.ctx.vault_paths
    kdf = window.ctx.clock
    unlock_vault(paths, PASSPHRASE, clock=kdf).wipe()  # unchanged after the refusal
    dialog.current_edit.setText(PASSPHRASE)
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20_000)
    unlock_vault(paths, NEW_PASSPHRASE, clock=kdf).wipe()

    window.backup_action.trigger()
    backup = window.backup_dialog
    dest = tmp_path / "fictional.cdbackup"
    backup.path_edit.setText(str(dest))
    backup.submit()
    qtbot.waitUntil(lambda: "written" in backup.message.text(), timeout=20_000)
    assert dest.stat().st_size > 0
    backup.grab().save(str(SCREENSHOTS / "backup-dialog.png"))
    backup.submit()  # the same name again: refused, the file is kept
    assert "already exists" in backup.message.text() and dest.stat().st_size > 0
    backup.accept()


def test_help_opens_the_bundled_user_guide(qtbot, unlocked_window) -> None:
    window = unlocked_window
    window.help_action.trigger()
    text = window.help_dialog.browser.toPlainText()
    assert "Drafts" in text and len(text) > 1000
    window.help_dialog.accept()


def test_draft_translation_question_has_no_command_line_syntax(qtbot, unlocked_window) -> None:
    window = unlocked_window
    sid = fictional_student(window)
    page = window.print_page if hasattr(window, "print_page") else window.print_centre_page
    page.student_id = sid
    page.document_combo.setCurrentIndex(page.document_combo.findData("generic_handout"))
    page.language_combo.setCurrentIndex(page.language_combo.findData("pa"))  # a draft
    confirm.set_next_answers(False)
    page.preview()
    qtbot.waitUntil(lambda: bool(confirm.asked), timeout=20_000)
    assert "draft" in confirm.asked[-1]
    assert "--" not in confirm.asked[-1], confirm.asked[-1]


def test_phq_a_two_week_heading_leaves_the_past_year_question(qtbot, unlocked_window) -> None:
    window = unlocked_window
    sid = fictional_student(window)
    window.open_student(sid)
    qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)
    qtbot.mouseClick(window.student_page.screening_button, Qt.MouseButton.LeftButton)
    page = window.screening_page
    page.select_instrument("PHQ-A")
    qtbot.mouseClick(page.begin_button, Qt.MouseButton.LeftButton)
    assert "two weeks" in page.instructions_label.text()
    while "past year" not in page.item_label.text():
        page.answer(page.flow.current.options[0].value)
    assert "two weeks" not in page.instructions_label.text()


def test_new_recovery_key_rekeys_and_reopens_with_drafts_kept(qtbot, unlocked_window) -> None:
    from clinician_desk.vault import unlock_vault, unlock_with_recovery_key
    from tests.support.day import start_note

    window = unlocked_window
    sid = fictional_student(window)
    note_id = start_note(qtbot, window, sid, "Kept across the re-key (fictional).")
    window.new_recovery_key_action.trigger()
    dialog = window.new_recovery_key_dialog
    dialog.passphrase_edit.setText("not the passphrase at all")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.ok_button.isEnabled(), timeout=20_000)
    assert dialog.isVisible() and dialog.message.text() and window.ctx.unlocked  # nothing done
    dialog.passphrase_edit.setText(PASSPHRASE)
    dialog.submit()
    qtbot.waitUntil(lambda: hasattr(window, "recovery_key_shown_dialog"), timeout=30_000)
    shown = window.recovery_key_shown_dialog
    qtbot.waitUntil(lambda: window.ctx.unlocked, timeout=20_000)
    assert shown.isVisible()
    text = shown.key_label.text()
    assert len(text.replace("-", "").replace(" ", "")) >= 40
    assert text in shown.document().toPlainText()
    shown.grab().save(str(SCREENSHOTS / "new-recovery-key.png"))
    paths = window.ctx.vault_paths
    window.ctx.tasks.wait_idle()
    qtbot.waitUntil(lambda: window.note_page.tabs.count() == 1, timeout=20_000)  # reopened
    assert window.note_page.current_note().note_id == note_id
    shown.accept()
    assert shown.key_label.text() == ""
    key = unlock_with_recovery_key(paths, text)  # the new key opens the vault
    key.wipe()
    unlock_vault(paths, PASSPHRASE).wipe()  # the passphrase is unchanged


def test_restore_from_a_backup_in_the_gui(qtbot, unlocked_window, tmp_path) -> None:
    from tests.support.day import backup_between_two_students, restore_in_open_dialog, unlock

    window = unlocked_window
    dest = tmp_path / "fictional.cdbackup"
    before = backup_between_two_students(window, dest)

    window.restore_action.trigger()
    dialog = window.restore_dialog
    dialog.path_edit.setText(str(tmp_path / "missing.cdbackup"))
    dialog.passphrase_edit.setText(PASSPHRASE)
    dialog.submit()
    assert dialog.isVisible() and "Choose the backup" in dialog.message.text()
    dialog.path_edit.setText(str(dest))
    dialog.passphrase_edit.setText("not the passphrase at all")
    confirm.set_next_answers(True)
    dialog.submit()
    page = window.unlock_page
    qtbot.waitUntil(lambda: "Nothing was restored" in page.message_label.text(), timeout=20_000)
    unlock(qtbot, window)
    window.caseload_page.activate()
    qtbot.waitUntil(lambda: window.caseload_page.model.rowCount() == 2, timeout=20_000)

    window.restore_action.trigger()
    assert "kept in" in restore_in_open_dialog(qtbot, window, dest)
    unlock(qtbot, window)
    window.caseload_page.activate()
    qtbot.waitUntil(lambda: window.caseload_page.model.rowCount() == 1, timeout=20_000)
    assert window.caseload_page.model.row_at(0).student_id == before


def test_sync_status_codes_are_shown_in_words(qtbot, ui_context) -> None:
    from types import SimpleNamespace

    from clinician_desk.sync.outbox import PROBLEM_STATUSES
    from ui.pages.sync_page import SYNC_STATUS_TEXT, SyncPage

    assert set(SYNC_STATUS_TEXT) == {"pending", "synced", *PROBLEM_STATUSES}
    page = SyncPage(ui_context)
    qtbot.addWidget(page)
    row = SimpleNamespace(
        period="2026-09",
        org_unit="99123450000001",
        status="rejected",
        acked_revision=0,
        revision=1,
        last_sent_at="2026-10-01T17:00:00Z",
        problem="",
    )
    page.model.set_rows([row])
    shown = [page.model.index(0, c).data() for c in range(page.model.columnCount())]
    assert "Refused by the server" in shown and "rejected" not in shown
