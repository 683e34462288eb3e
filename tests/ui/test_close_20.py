"""Issue 20, the last items: one time format on screens and in prints, the service picker in
plain words, the add-student dialog without a dead parameter, and restoring a backup from the
lock screen (a vault that will not open). All data is fictional."""

from __future__ import annotations

import inspect
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt

from tests.support.ui import screenshots_dir

SCREENSHOTS = screenshots_dir()


def test_printed_documents_and_screens_write_times_one_way(monkeypatch) -> None:
    from clinician_desk.reports.clinical import fmt_time
    from ui.times import shown_time

    summer, winter = datetime(2026, 9, 14, 17, 5, tzinfo=UTC), "2026-12-01T17:05:00Z"
    monkeypatch.setenv("TZ", "America/Los_Angeles")  # the laptop in Pacific time
    time.tzset()
    try:
        assert fmt_time(summer) == shown_time(summer) == "2026-09-14 10:05 PDT"
        assert fmt_time(winter) == shown_time(winter) == "2026-12-01 09:05 PST"
    finally:
        monkeypatch.undo()
        time.tzset()
    # A zone without an abbreviation is written as its offset from UTC.
    assert fmt_time(summer, ZoneInfo("America/Sao_Paulo")) == "2026-09-14 14:05 UTC-03:00"
    assert fmt_time(summer, ZoneInfo("UTC")) == "2026-09-14 17:05 UTC"


def test_service_picker_shows_plain_names_with_the_code_as_a_tooltip(qtbot) -> None:
    from PySide6.QtCore import Qt

    from ui.widgets.session_form import SessionFormWidget

    form = SessionFormWidget(datetime(2026, 10, 6).date())
    qtbot.addWidget(form)
    combo = form.service_combo
    index = combo.findData("TX-IND")
    assert combo.itemText(index) == "Individual therapy"
    assert combo.itemData(index, Qt.ItemDataRole.ToolTipRole) == "TX-IND"
    for i in range(combo.count()):
        code = combo.itemData(i)
        assert code not in combo.itemText(i), combo.itemText(i)
    combo.setCurrentIndex(combo.findData("CM-COORD"))
    assert "CM-COORD" in combo.toolTip()


def test_add_student_dialog_takes_no_school_names() -> None:
    from ui.dialogs.student_dialog import StudentDialog

    assert "schools" not in inspect.signature(StudentDialog).parameters


def test_restore_from_the_lock_screen_when_the_vault_will_not_open(
    qtbot, unlocked_window, tmp_path
) -> None:
    """A vault whose database is damaged cannot be unlocked; the lock screen offers the restore,
    with the same dialog and question, and the damaged vault is kept, byte for byte."""
    from tests.support.day import backup_between_two_students, restore_in_open_dialog, unlock
    from tests.support.ui import PASSPHRASE
    from ui.widgets import confirm

    window = unlocked_window
    dest = tmp_path / "fictional.cdbackup"
    before = backup_between_two_students(window, dest)
    window.lock_action.trigger()
    qtbot.waitUntil(lambda: not window.ctx.unlocked, timeout=20_000)
    window.ctx.tasks.wait_idle(10_000)
    database = window.ctx.paths.vault("default").database
    damaged = b"\x00fictional damage\x00" * 4096
    database.write_bytes(damaged)  # the vault will not open any more
    for suffix in ("-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)

    page = window.unlock_page
    assert page.restore_button.isVisible() and page.restore_button.isEnabled()
    assert page.restore_button.accessibleName()
    for button in (page.restore_button, page.recovery_button, page.new_profile_button):
        assert button.width() >= button.sizeHint().width(), f"{button.text()!r} is cut off"
    page.grab().save(str(SCREENSHOTS / "unlock-restore-from-backup.png"))
    qtbot.mouseClick(page.restore_button, Qt.MouseButton.LeftButton)
    dialog = window.restore_dialog
    assert dialog.isVisible()
    dialog.path_edit.setText(str(tmp_path / "missing.cdbackup"))
    dialog.passphrase_edit.setText(PASSPHRASE)
    dialog.submit()
    assert dialog.isVisible() and "Choose the backup" in dialog.message.text()
    dialog.path_edit.setText(str(dest))
    dialog.passphrase_edit.setText(PASSPHRASE)
    confirm.set_next_answers(False)  # the clinician says no: nothing happens
    dialog.submit()
    assert dialog.isVisible() and database.read_bytes() == damaged
    dialog.passphrase_edit.setText("not the passphrase at all")
    confirm.set_next_answers(True)
    dialog.submit()
    qtbot.waitUntil(lambda: "Nothing was restored" in page.message_label.text(), timeout=20_000)
    assert database.read_bytes() == damaged  # a refusal changes nothing

    qtbot.mouseClick(page.restore_button, Qt.MouseButton.LeftButton)
    assert "kept in" in restore_in_open_dialog(qtbot, window, dest)
    kept = [
        p
        for p in window.ctx.paths.vault("default").profile_dir.parent.rglob(database.name)
        if p != database and p.read_bytes() == damaged
    ]
    assert kept, "the damaged vault was not kept"
    unlock(qtbot, window)
    window.caseload_page.activate()
    qtbot.waitUntil(lambda: window.caseload_page.model.rowCount() == 1, timeout=20_000)
    assert window.caseload_page.model.row_at(0).student_id == before


def test_confirm_keeps_only_the_latest_questions() -> None:
    """``confirm.asked`` is for tests' assertions; a running app asks for months, so it keeps
    only the latest questions instead of growing for the life of the app."""
    from ui.widgets import confirm

    confirm.asked.clear()
    for n in range(1000):
        confirm.set_next_answers(True)
        assert confirm.ask(None, "Question", f"Fictional question {n}?", "Yes")
    assert len(confirm.asked) <= confirm.ASKED_KEPT < 1000
    assert confirm.asked[-1] == "Fictional question 999?"
    confirm.asked.clear()
    assert confirm.asked == []


def test_one_passphrase_form_with_strength_confirm_show_and_caps_lock(qtbot, ui_context) -> None:
    """The setup wizard and the change-passphrase dialog use the same form: strength, the
    repeat, a show-passphrase toggle and the Caps Lock warning."""
    from PySide6.QtWidgets import QLineEdit

    from ui.dialogs.setup_wizard import PassphraseWizardPage, SetupWizard
    from ui.dialogs.vault_care_dialogs import ChangePassphraseDialog
    from ui.widgets.passphrase_fields import PassphraseFields

    wizard = SetupWizard(ui_context)
    dialog = ChangePassphraseDialog(ui_context)
    for widget in (wizard, dialog):
        qtbot.addWidget(widget)
    pages = [wizard.page(i) for i in wizard.pageIds()]
    (page,) = [p for p in pages if isinstance(p, PassphraseWizardPage)]
    for form in (page.fields, dialog.fields):
        form.window().show()
        assert type(form) is PassphraseFields
        assert form.strength.maximum() == 4 and form.second.isVisibleTo(form)
        assert form.show_check.accessibleName() and form.caps_label.isHidden()
        qtbot.keyClicks(form.first, "P")  # upper case without Shift: Caps Lock
        assert not form.caps_label.isHidden()
        qtbot.keyClicks(form.second, "p")
        assert form.caps_label.isHidden()
        form.show_check.setChecked(True)
        assert form.first.echoMode() == form.second.echoMode() == QLineEdit.EchoMode.Normal
        form.clear()
        assert form.first.echoMode() == QLineEdit.EchoMode.Password and not form.first.text()
        assert not form.show_check.isChecked() and form.caps_label.isHidden()
        form.window().hide()


def test_vault_care_dialogs_share_the_busy_work_and_show_a_refusal(
    qtbot, unlocked_window, tmp_path
) -> None:
    """Backup, change passphrase and new recovery key run their work the same way: busy while
    it runs, then the core's refusal shown and the dialog usable again."""
    from ui import care_menu

    window = unlocked_window
    care_menu.open_backup(window)
    backup = window.backup_dialog
    backup.path_edit.setText(str(tmp_path / "no such folder" / "fictional.cdbackup"))
    backup.submit()
    assert backup.progress.isVisibleTo(backup) and not backup.ok_button.isEnabled()
    assert not backup.path_edit.isEnabled()
    qtbot.waitUntil(backup.ok_button.isEnabled, timeout=20_000)
    assert backup.message.text() and backup.path_edit.isEnabled()
    assert not backup.progress.isVisibleTo(backup)
    backup.reject()

    care_menu.open_new_recovery_key(window)
    renew = window.new_recovery_key_dialog
    renew.passphrase_edit.setText("not the fictional passphrase")
    renew.submit()
    assert renew.progress.isVisibleTo(renew) and not renew.ok_button.isEnabled()
    qtbot.waitUntil(renew.ok_button.isEnabled, timeout=20_000)
    assert renew.message.text() and not renew.passphrase_edit.text()
    assert renew.isVisible() and window.ctx.unlocked  # nothing done
    renew.reject()
