"""Helpers shared by the ``clinician-desk-admin`` command groups.

``read_passphrase`` takes a secret from ``--passphrase-file``, then the environment, then a
prompt (never echoed); ``open_vault_services`` unlocks the selected profile and returns the
``bootstrap.Services`` façade (callers close it; ``vault_session`` does that for them). Secrets
are never printed, logged or put into exception messages.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from clinician_desk.bootstrap import Services, build_services
from clinician_desk.clock import Clock, SystemClock
from clinician_desk.config import AppPaths, VaultPaths
from clinician_desk.domain.text_hygiene import printable
from clinician_desk.errors import NotFoundError, UsageError
from clinician_desk.storage.backup import finish_interrupted_restore
from clinician_desk.vault import unlock_vault, vault_exists

PASSPHRASE_ENV = "CLINICIAN_DESK_PASSPHRASE"
NEW_PASSPHRASE_ENV = "CLINICIAN_DESK_NEW_PASSPHRASE"
RECOVERY_KEY_ENV = "CLINICIAN_DESK_RECOVERY_KEY"


def vault_paths(args: argparse.Namespace) -> VaultPaths:
    """The selected profile's vault files (``--data-dir`` / ``--profile``)."""
    return AppPaths.from_option(getattr(args, "data_dir", None)).vault(
        getattr(args, "profile", None) or "default"
    )


def require_vault(paths: VaultPaths) -> None:
    finish_interrupted_restore(paths)
    if not vault_exists(paths):
        raise NotFoundError(
            f"There is no vault for profile '{paths.profile}' in {paths.profile_dir.parent.parent}."
            " Create one with: clinician-desk-admin init"
        )


def _read_secret_file(path: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"The passphrase file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError):
        raise UsageError(f"The passphrase file {path} cannot be read as UTF-8 text.") from None
    return text.removesuffix("\n").removesuffix("\r")


def _prompt(prompt: str, confirm: bool) -> str:
    if not sys.stdin.isatty():  # piped automation: one line from stdin, no echo warnings
        line = sys.stdin.readline()
        if not line:
            raise UsageError(
                f"No passphrase given: use a terminal, --passphrase-file FILE or ${PASSPHRASE_ENV}."
            )
        return line.removesuffix("\n").removesuffix("\r")
    try:
        first = getpass.getpass(prompt)
        if confirm:
            again = getpass.getpass("Repeat to confirm: ")
            if again != first:
                raise UsageError("The two entries differ; nothing was changed.")
    except EOFError:
        raise UsageError(
            f"No passphrase given: use a terminal, --passphrase-file FILE or ${PASSPHRASE_ENV}."
        ) from None
    return first


def read_passphrase(args: argparse.Namespace, prompt: str, *, confirm: bool = False) -> str:
    """The passphrase for this command: ``--passphrase-file``, ``$CLINICIAN_DESK_PASSPHRASE``,
    else a hidden prompt (asked twice when ``confirm``). Empty input is refused."""
    file = getattr(args, "passphrase_file", None)
    if file:
        value = _read_secret_file(file)
    elif os.environ.get(PASSPHRASE_ENV):
        value = os.environ[PASSPHRASE_ENV]
    else:
        value = _prompt(prompt, confirm)
    if not value:
        raise UsageError("The passphrase is empty.")
    return value


def read_new_passphrase(args: argparse.Namespace) -> str:
    """A new passphrase: ``--new-passphrase-file``, ``$CLINICIAN_DESK_NEW_PASSPHRASE``, else a
    prompt asked twice."""
    file = getattr(args, "new_passphrase_file", None)
    if file:
        value = _read_secret_file(file)
    elif os.environ.get(NEW_PASSPHRASE_ENV):
        value = os.environ[NEW_PASSPHRASE_ENV]
    else:
        value = _prompt("New passphrase (12+ characters): ", True)
    if not value:
        raise UsageError("The new passphrase is empty.")
    return value


def read_recovery_key(args: argparse.Namespace) -> str:
    """The recovery key text: ``--recovery-key-file``, ``$CLINICIAN_DESK_RECOVERY_KEY``, else a
    prompt."""
    file = getattr(args, "recovery_key_file", None)
    if file:
        return _read_secret_file(file).strip()
    if os.environ.get(RECOVERY_KEY_ENV):
        return os.environ[RECOVERY_KEY_ENV].strip()
    if not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    try:
        return getpass.getpass("Recovery key: ").strip()
    except EOFError:
        raise UsageError(
            f"No recovery key given: use a terminal, --recovery-key-file FILE or "
            f"${RECOVERY_KEY_ENV}."
        ) from None


def open_vault_services(args: argparse.Namespace, *, clock: Clock | None = None) -> Services:
    """Unlock the selected profile with the passphrase and build the services façade.

    The caller owns the result and must ``close()`` it (which wipes the key)."""
    paths = vault_paths(args)
    require_vault(paths)
    passphrase = read_passphrase(args, "Passphrase: ")
    key = unlock_vault(paths, passphrase, clock=clock)
    try:
        return build_services(paths, key, clock or SystemClock())
    except BaseException:
        key.wipe()
        raise


@contextmanager
def vault_session(args: argparse.Namespace, *, clock: Clock | None = None) -> Iterator[Services]:
    """``open_vault_services`` as a context manager that always closes the services."""
    services = open_vault_services(args, clock=clock)
    try:
        yield services
    finally:
        services.close()


def out(line: str = "") -> None:
    """One line to stdout (results); errors go to stderr via ``cli.main``. Control and
    text-direction characters (from stored or imported text) are shown escaped, never sent to
    the terminal, where ESC/OSC sequences would be commands."""
    print("\n".join(printable(part) for part in line.split("\n")), file=sys.stdout)
