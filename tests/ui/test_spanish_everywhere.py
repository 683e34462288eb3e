"""Under ``--lang es`` no English on any page or dialog.

The app runs with the Spanish catalogue and Qt's own Spanish (``qtbase_es.qm``). The test walks
the first-run wizard, the unlock page, every workspace page with a student open, and every dialog
in ``DIALOGS``. On each screen it collects every text a person sees or hears: labels, buttons,
titles, items, table cells and headers, placeholders, tooltips and accessible names. Any string
that is English fails the test (see ``tests/support/spanish_ui.py`` for how that is judged); the
failure lists the screen, the widget and the string.

**A new dialog gets one entry in ``DIALOGS``**: a name and a function that opens it from the
unlocked window with the fictional student open. The function may call ``open()``, ``show()``
or ``exec()``. The test collects from the first new visible dialog and closes it. A dialog
worth checking in a later state (a wizard's report page, a refusal shown inside the dialog)
gets an entry in ``DIALOG_STATES`` instead: a function ``(qtbot, window, tmp_path)`` that opens
the dialog, drives it there and returns it. The test collects from it and closes it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from clinician_desk.domain.students import StudentInput
from clinician_desk.errors import ValidationError
from tests.support.spanish_ui import english_on_screen, spanish_catalogue
from tests.support.ui import PASSPHRASE
from ui import care_menu, i18n
from ui.widgets import confirm

Opener = Callable[[QWidget], object]


def _core_refusal(window: QWidget) -> None:
    """A refusal from the core, shown the way the app shows errors (the CDS rule)."""
    from clinician_desk.domain.students import validate_cds_code

    try:
        validate_cds_code("12")
    except ValidationError as exc:
        window.ctx.tasks.default_error_handler(exc.message)


def _handoff_export(window) -> None:
    from ui.dialogs.handoff_export_dialog import HandoffExportDialog

    HandoffExportDialog(window.ctx, window.caseload_page.selected_students() or [], window).open()


def _handoff_lookup(window) -> None:
    from ui.dialogs.handoff_lookup_dialog import HandoffLookupDialog

    HandoffLookupDialog(window.ctx, window).open()


def _integrity_warning(window) -> None:
    """The warning the unlock check shows, with a real finding of the core's."""
    from ui.dialogs.integrity_warning import show_integrity_warnings

    show_integrity_warnings(window, _INTEGRITY_FINDINGS or ["?"])


def _addendum(window) -> None:
    from ui.dialogs.addendum_dialog import AddendumDialog

    AddendumDialog(window.ctx, window.note_page.open_note_ids()[0], window).open()


def _referral_status(window) -> None:
    page = window.student_page
    page.referrals_view.selectRow(0)
    page.record_actions.change_referral_status()


def _safety_flag(window) -> None:
    panel = window.student_page.follow_ups
    panel.view.activated.emit(panel.model.index(0, 0))


def _safety_workflow(window) -> None:
    from ui.dialogs.safety_workflow_dialog import SafetyWorkflowDialog

    SafetyWorkflowDialog(window.ctx, window.student_page.student_id, 1, None, window).open()


_INTEGRITY_FINDINGS: list[str] = []

DIALOGS: list[tuple[str, Opener]] = [
    ("add student", lambda w: w.caseload_page.add_student()),
    ("edit student", lambda w: w.student_page.edit_student()),
    ("new referral", lambda w: w.student_page.record_actions.new_referral_action.trigger()),
    ("safety plan", lambda w: w.student_page.record_actions.safety_plan_action.trigger()),
    (
        "mandated reports",
        lambda w: w.student_page.record_actions.mandated_report_action.trigger(),
    ),
    ("drafts", lambda w: w.drafts_action.trigger()),
    ("search notes", lambda w: w.find_action.trigger()),
    ("import roster", lambda w: w.import_roster_action.trigger()),
    ("core refusal message", _core_refusal),
    ("sign and lock question", lambda w: w.note_page.sign()),  # a note is open by then
    ("destroy record", lambda w: w.student_page.destroy_button.open_dialog()),
    ("clinician check (end a screening)", lambda w: w.screening_page.ask_clinician()),
    ("profile", care_menu.open_profile),
    ("change passphrase", care_menu.open_change_passphrase),
    ("back up the vault", care_menu.open_backup),
    ("restore from a backup", care_menu.open_restore),
    ("new recovery key", care_menu.open_new_recovery_key),
    ("user guide", care_menu.open_help),
    ("caseload handoff", lambda w: w.handoff_action.trigger()),
    ("hand off to a colleague", lambda w: _handoff_export(w)),
    ("find a colleague", lambda w: _handoff_lookup(w)),
    ("use recovery key", lambda w: w.use_recovery_key("default")),
    ("integrity warning", lambda w: _integrity_warning(w)),
    ("addendum", lambda w: _addendum(w)),
    ("referral status", lambda w: _referral_status(w)),
    ("safety flag", lambda w: _safety_flag(w)),
    ("safety workflow", lambda w: _safety_workflow(w)),
]


def _roster_with_problems(qtbot, window, tmp_path):
    """The roster wizard's check page listing a bundle's problems (core messages)."""
    from tests.support.oneroster import bundle_11, replace_line, write_zip
    from ui.dialogs.roster_import_wizard import RosterImportWizard

    files = bundle_11()
    files["demographics.csv"] = replace_line(
        files["demographics.csv"], 2, "u-1,,,2019-02-30,,,,,,,,,,,,"
    )
    files["users.csv"] = files["users.csv"].replace(b",KG,", b",PK,")
    window.import_roster_action.trigger()
    wizard = [w for w in window.findChildren(RosterImportWizard) if w.isVisible()][-1]
    wizard.source_page.file_edit.setText(str(write_zip(tmp_path / "bundle.zip", files)))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.check_page.again_button.isEnabled(), timeout=20_000)
    assert "birthDate" in wizard.check_page.report_edit.toPlainText()
    return wizard


def _roster_refused(qtbot, window, tmp_path):
    """The roster wizard refusing a broken bundle as a whole (a core refusal)."""
    from tests.support.oneroster import bundle_11, write_zip
    from ui.dialogs.roster_import_wizard import RosterImportWizard

    files = bundle_11()
    del files["orgs.csv"]
    window.import_roster_action.trigger()
    wizard = [w for w in window.findChildren(RosterImportWizard) if w.isVisible()][-1]
    wizard.source_page.file_edit.setText(str(write_zip(tmp_path / "broken.zip", files)))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.check_page.again_button.isEnabled(), timeout=20_000)
    assert "orgs.csv" in wizard.check_page.report_edit.toPlainText()
    return wizard


def _referral_refused(qtbot, window, tmp_path):
    """A new referral whose follow-up date is before the referral date: the core refuses."""
    from PySide6.QtCore import QDate

    from ui.dialogs.referral_dialog import ReferralDialog

    window.student_page.record_actions.new_referral_action.trigger()
    dialog = [d for d in window.findChildren(ReferralDialog) if d.isVisible()][-1]
    dialog.follow_up_edit.setDate(dialog.date_edit.date().addDays(-3))
    assert isinstance(dialog.follow_up_edit.date(), QDate)
    dialog.submit()
    qtbot.waitUntil(lambda: bool(dialog.message.text()), timeout=10_000)
    return dialog


def _recovery_key_typo(qtbot, window, tmp_path):
    """The recovery-key dialog saying which group of a typed key is wrong (a core message)."""
    from clinician_desk.vault.recovery_text import format_recovery_key
    from ui.dialogs.recovery_dialog import RecoveryKeyDialog

    dialog = RecoveryKeyDialog(window.ctx, "default", window)
    typed = list(format_recovery_key(bytes(range(32))))
    typed[1] = "0" if typed[1] != "0" else "1"  # one typo in the first group
    dialog.recovery_edit.setPlainText("".join(typed))
    dialog.fields.first.setText(PASSPHRASE + " new")
    dialog.fields.second.setText(PASSPHRASE + " new")
    dialog.open()
    dialog.submit()
    qtbot.waitUntil(lambda: "1" in dialog.message.text(), timeout=10_000)
    return dialog


def _destroy_refused(qtbot, window, tmp_path):
    """Destroying a record whose services have not ended: the core refuses."""
    from ui.dialogs.retention_dialog import RetentionDialog

    student_id = window.student_page.student_id
    dialog = RetentionDialog(window.ctx, student_id, "2040-01-01", window)
    dialog.open()
    dialog.confirm_edit.setText(str(student_id))
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.buttons.isEnabled(), timeout=10_000)
    assert str(student_id) in dialog.message.text()
    return dialog


DIALOG_STATES: list[tuple[str, Callable[..., QWidget]]] = [
    ("import roster: problems listed", _roster_with_problems),
    ("import roster: bundle refused", _roster_refused),
    ("new referral: refused by the core", _referral_refused),
    ("use recovery key: a typo", _recovery_key_typo),
    ("destroy record: refused by the core", _destroy_refused),
]


@pytest.fixture
def spanish():
    i18n.install("es")
    i18n.install_qt("es")
    try:
        yield spanish_catalogue()
    finally:
        i18n.install("en")
        i18n.install_qt("en")


def _dialogs() -> set[int]:
    return {id(w) for w in QApplication.topLevelWidgets() if isinstance(w, QDialog)}


def _collect_dialog(qtbot, window, name: str, opener: Opener, catalogue) -> list[str]:
    before = _dialogs()
    found: dict[str, list[str]] = {}
    tries = [0]

    def grab() -> None:
        shown = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QDialog) and w.isVisible() and id(w) not in before
        ]
        if not shown:
            tries[0] += 1
            if tries[0] < 200:
                QTimer.singleShot(25, grab)
            return
        dialog = shown[-1]
        found["offences"] = english_on_screen(dialog, f"dialog {name!r}", catalogue)
        dialog.reject()

    QTimer.singleShot(0, grab)
    opener(window)
    qtbot.waitUntil(lambda: "offences" in found or tries[0] >= 200, timeout=10_000)
    assert "offences" in found, f"dialog {name!r} did not open"
    window.ctx.tasks.wait_idle(10_000)
    return found["offences"]


def _student(window) -> int:
    services = window.ctx.services
    return window.ctx.tasks.call_db_blocking(
        lambda: services.record.create_student(
            StudentInput(
                legal_first_name="Zorba",
                legal_last_name="Quixxo",
                date_of_birth=date(2012, 2, 2),
                grade="8",
                school_cds="99123450000001",
                consent_basis="parent_consent",
            ),
            school_name="Escuela Imaginaria",
        )
    )


def _follow_ups(window, student_id: int) -> None:
    """A referral and a safety flag to open their dialogs, a scored screening (its band on the
    student page), and a real integrity finding."""
    from clinician_desk.domain.referrals import ReferralInput
    from clinician_desk.storage import headmark

    services = window.ctx.services
    today = window.ctx.clock.now().astimezone().date()
    window.ctx.tasks.call_db_blocking(
        lambda: services.record.create_referral(
            ReferralInput(student_id, "school_team", "", today, "behavior")
        )
    )
    window.ctx.tasks.call_db_blocking(
        lambda: services.record.open_safety_flag(student_id, source="manual", reason="Prueba")
    )
    from clinician_desk.services.screenings.use_cases import AdministrationInput

    mild = {str(i): 1 for i in range(1, 8)}  # GAD-7 total 7: the band "mild"
    window.ctx.tasks.call_db_blocking(
        lambda: services.screenings.record(AdministrationInput(student_id, "GAD-7", today, mild))
    )
    finding = window.ctx.tasks.call_db_blocking(
        lambda: headmark.missing(services.db.conn, Path("/datos/boveda/boveda.cdhead"), True)
    )
    _INTEGRITY_FINDINGS[:] = [finding]


def _window(qtbot, build_window, ui_context):
    window = build_window(ui_context, idle=300)
    qtbot.addWidget(window)
    window.resize(1100, 720)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.mark.slow  # ~6 s: two windows, every page and every dialog
def test_no_english_on_any_page_or_dialog(qtbot, ui_context, spanish, tmp_path):
    from ui.app import build_window

    catalogue = spanish
    offences: list[str] = []
    first_run = _window(qtbot, build_window, ui_context)
    offences += english_on_screen(first_run, "first-run wizard", catalogue)
    wizard = first_run.wizard
    for page_id in wizard.pageIds()[1:]:
        page = wizard.page(page_id)
        offences += english_on_screen(page, f"first-run wizard {type(page).__name__}", catalogue)
    first_run.hide()
    from clinician_desk.vault import create_vault
    from tests.support.ui import CHEAP_KDF

    key, _recovery = create_vault(
        ui_context.paths.vault("default"), PASSPHRASE, clock=ui_context.clock, kdf=CHEAP_KDF
    )
    window = _window(qtbot, build_window, ui_context)
    offences += english_on_screen(window, "unlock page", catalogue)
    window.session.open("default", key, create=True)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.workspace, timeout=20_000)
    student_id = _student(window)
    _follow_ups(window, student_id)
    window.caseload_page.activate()
    qtbot.waitUntil(lambda: window.caseload_page.model.rowCount() == 1, timeout=20_000)
    offences += english_on_screen(window, "page caseload", catalogue)
    window.open_student(student_id)
    qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)
    offences += english_on_screen(window, "page student", catalogue)
    student = window.student_page
    qtbot.waitUntil(lambda: student.trend_model.rowCount() == 1, timeout=20_000)
    for tab in range(1, student.tabs.count()):  # screenings (the score's band), referrals, …
        student.tabs.setCurrentIndex(tab)
        offences += english_on_screen(window, f"page student, tab {tab}", catalogue)
    student.tabs.setCurrentIndex(0)
    for page in window.pages[2:]:
        window.nav.setCurrentRow(window.pages.index(page))
        window.ctx.tasks.wait_idle(10_000)
        offences += english_on_screen(window, f"page {type(page).__name__}", catalogue)
    # Enrolling with an address the core refuses (sync transport).
    sync = window.sync_page
    window.nav.setCurrentRow(window.pages.index(sync))
    sync.server_edit.setText("http://counts.example.org")
    sync.enroll("FICTIONAL-CODE")
    qtbot.waitUntil(lambda: sync.enroll_button.isEnabled(), timeout=20_000)
    assert "https" in sync.message.text()
    offences += english_on_screen(window, "sync page: enrolment refused", catalogue)
    # A screening in progress (the kiosk view), then the print centre showing a preview.
    window.start_screening(student_id)
    window.screening_page.begin()
    offences += english_on_screen(window, "screening in progress", catalogue)
    window.screening_page.abandon()
    window.open_print(student_id, "generic_handout")
    printing = window.print_page
    printing.topic_combo.setCurrentIndex(max(printing.topic_combo.findData("anxiety"), 0))
    printing.preview()
    qtbot.waitUntil(lambda: printing.pdf_bytes is not None, timeout=20_000)
    offences += english_on_screen(window, "print preview", catalogue)
    window.open_print(student_id, "safety_plan")  # no plan yet: the core refuses
    printing.preview()
    qtbot.waitUntil(lambda: printing.preview_button.isEnabled(), timeout=20_000)
    offences += english_on_screen(window, "print centre: refused by the core", catalogue)
    # A note started: its section editors, then the core refusing to sign it empty.
    window.new_note(student_id)
    editor = window.note_page
    qtbot.waitUntil(editor.start_button.isEnabled, timeout=20_000)
    editor.start_note()
    qtbot.waitUntil(lambda: editor.tabs.count() == 1, timeout=20_000)
    offences += english_on_screen(window, "page note editor with a note", catalogue)
    confirm.set_next_answers(True)
    editor.sign()
    qtbot.waitUntil(lambda: bool(editor.status_label.text()), timeout=20_000)
    offences += english_on_screen(window, "page note editor after a refusal", catalogue)
    window.open_student(student_id)
    window.ctx.tasks.wait_idle(10_000)
    for name, opener in DIALOGS:
        offences += _collect_dialog(qtbot, window, name, opener, catalogue)
    for name, drive in DIALOG_STATES:
        dialog = drive(qtbot, window, tmp_path)
        offences += english_on_screen(dialog, f"dialog {name!r}", catalogue)
        dialog.reject()
        window.ctx.tasks.wait_idle(10_000)
    window.lock_action.trigger()
    qtbot.waitUntil(lambda: not window.ctx.unlocked, timeout=20_000)
    offences += english_on_screen(window, "unlock page after a lock", catalogue)
    unlock = window.unlock_page
    unlock.passphrase_edit.setText("not the fictional passphrase")
    unlock.try_unlock()
    qtbot.waitUntil(lambda: unlock.unlock_button.isEnabled(), timeout=20_000)
    qtbot.waitUntil(lambda: bool(unlock.message_label.text()), timeout=20_000)
    offences += english_on_screen(window, "unlock page after a wrong passphrase", catalogue)
    assert not offences, f"{len(offences)} English string(s) under --lang es:\n" + "\n".join(
        sorted(set(offences))
    )
