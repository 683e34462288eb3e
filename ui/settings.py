"""Window state in ``QSettings``: geometry, window state, splitter positions and the chosen
appearance (palette) — nothing else.

No student data ever goes here (docs/design/security.md): only byte blobs Qt produces for layout,
keyed by fixed names. Tests pass an explicit INI path so they never touch the user's real settings.

The file is private (0600, its clinician-desk folder 0700): ``unlock/last_profile`` names a
profile, which is often the clinician's name. It is created that way before Qt first writes it
(Qt's atomic save keeps an existing file's permissions) and re-tightened after every sync.
"""

from __future__ import annotations

import contextlib
import os
import sys
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
        self._make_private()

    def _make_private(self) -> None:
        if sys.platform == "win32":  # pragma: no cover - the registry has per-user ACLs
            return
        path = Path(self._qs.fileName())
        with contextlib.suppress(OSError):
            if path.parent.name == ORGANIZATION:
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                path.parent.chmod(0o700)
            if not path.exists() and path.parent.is_dir():
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            if path.exists():
                path.chmod(0o600)

    def save_window(self, window: QMainWindow) -> None:
        self._qs.setValue("window/geometry", window.saveGeometry())
        self._qs.setValue("window/state", window.saveState())
        self.sync()

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
        self.sync()

    def theme(self) -> str:
        """The palette chosen in View ▸ Appearance: ``system`` unless the clinician chose one."""
        from ui.theme.palettes import CHOICES, SYSTEM

        value = self._qs.value("appearance/theme")
        return value if isinstance(value, str) and value in CHOICES else SYSTEM

    def set_theme(self, choice: str) -> None:
        from ui.theme.palettes import CHOICES

        if choice not in CHOICES:
            raise ValueError(f"unknown appearance {choice!r}; one of {', '.join(CHOICES)}")
        self._qs.setValue("appearance/theme", choice)
        self.sync()

    def sync(self) -> None:
        self._qs.sync()
        self._make_private()

    def keys(self) -> list[str]:
        return list(self._qs.allKeys())
