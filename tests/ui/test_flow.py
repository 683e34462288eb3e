"""The clinician's day end to end with qtbot, on a real vault in tmp_path.

first run -> add student -> write and sign a note -> addendum -> PHQ-A with item 9 positive ->
safety workflow enforced -> print preview -> auto-lock with a fake clock -> unlock. Each main
screen is saved as a PNG under test-artifacts/ui/.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from tests.support.ui import PASSPHRASE, grab
from ui.dialogs.addendum_dialog import AddendumDialog
from ui.dialogs.safety_workflow_dialog import SafetyWorkflowDialog
from ui.dialogs.student_dialog import StudentDialog
from ui.widgets import confirm

SCHOOL = "99123450000001"


def run_first_run(qtbot, window, artifacts_dir):
    wizard = window.wizard
    assert window.stack.currentWidget() is wizard
    assert wizard.profile_page.profile_edit.text() == "default"
    grab(window, artifacts_dir, "01_setup_welcome")
    wizard.next()
    assert wizard.currentPage() is wizard.clinician_page
    assert not wizard.clinician_page.isComplete()  # the name is asked, not optional
    wizard.clinician_page.fields.name_edit.setText("Alex Sample")
    wizard.clinician_page.fields.credential_edit.setText("AMFT")
    wizard.next()
    fields = wizard.passphrase_page.fields
    fields.first.setText("short")
    assert not wizard.passphrase_page.isComplete()
    assert "12" in fields.message.text()
    fields.first.setText(PASSPHRASE)
    fields.second.setText(PASSPHRASE + "x")
    assert not wizard.passphrase_page.isComplete()
    assert "do not match" in fields.message.text()
    fields.second.setText(PASSPHRASE)
    assert wizard.passphrase_page.isComplete()
    grab(window, artifacts_dir, "02_setup_passphrase")
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.recovery_page, timeout=20_000)
    recovery = wizard.recovery_page.key_label.text()
    assert len(recovery.replace("-", "").replace(" ", "")) >= 40
    assert not wizard.recovery_page.isComplete()
    grab(window, artifacts_dir, "03_setup_recovery_key")
    wizard.recovery_page.kept_check.setChecked(True)
    wizard.next()
    assert wizard.currentPage() is wizard.enroll_page
    qtbot.waitUntil(lambda: window.ctx.unlocked, timeout=20_000)
    wizard.accept()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.workspace, timeout=20_000)
    return recovery


def add_student(qtbot, window, artifacts_dir):
    page = window.caseload_page
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    dialog = page.findChild(StudentDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.first_edit.setText("Testy")
    dialog.last_edit.setText("McFakeface")
    dialog.preferred_edit.setText("Tess")
    dialog.grade_combo.setCurrentText("7")
    dialog.dob_edit.setText("2012-01-01")
    dialog.school_combo.setEditText("not a code")
    dialog.consent_combo.setCurrentIndex(dialog.consent_combo.findData("parent_consent"))
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: dialog.message.text() != "", timeout=20_000)
    assert "CDS" in dialog.message.text() and dialog.isVisible()  # refused, nothing lost
    assert dialog.first_edit.text() == "Testy"
    dialog.school_combo.setEditText(SCHOOL)
    dialog.school_name_edit.setText("Imaginary Oaks Middle")
    dialog.guardian_name_edit.setText("Pat McFakeface")
    dialog.guardian_language_edit.setText("es")
    grab(dialog, artifacts_dir, "04_add_student")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)
    assert window.page_stack.currentWidget() is window.student_page
    assert "Tess McFakeface" in window.student_page.header.text()


def write_and_sign_note(qtbot, window, artifacts_dir):
    student = window.student_page
    qtbot.mouseClick(student.new_note_button, Qt.MouseButton.LeftButton)
    editor = window.note_page
    assert window.page_stack.currentWidget() is editor
    editor.form.minutes_spin.setValue(40)
    qtbot.mouseClick(editor.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.tabs.count() == 1, timeout=20_000)
    note = editor.current_note()
    note.editors["subjective"].setPlainText("Student reports feeling calmer (fictional).")
    note.editors["objective"].setPlainText("Engaged, good eye contact.")
    note.editors["assessment"].setPlainText("Progressing toward goals.")
    note.editors["plan"].setPlainText("Continue weekly sessions.")
    editor.save_draft_now()
    window.ctx.tasks.wait_idle()
    grab(window, artifacts_dir, "05_note_editor")
    confirm.set_next_answers(False)
    qtbot.mouseClick(editor.sign_button, Qt.MouseButton.LeftButton)
    assert editor.tabs.count() == 1  # declined: still editing
    confirm.set_next_answers(True)
    qtbot.mouseClick(editor.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.page_stack.currentWidget() is student, timeout=20_000)
    qtbot.waitUntil(lambda: student.sessions_model.rowCount() == 1, timeout=20_000)
    assert student.sessions_model.row_at(0).note_status == "signed"
    assert any("locks this note" in q for q in confirm.asked)


def add_addendum(qtbot, window, artifacts_dir):
    student = window.student_page
    student.sessions_view.selectRow(0)
    qtbot.waitUntil(lambda: "calmer" in student.note_view.toPlainText(), timeout=20_000)
    assert student.addendum_button.isEnabled()
    qtbot.mouseClick(student.addendum_button, Qt.MouseButton.LeftButton)
    dialog = student.findChild(AddendumDialog)
    dialog.body_edit.setPlainText("Correction: session was 40 minutes (fictional).")
    confirm.set_next_answers(True)
    finished: list[int] = []  # the dialog deletes itself on close: its result comes by signal
    dialog.finished.connect(finished.append)
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: bool(finished), timeout=20_000)
    assert finished == [QDialog.DialogCode.Accepted.value]
    qtbot.waitUntil(
        lambda: (
            student.sessions_model.rowCount() == 1 and student.sessions_model.row_at(0).addenda == 1
        ),
        timeout=20_000,
    )
    student.sessions_view.selectRow(0)
    qtbot.waitUntil(lambda: "Correction" in student.note_view.toPlainText(), timeout=20_000)
    grab(window, artifacts_dir, "06_student_page")


def administer_phq_a_with_item_9_positive(qtbot, window, artifacts_dir):
    student = window.student_page
    qtbot.mouseClick(student.screening_button, Qt.MouseButton.LeftButton)
    page = window.screening_page
    assert window.page_stack.currentWidget() is page
    page.select_instrument("PHQ-A")
    qtbot.mouseClick(page.begin_button, Qt.MouseButton.LeftButton)
    shots = 0
    while page.stack.currentIndex() == 1:
        item = page.flow.current
        values = [o.value for o in item.options]
        wanted = 1 if item.id == "9" else ("no" if "no" in values else values[0])
        button = page.option_buttons()[values.index(wanted)]
        assert button.isVisible() and button.font().pointSize() >= 18  # large type for a student
        if shots == 0:
            grab(window, artifacts_dir, "10_screening_item")
            shots += 1
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert page.stack.currentIndex() == 2
    qtbot.waitUntil(lambda: page.findChild(SafetyWorkflowDialog) is not None, timeout=20_000)
    dialog = page.findChild(SafetyWorkflowDialog)
    assert dialog.isVisible() and not page.close_button.isEnabled()
    assert "9" in page.result_label.text() or "Critical" in page.result_label.text()
    dialog.reject()  # Escape / window close: refused while unrecorded
    assert dialog.isVisible() and "must be recorded" in dialog.message.text()
    window.nav.setCurrentRow(0)  # try to leave for the caseload: refused
    assert window.page_stack.currentWidget() is page
    qtbot.waitUntil(
        lambda: window.findChild(QMessageBox, "error_message_box") is not None, timeout=20_000
    )
    window.findChild(QMessageBox, "error_message_box").done(0)
    grab(dialog, artifacts_dir, "11_safety_workflow")
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)  # nothing filled in
    qtbot.waitUntil(lambda: "risk outcome" in dialog.message.text(), timeout=20_000)
    assert dialog.isVisible()
    dialog.risk_combo.setCurrentIndex(dialog.risk_combo.findData("moderate"))
    dialog.step_edits["warning_signs"].setPlainText("Staying in room (fictional)")
    dialog.step_edits["professionals"].setPlainText("School clinician")
    dialog.decision_combo.setCurrentIndex(dialog.decision_combo.findData("notified"))
    dialog.rationale_edit.setText("Guardian reached by phone; agreed to plan (fictional).")
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.close_button.isEnabled(), timeout=20_000)
    assert page.can_leave()
    grab(window, artifacts_dir, "12_screening_result")
    qtbot.mouseClick(page.close_button, Qt.MouseButton.LeftButton)
    assert window.page_stack.currentWidget() is student
    qtbot.waitUntil(lambda: student.instrument_combo.count() == 1, timeout=20_000)
    assert student.chart.points and student.chart.points[-1][1] >= 1
    student.tabs.setCurrentIndex(1)
    grab(window, artifacts_dir, "13_student_screenings")
    student.tabs.setCurrentIndex(0)


def print_preview(qtbot, window, artifacts_dir):
    window.student_page.sessions_view.selectRow(0)
    qtbot.mouseClick(window.student_page.print_button, Qt.MouseButton.LeftButton)
    page = window.print_page
    assert window.page_stack.currentWidget() is page
    page.document_combo.setCurrentIndex(page.document_combo.findData("session_summary"))
    qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.pdf_bytes is not None, timeout=20_000)
    assert page.pdf_bytes.startswith(b"%PDF")
    # Personalized handout in the guardian's language (es, a draft translation: confirmed).
    page.document_combo.setCurrentIndex(page.document_combo.findData("personal_handout"))
    page.topic_combo.setCurrentIndex(page.topic_combo.findData("sleep"))
    page.language_combo.setCurrentIndex(0)
    confirm.set_next_answers(True)
    qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.pdf_bytes is not None, timeout=20_000)
    assert any("draft" in q.lower() for q in confirm.asked)
    page.document_combo.setCurrentIndex(page.document_combo.findData("generic_handout"))
    page.topic_combo.setCurrentIndex(page.topic_combo.findData("anxiety"))
    page.language_combo.setCurrentIndex(page.language_combo.findData("en"))
    qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.pdf_bytes is not None, timeout=20_000)
    assert page.pdf_bytes.startswith(b"%PDF")
    assert page.view.document().pageCount() >= 1
    # QPdfView renders pages on its own thread: wait until text shows in the viewport.
    qtbot.waitUntil(lambda: has_dark_pixels(page.view.viewport()), timeout=20_000)
    grab(window, artifacts_dir, "07_print_centre")


def has_dark_pixels(widget) -> bool:
    image = widget.grab().toImage().scaled(120, 120)
    return any(image.pixelColor(x, y).lightness() < 100 for x in range(120) for y in range(120))


def auto_lock_and_unlock(qtbot, window, clock, artifacts_dir):
    window.ctx.clipboard.copy("Continue weekly sessions.")
    clock.advance(299)
    window.session.watcher.check()
    assert window.ctx.unlocked
    clock.advance(2)
    window.session.watcher.check()
    assert not window.ctx.unlocked and window.ctx.key is None
    assert window.stack.currentWidget() is window.unlock_page
    assert window.student_page.sessions_model.rowCount() == 0  # nothing left on screen
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == ""
    grab(window, artifacts_dir, "08_unlock")
    unlock = window.unlock_page
    unlock.passphrase_edit.setText("wrong fictional passphrase")
    qtbot.mouseClick(unlock.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not correct" in unlock.message_label.text(), timeout=20_000)
    unlock.passphrase_edit.setText(PASSPHRASE)
    qtbot.mouseClick(unlock.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.workspace, timeout=20_000)
    qtbot.waitUntil(lambda: window.caseload_page.model.rowCount() == 1, timeout=20_000)
    grab(window, artifacts_dir, "09_caseload")


def test_clinicians_day(qtbot, window, clock, artifacts_dir):
    run_first_run(qtbot, window, artifacts_dir)
    add_student(qtbot, window, artifacts_dir)
    write_and_sign_note(qtbot, window, artifacts_dir)
    add_addendum(qtbot, window, artifacts_dir)
    administer_phq_a_with_item_9_positive(qtbot, window, artifacts_dir)
    print_preview(qtbot, window, artifacts_dir)
    auto_lock_and_unlock(qtbot, window, clock, artifacts_dir)


def test_print_job_paints_every_page_to_a_pdf_printer(qtbot, tmp_path):
    from pypdf import PdfReader
    from PySide6.QtPrintSupport import QPrinter

    from clinician_desk.reports.handout import render_handout
    from ui.print_job import PrintJob

    data = render_handout("anxiety", "en")
    out = tmp_path / "printed.pdf"  # a generic handout: no student data
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    job = PrintJob(data, printer)
    progress: list[tuple[int, int]] = []
    job.progress.connect(lambda d, t: progress.append((d, t)))
    with qtbot.waitSignal(job.finished, timeout=60_000) as blocker:
        job.start()
    assert blocker.args == [True]
    pages = job.page_count
    assert pages >= 1 and progress[-1] == (pages, pages)
    assert len(PdfReader(str(out)).pages) == pages


def test_print_job_cancel_stops(qtbot, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    from clinician_desk.reports.handout import render_handout
    from ui.print_job import PrintJob

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "cancelled.pdf"))
    job = PrintJob(render_handout("sleep", "en"), printer)
    job.cancel()
    with qtbot.waitSignal(job.finished, timeout=30_000) as blocker:
        job.start()
    assert blocker.args == [False]
