"""Session protection: app-wide inactivity detection and the clipboard guard.

:class:`InactivityWatcher` is an event filter installed on the ``QApplication``: every key, mouse
or wheel event anywhere in the app counts as activity. A one-second timer compares the injectable
clock's ``monotonic()`` with the last activity and emits ``idle_timeout`` once the limit (default
5 minutes, minimum 1) has passed; it also emits when the OS suspends the app. The clock is
injectable so tests advance a ``FakeClock`` instead of sleeping.

:class:`ClipboardGuard` is the only way the app puts text on the clipboard. It remembers what it
put there and clears it after 30 seconds — or at lock — but only if the clipboard still holds our
text (something the clinician copied from another program is left alone).

What locking *does* (close dialogs, save the draft, drop services and key, show the unlock screen)
is ``MainWindow.lock()``; :func:`close_open_dialogs` is its first step.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from clinician_desk.clock import Clock, SystemClock

DEFAULT_IDLE_SECONDS = 5 * 60
MIN_IDLE_SECONDS = 60
CLIPBOARD_CLEAR_SECONDS = 30


def _activity_events() -> frozenset[Any]:
    """Event types that count as activity. Built at the first unlock, not at import: touching
    ``QEvent`` builds its 179-member ``Type`` enum (~4 ms of cold start)."""
    from PySide6.QtCore import QEvent

    t = QEvent.Type
    return frozenset(
        {
            t.KeyPress,
            t.MouseButtonPress,
            t.MouseButtonDblClick,
            t.MouseMove,
            t.Wheel,
            t.TouchBegin,
            t.InputMethod,
        }
    )


class InactivityWatcher(QObject):
    """Emits ``idle_timeout`` after ``idle_seconds`` without user input (see module doc)."""

    idle_timeout = Signal()

    def __init__(
        self,
        clock: Clock | None = None,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock or SystemClock()
        self._idle_seconds = max(float(MIN_IDLE_SECONDS), float(idle_seconds))
        self._last = self._clock.monotonic()
        self._armed = False
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.check)
        self._state_connected = False
        self._activity: frozenset[Any] = frozenset()

    @property
    def idle_seconds(self) -> float:
        return self._idle_seconds

    def set_idle_seconds(self, seconds: float) -> None:
        self._idle_seconds = max(float(MIN_IDLE_SECONDS), float(seconds))

    def start(self) -> None:
        """Begin watching (after unlock). Installs the app-wide filter once."""
        app = QApplication.instance()
        if not self._activity:
            self._activity = _activity_events()
        if app is not None and not self._armed:
            app.installEventFilter(self)
        if isinstance(app, QGuiApplication) and not self._state_connected:
            # connected at the first unlock, not at start: converting its argument builds the
            # Python types of all ~95 enums of the Qt namespace (~45 ms of cold start)
            app.applicationStateChanged.connect(self._on_app_state)
            self._state_connected = True
        self._armed = True
        self.touch()
        self._timer.start()

    def stop(self) -> None:
        """Stop watching (while locked there is nothing to protect)."""
        self._armed = False
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def touch(self) -> None:
        self._last = self._clock.monotonic()

    def idle_for(self) -> float:
        return self._clock.monotonic() - self._last

    def check(self) -> None:
        """Emit ``idle_timeout`` when the limit has passed (called by the timer, or by tests)."""
        if self._armed and self.idle_for() >= self._idle_seconds:
            self._armed = False
            self._timer.stop()
            self.idle_timeout.emit()

    def eventFilter(self, watched: QObject, event: Any) -> bool:
        if event.type() in self._activity:
            self._last = self._clock.monotonic()
        return False

    def _on_app_state(self, state: Any) -> None:
        from PySide6.QtCore import Qt  # imported late: see start()

        if self._armed and state == Qt.ApplicationState.ApplicationSuspended:
            self._armed = False
            self._timer.stop()
            self.idle_timeout.emit()


class ClipboardGuard(QObject):
    """Puts text on the clipboard and takes it back after 30 s or at lock (see module doc)."""

    def __init__(
        self,
        clock: Clock | None = None,
        clear_after: float = CLIPBOARD_CLEAR_SECONDS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock or SystemClock()
        self._clear_after = clear_after
        self._ours: str | None = None
        self._copied_at = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.check)
        self._setting = False
        QGuiApplication.clipboard().dataChanged.connect(self._clipboard_changed)

    def copy(self, text: str) -> None:
        self._setting = True
        try:
            QGuiApplication.clipboard().setText(text)
        finally:
            self._setting = False
        self._adopt(text)

    def _adopt(self, text: str) -> None:
        self._ours = text
        self._copied_at = self._clock.monotonic()
        self._timer.start()

    def _clipboard_changed(self) -> None:
        """Text copied with Ctrl+C inside the app (a note, a search result) counts as ours."""
        if self._setting:
            return
        text = QGuiApplication.clipboard().text()
        if text and QApplication.focusWidget() is not None:
            self._adopt(text)

    def check(self) -> None:
        if (
            self._ours is not None
            and self._clock.monotonic() - self._copied_at >= self._clear_after
        ):
            self.clear_if_ours()

    def clear_if_ours(self) -> None:
        """Empty the clipboard if it still holds what the app put there."""
        if self._ours is not None:
            clipboard = QGuiApplication.clipboard()
            if clipboard.text() == self._ours:
                clipboard.clear()
        self._ours = None
        self._timer.stop()


def close_open_dialogs(keep: QWidget | None = None) -> int:
    """Reject every visible dialog and message box (first step of locking); returns how many."""
    from PySide6.QtWidgets import QDialog, QMessageBox  # only when locking (cold start)

    closed = 0
    for widget in QApplication.topLevelWidgets():
        if widget is keep or not widget.isVisible():
            continue
        if isinstance(widget, QDialog | QMessageBox):
            # done() rather than reject(): a dialog that refuses Escape (the safety workflow)
            # must still close when the app locks; its record stays open in the vault.
            widget.done(QDialog.DialogCode.Rejected.value)
            closed += 1
    return closed
