"""``clinician-desk-admin`` vault commands: init, verify, backup, restore, change-passphrase,
recover, regenerate-recovery-key and doctor.

Each command prints results on stdout and lets ``ClinicianDeskError`` reach ``cli.main``, which
prints one line on stderr and exits with the error's code (wrong passphrase: 2; damaged or
unusable vault: 3). Secrets (passphrases, data key, recovery key) are never printed except the
recovery key, exactly once, by ``init``. ``args.kdf`` is ``None`` (calibrate on this machine)
unless a test sets cheap parameters on the parsed namespace.
"""

from __future__ import annotations

import argparse
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from clinician_desk import __version__
from clinician_desk.bootstrap import Services, build_services, create_vault_and_open
from clinician_desk.cli.common import (
    out,
    read_new_passphrase,
    read_passphrase,
    read_recovery_key,
    require_vault,
    vault_paths,
    vault_session,
)
from clinician_desk.clock import SystemClock, utc_iso
from clinician_desk.config import AppPaths, VaultPaths
from clinician_desk.errors import IntegrityError, UsageError, VaultError
from clinician_desk.reports.handout_library import county_crisis_line, county_line_warning
from clinician_desk.storage.backup import restore_backup, write_backup
from clinician_desk.storage.connection import library_report
from clinician_desk.storage.migrations_runner import head_version
from clinician_desk.vault import (
    DataKey,
    change_passphrase,
    regenerate_recovery_key,
    reset_passphrase_with_recovery,
    unlock_vault,
)


def register(sub: Any) -> None:
    p = sub.add_parser("init", help="create a new vault (prints the recovery key once)")
    p.add_argument("--name", required=True, help="the clinician's name, shown on printouts")
    p.set_defaults(func=cmd_init, kdf=None)

    p = sub.add_parser(
        "verify", help="check key slots, cipher integrity, structure, foreign keys, audit"
    )
    p.add_argument(
        "--accept-missing-changes",
        action="store_true",
        help="record (audited) that changes lost from a damaged write-ahead log are accepted",
    )
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser(
        "regenerate-recovery-key",
        help="replace the recovery key (prints the new one once; the old one stops working)",
    )
    p.set_defaults(func=cmd_regenerate_recovery_key)

    p = sub.add_parser("backup", help="write an encrypted backup of the vault to FILE")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="replace the vault with the one in backup FILE")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=cmd_restore)

    for name, func, text in (
        ("change-passphrase", cmd_change_passphrase, "set a new passphrase (needs the old one)"),
        ("recover", cmd_recover, "set a new passphrase with the recovery key"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--new-passphrase-file", help="read the new passphrase from this file")
        if name == "recover":
            p.add_argument("--recovery-key-file", help="read the recovery key from this file")
        p.set_defaults(func=func, kdf=None)

    p = sub.add_parser("doctor", help="versions, cipher settings and paths (no secrets)")
    p.set_defaults(func=cmd_doctor)


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 120 or any(ord(c) < 32 for c in name):
        raise UsageError("--name must be 1–120 printable characters.")
    return name


def _audit(services: Services, action: str, details: dict[str, object] | None = None) -> None:
    with services.db.unit_of_work() as uow:
        uow.audit(action, "vault", None, details)


def cmd_init(args: argparse.Namespace) -> int:
    name = _check_name(args.name)
    paths = vault_paths(args)
    if paths.keyslots.exists():
        raise VaultError(
            f"A vault already exists for profile '{paths.profile}'; choose another --profile."
        )
    passphrase = read_passphrase(args, "New passphrase (12+ characters): ", confirm=True)
    services, recovery = create_vault_and_open(paths, passphrase, clock=SystemClock(), kdf=args.kdf)
    try:
        with services.db.unit_of_work() as uow:
            uow.conn.execute(
                "INSERT INTO settings (key, value, updated_at) VALUES ('clinician_name', ?, ?)",
                (name, utc_iso(uow.clock.now())),
            )
            uow.audit("vault.created", "vault", None, {"profile": paths.profile})
    finally:
        services.close()
    out(f"Vault created for profile '{paths.profile}' in {paths.profile_dir}")
    out("")
    out("RECOVERY KEY — write it down or print it and keep it somewhere safe.")
    out("It is shown only this once. It unlocks the vault if the passphrase is forgotten.")
    out("")
    out(f"    {recovery}")
    out("")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    with vault_session(args) as services:
        if args.accept_missing_changes and services.db.integrity_warnings:
            lost = services.db.integrity_warnings
            missing = services.db.accept_missing_changes()
            count = "an uncounted number of" if missing is None else str(missing)
            out(f"recorded: {count} missing change(s) accepted; the warning is cleared")
            services.warnings = tuple(w for w in services.warnings if w not in lost)
        problems = [*services.warnings, *services.db.verify()]
        version = services.db.schema_version
        with services.db.read() as conn:
            entries = int(conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])
    if problems:
        for line in problems:
            print(f"problem: {line}", file=sys.stderr)
        raise IntegrityError(
            f"verify found {len(problems)} problem(s) in {services.paths.database.name}; "
            "restore from a backup (clinician-desk-admin restore FILE)."
        )
    out(
        f"ok: key slots, cipher integrity, structure, foreign keys and audit chain "
        f"({entries} entries); schema {version}"
    )
    return 0


def cmd_regenerate_recovery_key(args: argparse.Namespace) -> int:
    with vault_session(args) as services:
        text = regenerate_recovery_key(services.paths, services.key)  # type: ignore[arg-type]
        _audit(services, "vault.recovery_key_regenerated")
    out("NEW RECOVERY KEY — write it down or print it and keep it somewhere safe.")
    out("It is shown only this once. The previous recovery key no longer works.")
    out("")
    out(f"    {text}")
    out("")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    dest = Path(args.file)
    if dest.exists() and not args.force:
        raise UsageError(f"{dest} already exists; choose another name or add --force.")
    with vault_session(args) as services:
        _audit(services, "vault.backed_up")
        header = write_backup(services.db, services.paths.keyslots, dest)
    size = dest.stat().st_size
    out(f"backup written: {dest} ({size} bytes, schema {header.schema_version})")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    paths = vault_paths(args)
    src = Path(args.file)
    passphrase = read_passphrase(args, "Passphrase of the backup: ")
    keys: list[DataKey] = []

    def unlock(staged: VaultPaths) -> DataKey:
        key = unlock_vault(staged, passphrase)
        keys.append(key)
        return key

    try:
        result = restore_backup(src, paths, unlock, clock=SystemClock())
        services = build_services(paths, keys[-1], SystemClock())
        try:
            _audit(services, "vault.restored", {"backup_created_at": result.header.created_at})
        finally:
            services.db.close()
    finally:
        for key in keys:
            key.wipe()
    out(f"restored from {src} (backup of {result.header.created_at})")
    if result.replaced is not None:
        out(f"the previous vault was kept in {result.replaced}")
    return 0


def cmd_change_passphrase(args: argparse.Namespace) -> int:
    paths = vault_paths(args)
    require_vault(paths)
    key = unlock_vault(paths, read_passphrase(args, "Current passphrase: "))
    try:
        new = read_new_passphrase(args)
        change_passphrase(paths, key, new, kdf=args.kdf)
        services = build_services(paths, key, SystemClock())
        try:
            _audit(services, "vault.passphrase_changed")
        finally:
            services.db.close()
    finally:
        key.wipe()
    out("passphrase changed")
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    paths = vault_paths(args)
    require_vault(paths)
    text = read_recovery_key(args)
    new = read_new_passphrase(args)
    key = reset_passphrase_with_recovery(paths, text, new, kdf=args.kdf)
    try:
        services = build_services(paths, key, SystemClock())
        try:
            _audit(services, "vault.passphrase_reset_with_recovery_key")
        finally:
            services.db.close()
    finally:
        key.wipe()
    out("new passphrase set; the recovery key stays valid")
    return 0


def _version_of(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _describe(path: Path) -> str:
    if path.is_file():
        return f"{path} ({path.stat().st_size} bytes)"
    return f"{path} (missing)"


def cmd_doctor(args: argparse.Namespace) -> int:
    lib = library_report()
    app = AppPaths.from_option(args.data_dir)
    paths = vault_paths(args)
    out(f"clinician-desk {__version__}; python {platform.python_version()} ({sys.platform})")
    out(f"sqlcipher {lib['cipher_version']} on sqlite {lib['sqlite_version']}")
    out(f"crypto provider: {lib['cipher_provider']} {lib['cipher_provider_version']}")
    out(f"cryptography {_version_of('cryptography')}; sqlcipher3 {_version_of('sqlcipher3')}")
    out(
        f"cipher: page size {lib['cipher_page_size']}, {lib['cipher_hmac_algorithm']}, "
        "raw 256-bit key (SQLCipher's own KDF unused; Argon2id in the key slots)"
    )
    out(f"temp store: {lib['temp_store_option']} (memory only: {lib['temp_store_safe']})")
    out("at open: WAL, synchronous=FULL, cipher_memory_security=OFF, temp_store=MEMORY")
    out(f"schema written by this app: {head_version()}")
    out(f"data dir: {app.data_dir}{'' if app.data_dir.is_dir() else ' (missing)'}")
    out(f"profiles: {', '.join(app.profiles()) or '(none)'}")
    out(f"profile '{paths.profile}':")
    out(f"  key slots: {_describe(paths.keyslots)}")
    out(f"  database:  {_describe(paths.database)}")
    backups = sorted(paths.backups_dir.glob("*")) if paths.backups_dir.is_dir() else []
    out(f"  backups:   {paths.backups_dir} ({len(backups)} item(s))")
    county, county_source = county_crisis_line()
    out(
        f"county crisis line: {county} (from {county_source})"
        if county
        else "county crisis line: NOT SET"
    )
    warning = county_line_warning()
    if warning:
        out(f"warning: {warning}")
    return 0 if lib["temp_store_safe"] == "yes" else 3
