"""Bad input and refusals reach the clinician as plain words, and nothing typed is lost."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt

from clinician_desk.domain.students import StudentInput
from clinician_desk.errors import ValidationError
from ui.tasks import generic_error_text


def _student(window, consent=None):
    services = window.ctx.services
    return window.ctx.tasks.call_db_blocking(
        lambda: services.record.create_student(
            StudentInput(
                legal_first_name="Nobody",
                legal_last_name="Inparticular",
                date_of_birth=date(2011, 4, 1),
                grade="9",
                school_cds="99123450000001",
                consent_basis=consent,
            ),
            school_name="Imaginary High",
        )
    )


def test_personalized_handout_without_basis_is_refused_in_plain_words(qtbot, unlocked_window):
    window = unlocked_window
    student_id = _student(window)
    window.open_student(student_id)
    qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)
    assert "Consent incomplete" not in window.student_page.profile.toPlainText()
    window.open_print(student_id, "personal_handout")
    page = window.print_page
    page.topic_combo.setCurrentIndex(page.topic_combo.findData("anxiety"))
    page.language_combo.setCurrentIndex(page.language_combo.findData("en"))
    qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "basis" in page.message.text(), timeout=20_000)
    assert page.pdf_bytes is None and not page.print_button.isEnabled()
    assert "Traceback" not in page.message.text()


def test_session_with_no_note_selected_and_unknown_school_are_explained(qtbot, unlocked_window):
    window = unlocked_window
    student_id = _student(window, consent="parent_consent")
    window.open_student(student_id)
    qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)
    window.open_print(student_id, "session_summary")
    page = window.print_page
    qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Select a session" in page.message.text(), timeout=20_000)
    # A note for a school the vault does not know is refused by the core, form kept.
    window.new_note(student_id)
    editor = window.note_page
    editor.school_cds = "99999999999999"
    qtbot.mouseClick(editor.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "school" in editor.status_label.text().lower(), timeout=20_000)
    assert editor.tabs.count() == 0 and editor.start_button.isEnabled()


def test_unexpected_errors_show_a_generic_message_not_a_traceback(qtbot, unlocked_window, caplog):
    window = unlocked_window
    shown: list[str] = []
    window.ctx.tasks.default_error_handler = shown.append

    def broken(_control):
        secret = "".join(["Fictional", " Student Name"])
        raise KeyError(secret)

    window.ctx.tasks.run_db(broken, context=window)
    window.ctx.tasks.run_db(
        lambda _c: (_ for _ in ()).throw(ValidationError("End time is before start time.")),
        context=window,
    )
    assert window.ctx.tasks.wait_idle()
    assert generic_error_text() in shown and "End time is before start time." in shown
    assert "Fictional Student Name" not in caplog.text


def test_excepthook_logs_type_only_and_shows_generic(qtbot, caplog):
    import sys

    from ui.app import install_excepthook

    shown: list[str] = []
    old_hook, old_thread_hook = sys.excepthook, __import__("threading").excepthook
    try:
        install_excepthook(shown.append)
        secret = "Zzyz fictional secret"[::-1][::-1]
        try:
            raise RuntimeError(secret)
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
        try:
            raise ValidationError("Grade must be TK, K or 1-12.")
        except ValidationError:
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook = old_hook
        __import__("threading").excepthook = old_thread_hook
    assert shown == [generic_error_text(), "Grade must be TK, K or 1-12."]
    assert "RuntimeError" in caplog.text and "fictional secret" not in caplog.text


def test_backoff_countdown_is_visible_and_recovery_key_unlocks(qtbot, unlocked_window, clock):
    window = unlocked_window
    window.session.lock()
    assert window.stack.currentWidget() is window.unlock_page
    unlock = window.unlock_page
    for attempt in range(8):
        if unlock._retry_at is not None:
            break
        unlock.passphrase_edit.setText(f"wrong fictional guess {attempt}")
        unlock.try_unlock()
        qtbot.waitUntil(
            lambda: unlock.unlock_button.isEnabled() or unlock._retry_at is not None,
            timeout=20_000,
        )
    assert unlock._retry_at is not None, "backoff never started"
    assert "try again in" in unlock.countdown_label.text()
    assert not unlock.unlock_button.isEnabled()
    first = unlock.countdown_label.text()
    clock.advance(1)
    unlock._tick()
    assert unlock.countdown_label.text() != first  # it counts down on screen
    clock.advance(3600)
    unlock._tick()
    assert unlock.unlock_button.isEnabled() and unlock.countdown_label.text() == ""
