"""Inactivity lock with a fake clock, the clipboard guard, window settings and translations."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox, QSplitter, QWidget

from clinician_desk.clock import FakeClock
from ui import i18n
from ui.lock import ClipboardGuard, InactivityWatcher, close_open_dialogs
from ui.settings import WindowSettings


def test_idle_timeout_fires_after_limit_and_input_resets_it(qtbot):
    clock = FakeClock()
    watcher = InactivityWatcher(clock, idle_seconds=300)
    watcher.start()
    fired: list[bool] = []
    watcher.idle_timeout.connect(lambda: fired.append(True))
    clock.advance(299)
    watcher.check()
    assert fired == []
    target = QWidget()
    QApplication.sendEvent(
        target, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier)
    )
    clock.advance(200)
    watcher.check()
    assert fired == []  # the key press restarted the countdown
    clock.advance(101)
    watcher.check()
    watcher.check()
    assert fired == [True]  # exactly once
    watcher.stop()


def test_idle_limit_has_a_floor_of_one_minute(qtbot):
    watcher = InactivityWatcher(FakeClock(), idle_seconds=5)
    assert watcher.idle_seconds == 60


def test_clipboard_cleared_after_30_seconds_only_if_still_ours(qtbot):
    clock = FakeClock()
    guard = ClipboardGuard(clock)
    clipboard = QGuiApplication.clipboard()
    guard.copy("Follow-up on Thursday (fictional)")
    clock.advance(29)
    guard.check()
    assert clipboard.text() == "Follow-up on Thursday (fictional)"
    clock.advance(1)
    guard.check()
    assert clipboard.text() == ""
    guard.copy("ours")
    clipboard.setText("copied from another program")
    guard.clear_if_ours()
    assert clipboard.text() == "copied from another program"


def test_close_open_dialogs(qtbot):
    box = QMessageBox(QMessageBox.Icon.Information, "t", "fictional")
    box.show()
    qtbot.addWidget(box)
    assert close_open_dialogs() >= 1
    assert not box.isVisible()


def test_window_settings_round_trip_and_hold_only_layout(qtbot, tmp_path):
    ini = tmp_path / "ui.ini"
    window = QMainWindow()
    qtbot.addWidget(window)
    splitter = QSplitter()
    splitter.addWidget(QWidget())
    splitter.addWidget(QWidget())
    window.setCentralWidget(splitter)
    window.resize(610, 430)  # inside the offscreen 800x600 screen
    window.show()
    qtbot.waitExposed(window)
    saved_width = window.width()
    settings = WindowSettings(ini)
    settings.save_window(window)
    settings.save_splitter("student", splitter)
    settings.set_last_profile("default")
    settings.sync()
    again = QMainWindow()
    qtbot.addWidget(again)
    assert WindowSettings(ini).restore_window(again)
    again.show()
    qtbot.waitExposed(again)
    assert again.width() == saved_width
    assert sorted(WindowSettings(ini).keys()) == [
        "splitters/student",
        "unlock/last_profile",
        "window/geometry",
        "window/state",
    ]


def test_spanish_catalogue_and_pseudo_locale():
    es = i18n.load_language("es")
    assert es.gettext("Unlock") == "Desbloquear"
    assert es.gettext("no such string (fictional)") == "no such string (fictional)"
    assert es.ngettext("{shown} of {total} student", "{shown} of {total} students", 3) == (
        "{shown} de {total} estudiantes"
    )
    pseudo = i18n.load_language("pseudo")
    text = pseudo.gettext("Sign & Lock")
    assert len(text) > len("Sign & Lock") * 1.3 and "Sîgñ" in text
    assert pseudo.gettext("{n} pending").format(n=3).startswith("[3 pé")
    assert i18n.wanted_language({"LANGUAGE": "es:en", "LANG": "en_US.UTF-8"}) == "es"
    assert i18n.wanted_language({"LANG": "es_MX.UTF-8"}) == "es"
    assert i18n.wanted_language({}) == "en"


def test_po_parser_skips_fuzzy_and_handles_multiline():
    text = (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#, fuzzy\nmsgid "Draft"\nmsgstr "Borrador"\n\n'
        'msgid "Two "\n"lines"\nmsgstr "Dos "\n"líneas"\n\n'
        'msgid "Empty"\nmsgstr ""\n'
    )
    entries = i18n.parse_po(text)
    assert entries["Two lines"] == "Dos líneas"
    assert "Draft" not in entries and "Empty" not in entries
    import gettext
    import io

    catalogue = gettext.GNUTranslations(io.BytesIO(i18n.compile_mo(entries)))
    assert catalogue.gettext("Two lines") == "Dos líneas"
    _ = QPointF  # imported for symmetry with other ui tests


def test_text_copied_inside_the_app_is_cleared_after_30_seconds(qtbot):
    from PySide6.QtWidgets import QPlainTextEdit

    clock = FakeClock()
    guard = ClipboardGuard(clock)
    editor = QPlainTextEdit("Fictional note text to copy")
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)
    editor.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is editor, timeout=20_000)
    editor.selectAll()
    editor.copy()  # what Ctrl+C does
    clipboard = QGuiApplication.clipboard()
    assert clipboard.text() == "Fictional note text to copy"
    clock.advance(31)
    guard.check()
    assert clipboard.text() == ""
