"""Window state in ``QSettings``: geometry, window state and splitter positions — nothing else.

No student data ever goes here (docs/design/security.md): only byte blobs Qt produces for layout,
keyed by fixed names. Tests pass an explicit INI path so they never touch the user's real settings.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter

ORGANIZATION = "clinician-desk"
APPLICATION = "clinician-desk"


class WindowSettings:
    """Save and restore window geometry and splitters under fixed keys."""

    def __init__(self, ini_path: Path | None = None) -> None:
        if ini_path is not None:
            self._qs = QSettings(str(ini_path), QSettings.Format.IniFormat)
        else:
            self._qs = QSettings(ORGANIZATION, APPLICATION)

    def save_window(self, window: QMainWindow) -> None:
        self._qs.setValue("window/geometry", window.saveGeometry())
        self._qs.setValue("window/state", window.saveState())
        self._qs.sync()

    def restore_window(self, window: QMainWindow) -> bool:
        geometry = self._qs.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            window.restoreGeometry(geometry)
            state = self._qs.value("window/state")
            if isinstance(state, QByteArray):
                window.restoreState(state)
            return True
        return False

    def save_splitter(self, name: str, splitter: QSplitter) -> None:
        self._qs.setValue(f"splitters/{name}", splitter.saveState())

    def restore_splitter(self, name: str, splitter: QSplitter) -> bool:
        state = self._qs.value(f"splitters/{name}")
        if isinstance(state, QByteArray) and not state.isEmpty():
            return bool(splitter.restoreState(state))
        return False

    def last_profile(self) -> str | None:
        """The profile chosen last time (a folder name, not student data)."""
        value = self._qs.value("unlock/last_profile")
        return value if isinstance(value, str) else None

    def set_last_profile(self, profile: str) -> None:
        self._qs.setValue("unlock/last_profile", profile)

    def sync(self) -> None:
        self._qs.sync()

    def keys(self) -> list[str]:
        return list(self._qs.allKeys())
