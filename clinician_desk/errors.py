"""The exception family the UI and the CLI know how to show.

Every error raised towards a user carries a message a clinician can act on and an exit code for
the CLI. Messages never contain student data (names, ids, note text): callers pass only
non-identifying context such as a file name, a line number or a field name.
"""

from __future__ import annotations


class ClinicianDeskError(Exception):
    """Base of every error meant to be shown to a person. ``exit_code`` is used by the CLI."""

    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(ClinicianDeskError):
    """The request itself is malformed (bad argument, unknown option value)."""

    exit_code = 2


class ValidationError(ClinicianDeskError):
    """Input violates a rule of the domain (end before start, unknown service code, ...)."""

    exit_code = 2


class NotFoundError(ClinicianDeskError):
    """A named thing (student, note, instrument, topic, profile) does not exist."""

    exit_code = 2


class PermissionRefusedError(ClinicianDeskError):
    """An action is refused by a rule (editing a signed note, a handout without basis)."""

    exit_code = 2


class VaultError(ClinicianDeskError):
    """Problems with the vault's key slots."""

    exit_code = 2


class WrongPassphraseError(VaultError):
    """The passphrase or recovery key did not open any slot. Never says which slot failed."""


class LockedOutError(VaultError):
    """Unlocking is delayed (backoff) or limited to the recovery key after many failures."""

    def __init__(self, message: str, retry_after_seconds: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class StorageError(ClinicianDeskError):
    """The database cannot be used."""

    exit_code = 3


class CorruptionError(StorageError):
    """A database, key-slot or backup file is damaged or not ours."""


class SchemaTooNewError(StorageError):
    """The database was written by a newer version of the app."""


class IntegrityError(StorageError):
    """verify found a problem (audit chain, foreign keys, cipher integrity)."""


class SyncError(ClinicianDeskError):
    """A sync problem worth showing; offline is not an error."""

    exit_code = 4


class ExportError(ClinicianDeskError):
    """An explicit export could not be written."""

    exit_code = 2
