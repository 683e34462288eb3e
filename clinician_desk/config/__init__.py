"""Where things live on disk, and the app's non-clinical settings.

Data lives in the platform's *local* (not roaming) user data dir; each clinician sharing a laptop
has a profile folder below it holding one vault. ``--data-dir`` (or ``CLINICIAN_DESK_DATA_DIR``)
overrides the base everywhere. Nothing here holds student data.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "clinician-desk"
APP_AUTHOR = "clinician-desk"
DEFAULT_PROFILE = "default"
_PROFILE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def default_data_dir() -> Path:
    env = os.environ.get("CLINICIAN_DESK_DATA_DIR")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR, roaming=False))


def validate_profile_name(name: str) -> str:
    from clinician_desk.errors import UsageError

    if not _PROFILE_RE.match(name):
        raise UsageError(
            "A profile name uses letters, digits, '.', '_' or '-' (at most 64 characters)."
        )
    return name


@dataclass(frozen=True)
class VaultPaths:
    """The files of one profile's vault."""

    profile_dir: Path

    @property
    def database(self) -> Path:
        return self.profile_dir / "vault.db"

    @property
    def keyslots(self) -> Path:
        return self.profile_dir / "vault.keys"

    @property
    def lockout(self) -> Path:
        return self.profile_dir / "unlock-attempts.json"

    @property
    def backups_dir(self) -> Path:
        return self.profile_dir / "backups"

    @property
    def profile(self) -> str:
        return self.profile_dir.name


@dataclass(frozen=True)
class AppPaths:
    """The base data dir and its profiles."""

    data_dir: Path

    @classmethod
    def from_option(cls, data_dir: str | os.PathLike[str] | None) -> AppPaths:
        return cls(Path(data_dir) if data_dir else default_data_dir())

    @property
    def profiles_dir(self) -> Path:
        return self.data_dir / "profiles"

    def vault(self, profile: str = DEFAULT_PROFILE) -> VaultPaths:
        return VaultPaths(self.profiles_dir / validate_profile_name(profile))

    def profiles(self) -> list[str]:
        """Profiles that have a key-slot file, sorted by name."""
        if not self.profiles_dir.is_dir():
            return []
        return sorted(p.name for p in self.profiles_dir.iterdir() if (p / "vault.keys").exists())
