"""Windows session and power notifications for ``ui.os_events`` (ctypes; Windows only).

``WTSRegisterSessionNotification(hwnd, NOTIFY_FOR_THIS_SESSION)`` asks Windows to post
``WM_WTSSESSION_CHANGE`` to the main window; a native event filter on the application reads each
``MSG`` and reports ``WTS_SESSION_LOCK``, ``WTS_CONSOLE_DISCONNECT`` and ``WTS_REMOTE_DISCONNECT``
(fast user switching, RDP) and ``WM_POWERBROADCAST`` with ``PBT_APMSUSPEND`` (sleep, hibernate;
broadcast to every top-level window without registration). The filter never consumes a message.

This module cannot run in the Linux test environment; it is kept small and was reviewed against
the Win32 documentation (WTSRegisterSessionNotification, WM_WTSSESSION_CHANGE,
WM_POWERBROADCAST). The constants below are the SDK's values.
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractNativeEventFilter, QCoreApplication

log = logging.getLogger(__name__)

WM_WTSSESSION_CHANGE = 0x02B1
WM_POWERBROADCAST = 0x0218
PBT_APMSUSPEND = 0x0004
NOTIFY_FOR_THIS_SESSION = 0
SESSION_EVENTS = {
    0x2: "console disconnect",  # WTS_CONSOLE_DISCONNECT
    0x4: "remote disconnect",  # WTS_REMOTE_DISCONNECT
    0x7: "session lock",  # WTS_SESSION_LOCK
}


def reason_for(message: int, wparam: int) -> str | None:
    """Why a window message should lock the app, or None (pure; tested on every platform)."""
    if message == WM_WTSSESSION_CHANGE:
        return SESSION_EVENTS.get(wparam)
    if message == WM_POWERBROADCAST and wparam == PBT_APMSUSPEND:
        return "suspend"
    return None


def _wtsapi32() -> Any:  # pragma: no cover - Windows only
    """wtsapi32 with typed arguments (an HWND does not fit ctypes' default C int on 64-bit)."""
    from ctypes import wintypes

    dll = ctypes.WinDLL("wtsapi32")  # type: ignore[attr-defined]
    dll.WTSRegisterSessionNotification.argtypes = [wintypes.HWND, wintypes.DWORD]
    dll.WTSRegisterSessionNotification.restype = wintypes.BOOL
    dll.WTSUnRegisterSessionNotification.argtypes = [wintypes.HWND]
    dll.WTSUnRegisterSessionNotification.restype = wintypes.BOOL
    return dll


class WindowsSessionFilter(QAbstractNativeEventFilter):
    """Calls ``on_lock(reason)`` for the messages of :func:`reason_for`."""

    def __init__(self, on_lock: Callable[[str], None]) -> None:
        super().__init__()
        self._on_lock = on_lock
        self._hwnd: int | None = None

    def install(self, window: Any) -> bool:  # pragma: no cover - Windows only
        app = QCoreApplication.instance()
        if app is None:
            return False
        app.installNativeEventFilter(self)
        if window is not None:
            hwnd = int(window.winId())
            try:
                register = _wtsapi32().WTSRegisterSessionNotification
                if register(hwnd, NOTIFY_FOR_THIS_SESSION):
                    self._hwnd = hwnd
                else:
                    log.info("WTSRegisterSessionNotification failed; session lock not watched")
            except OSError:
                log.info("wtsapi32 unavailable; session lock not watched")
        return True

    def uninstall(self) -> None:  # pragma: no cover - Windows only
        app = QCoreApplication.instance()
        if app is not None:
            app.removeNativeEventFilter(self)
        if self._hwnd is not None:
            try:
                _wtsapi32().WTSUnRegisterSessionNotification(self._hwnd)
            except OSError:
                pass
            self._hwnd = None

    def nativeEventFilter(self, eventType: Any, message: Any) -> Any:  # pragma: no cover
        kind = bytes(eventType.data()) if hasattr(eventType, "data") else bytes(eventType)
        if kind in (b"windows_generic_MSG", b"windows_dispatcher_MSG"):
            from ctypes import wintypes

            msg = wintypes.MSG.from_address(int(message))
            reason = reason_for(int(msg.message), int(msg.wParam or 0))
            if reason is not None:
                self._on_lock(reason)
        return False, 0
