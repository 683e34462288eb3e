"""OS screen lock, session lock and suspend lock the app, over a private D-Bus daemon.

A real ``dbus-daemon`` (Debian package ``dbus``) is started for each test; the listener is
pointed at it as both its session and its system bus, and the test emits the desktop's own
signals with ``QDBusMessage``. The app must lock exactly as Ctrl+L does: dialogs closed, draft
saved (encrypted), services and key dropped, unlock screen shown. All data is fictional.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess

import pytest
from PySide6.QtCore import Qt
from PySide6.QtDBus import QDBusConnection, QDBusMessage
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.support.ui import PASSPHRASE, add_students, grab
from ui.os_events import OsLockListener, attach_os_lock_events, login1_session_path
from ui.os_events_windows import PBT_APMSUSPEND, WM_POWERBROADCAST, WM_WTSSESSION_CHANGE, reason_for

MISSING = (
    "dbus-daemon is not installed: install the Debian package 'dbus' "
    "(scripts/check installs it) to test OS lock events"
)


@pytest.fixture
def private_bus():
    """The address of a fresh private bus (a real dbus-daemon, stopped afterwards)."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        if os.environ.get("CI"):
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    proc = subprocess.Popen(
        [daemon, "--session", "--print-address", "--nofork", "--nopidfile"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    address = proc.stdout.readline().strip()
    assert address.startswith("unix:"), "dbus-daemon did not print its address"
    sender = QDBusConnection.connectToBus(address, "test-sender")
    assert sender.isConnected()
    try:
        yield address, sender
    finally:
        QDBusConnection.disconnectFromBus("test-sender")
        proc.terminate()
        proc.wait(10)


def _signal(sender, path: str, interface: str, name: str, *args) -> None:
    message = QDBusMessage.createSignal(path, interface, name)
    if args:
        message.setArguments(list(args))
    assert sender.send(message)


def _start_note(qtbot, window, text: str) -> str:
    (student,) = add_students(window, [("Fictional", "Dbus-Tester")])
    window.open_student(student)
    qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)
    window.new_note(student)
    editor = window.note_page
    qtbot.mouseClick(editor.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.tabs.count() == 1, timeout=20_000)
    editor.current_note().editors["plan"].setPlainText(text)  # autosave has not fired yet
    return editor.current_note().note_id


def _unlock(qtbot, window) -> None:
    window.unlock_page.passphrase_edit.setText(PASSPHRASE)
    window.unlock_page.try_unlock()
    qtbot.waitUntil(lambda: window.ctx.unlocked, timeout=20_000)


def test_screensaver_active_locks_like_ctrl_l(qtbot, unlocked_window, private_bus, artifacts_dir):
    window = unlocked_window
    address, sender = private_bus
    listener = attach_os_lock_events(
        window, session_bus_address=address, system_bus_address=address
    )
    assert set(listener.sources) == {
        "org.freedesktop.ScreenSaver",
        "org.gnome.ScreenSaver",
        "org.freedesktop.login1.Session",
        "org.freedesktop.login1.Manager",
    }
    requests: list[str] = []
    listener.lock_requested.connect(requests.append)
    note_id = _start_note(qtbot, window, "Typed before the screen saver (fictional).")
    key = window.ctx.key
    box = QMessageBox(QMessageBox.Icon.Information, "clinician-desk", "open", parent=window)
    box.open()

    path = "/org/freedesktop/ScreenSaver"
    _signal(sender, path, "org.freedesktop.ScreenSaver", "ActiveChanged", False)  # unlocking
    _signal(sender, path, "org.freedesktop.ScreenSaver", "ActiveChanged", True)
    qtbot.waitUntil(lambda: not window.ctx.unlocked, timeout=10_000)
    assert requests == ["screen lock"]  # ActiveChanged(false), delivered first, did nothing
    assert window.ctx.key is None and window.ctx.services is None
    assert window.stack.currentWidget() is window.unlock_page
    assert window.note_page.tabs.count() == 0 and not box.isVisible()
    window.ctx.tasks.wait_idle(10_000)
    assert key.wiped  # the database key was dropped and overwritten behind the draft save
    grab(window, artifacts_dir, "17_locked_by_os_screen_saver")

    _unlock(qtbot, window)
    services = window.ctx.services
    view = window.ctx.tasks.call_db_blocking(lambda: services.record.note_view(note_id))
    sections = {s.key: s.text for s in view.sections}
    assert sections["plan"] == "Typed before the screen saver (fictional)."
    assert view.status == "draft"
    listener.stop()


def test_logind_session_lock_and_prepare_for_sleep_lock(qtbot, unlocked_window, private_bus):
    window = unlocked_window
    address, sender = private_bus
    listener = attach_os_lock_events(
        window, session_bus_address=address, system_bus_address=address
    )
    session_path = login1_session_path(os.environ.get("XDG_SESSION_ID")) or (
        "/org/freedesktop/login1/session/_32"
    )
    _signal(sender, session_path, "org.freedesktop.login1.Session", "Lock")
    qtbot.waitUntil(lambda: not window.ctx.unlocked, timeout=10_000)

    _unlock(qtbot, window)
    _signal(sender, "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver", "ActiveChanged", True)
    qtbot.waitUntil(lambda: not window.ctx.unlocked, timeout=10_000)

    _unlock(qtbot, window)
    requests: list[str] = []
    listener.lock_requested.connect(requests.append)
    manager = ("/org/freedesktop/login1", "org.freedesktop.login1.Manager", "PrepareForSleep")
    _signal(sender, *manager, False)  # resuming: nothing to do
    _signal(sender, *manager, True)
    qtbot.waitUntil(lambda: not window.ctx.unlocked, timeout=10_000)
    assert requests == ["suspend"]
    listener.stop()


def test_missing_buses_are_one_log_line_each_and_no_dialog(qtbot, caplog, tmp_path):
    nowhere = f"unix:path={tmp_path / 'no-bus-here'}"
    listener = OsLockListener(session_bus_address=nowhere, system_bus_address=nowhere)
    with caplog.at_level(logging.INFO, logger="ui.os_events"):
        assert listener.start() == []
    lines = [r.getMessage() for r in caplog.records if r.name == "ui.os_events"]
    assert lines == [
        "no D-Bus session bus: OS lock and suspend are not watched there",
        "no D-Bus system bus: OS lock and suspend are not watched there",
    ]
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    listener.stop()


def test_logind_paths_and_windows_messages():
    assert login1_session_path("2") == "/org/freedesktop/login1/session/_32"
    assert login1_session_path("c1") == "/org/freedesktop/login1/session/c1"
    assert login1_session_path("a-b") == "/org/freedesktop/login1/session/a_2db"
    assert login1_session_path(None) == ""
    assert reason_for(WM_WTSSESSION_CHANGE, 0x7) == "session lock"
    assert reason_for(WM_WTSSESSION_CHANGE, 0x2) == "console disconnect"
    assert reason_for(WM_WTSSESSION_CHANGE, 0x4) == "remote disconnect"
    assert reason_for(WM_WTSSESSION_CHANGE, 0x8) is None  # WTS_SESSION_UNLOCK
    assert reason_for(WM_POWERBROADCAST, PBT_APMSUSPEND) == "suspend"
    assert reason_for(WM_POWERBROADCAST, 0x12) is None  # PBT_APMRESUMEAUTOMATIC
    assert reason_for(0x0010, 0) is None  # WM_CLOSE
