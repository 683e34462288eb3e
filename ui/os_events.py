"""Lock the app when the operating system locks the screen, switches session or suspends.

Qt itself reports only its application state (``InactivityWatcher`` handles
``ApplicationSuspended``); the desktop's own signals come from here:

* **Linux** (D-Bus, ``PySide6.QtDBus``): on the system bus, logind's ``Lock`` signal of this
  session (``org.freedesktop.login1.Session``; of any session when ``XDG_SESSION_ID`` is unknown)
  and ``PrepareForSleep(true)`` of ``org.freedesktop.login1.Manager``; on the session bus,
  ``ActiveChanged(true)`` of ``org.freedesktop.ScreenSaver`` (KDE, XFCE, …) and
  ``org.gnome.ScreenSaver`` (GNOME, Cinnamon). Senders and object paths are not pinned: a
  desktop may emit from any path, and a spurious lock is harmless.
* **Windows**: ``WM_WTSSESSION_CHANGE`` (lock, console or remote disconnect) after
  ``WTSRegisterSessionNotification``, and ``WM_POWERBROADCAST``/``PBT_APMSUSPEND`` — see
  ``ui.os_events_windows``.

A missing bus is normal (a kiosk, a container, Windows): one log line naming the bus, no dialog.
Every source ends in :attr:`OsLockListener.lock_requested`, which :func:`attach_os_lock_events`
connects to ``SessionController.lock`` — the very sequence Ctrl+L runs. Listening starts at the
first unlock, so cold start never loads QtDBus.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)

SCREENSAVER_INTERFACES = ("org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver")
LOGIN1 = "org.freedesktop.login1"


def login1_session_path(session_id: str | None) -> str:
    """logind's object path for a session id (sd-bus escaping), "" (any) when unknown."""
    if not session_id:
        return ""
    escaped = "".join(
        ch if ch.isascii() and ch.isalnum() else f"_{ord(ch):02x}" for ch in session_id
    )
    if escaped[0].isdigit():
        escaped = f"_{ord(escaped[0]):02x}{escaped[1:]}"
    return f"/org/freedesktop/login1/session/{escaped}"


class OsLockListener(QObject):
    """Emits ``lock_requested(reason)`` on an OS lock, session switch or suspend."""

    lock_requested = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        session_bus_address: str | None = None,
        system_bus_address: str | None = None,
    ) -> None:
        super().__init__(parent)
        self._addresses = {"session": session_bus_address, "system": system_bus_address}
        self._private: list[str] = []
        self.sources: list[str] = []
        self._windows: Any = None

    def start(self, window: Any = None) -> list[str]:
        """Listen on everything this platform offers; returns what is being watched."""
        if self.sources:
            return self.sources
        if sys.platform == "win32":  # pragma: no cover - Windows only
            from ui.os_events_windows import WindowsSessionFilter

            self._windows = WindowsSessionFilter(self._request_later)
            if self._windows.install(window):
                self.sources.append("windows-session")
        else:
            self._listen_dbus()
        return self.sources

    def _bus(self, which: str) -> Any:
        from PySide6.QtDBus import QDBusConnection

        address = self._addresses[which]
        if address:
            name = f"clinician-desk-{which}-{id(self)}"
            self._private.append(name)
            bus = QDBusConnection.connectToBus(address, name)
        elif which == "session":
            bus = QDBusConnection.sessionBus()
        else:
            bus = QDBusConnection.systemBus()
        if not bus.isConnected():
            log.info("no D-Bus %s bus: OS lock and suspend are not watched there", which)
            return None
        return bus

    def _listen_dbus(self) -> None:
        from PySide6.QtCore import SLOT

        session = self._bus("session")
        if session is not None:
            for interface in SCREENSAVER_INTERFACES:
                if session.connect(
                    "", "", interface, "ActiveChanged", self, SLOT("_screensaver_active(bool)")
                ):
                    self.sources.append(interface)
        system = self._bus("system")
        if system is not None:
            path = login1_session_path(os.environ.get("XDG_SESSION_ID"))
            if system.connect(
                "", path, f"{LOGIN1}.Session", "Lock", self, SLOT("_session_locked()")
            ):
                self.sources.append(f"{LOGIN1}.Session")
            if system.connect(
                "",
                "/org/freedesktop/login1",
                f"{LOGIN1}.Manager",
                "PrepareForSleep",
                self,
                SLOT("_prepare_for_sleep(bool)"),
            ):
                self.sources.append(f"{LOGIN1}.Manager")

    def stop(self) -> None:
        """Stop listening (app exit; tests)."""

        if self._windows is not None:  # pragma: no cover - Windows only
            self._windows.uninstall()
            self._windows = None
        if self._private:
            from PySide6.QtDBus import QDBusConnection

            for name in self._private:
                QDBusConnection.disconnectFromBus(name)
            self._private.clear()
        self.sources.clear()

    def _request(self, reason: str) -> None:
        log.info("OS %s: locking the app", reason)
        self.lock_requested.emit(reason)

    def _request_later(self, reason: str) -> None:
        """From inside native event dispatch: lock on the next event-loop turn, not re-entrantly."""
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, self, lambda: self._request(reason))

    @Slot(bool)
    def _screensaver_active(self, active: bool) -> None:
        if active:
            self._request("screen lock")

    @Slot()
    def _session_locked(self) -> None:
        self._request("session lock")

    @Slot(bool)
    def _prepare_for_sleep(self, sleeping: bool) -> None:
        if sleeping:
            self._request("suspend")


def attach_os_lock_events(window: Any, **addresses: str | None) -> OsLockListener:
    """Lock ``window``'s session on OS events; listening starts at the first unlock."""
    listener = OsLockListener(window, **addresses)
    listener.lock_requested.connect(lambda _reason: window.session.lock())

    started: list[bool] = []

    def start_once() -> None:
        if not started:  # once per app run: a missing bus is logged once, not at every unlock
            started.append(True)
            listener.start(window)

    if window.ctx.unlocked:
        start_once()
    else:
        window.session.opened.connect(start_once)
    return listener
