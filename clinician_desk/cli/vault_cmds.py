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
from clinician_desk.bootstrap import (
    Services,
    build_services,
    create_vault_and_open,
    restore_vault_from_backup,
    rotate_data_key,
)
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
from clinician_desk.config import AppPaths
from clinician_desk.domain.text_hygiene import clean_field, printable
from clinician_desk.errors import IntegrityError, UsageError, ValidationError, VaultError
from clinician_desk.reports.handout_library import county_crisis_line, county_line_warning
from clinician_desk.storage.backup import write_backup
from clinician_desk.storage.connection import library_report
from clinician_desk.storage.migrations_runner import head_version
from clinician_desk.vault import (
    change_passphrase,
    check_new_passphrase,
    reset_passphrase_with_recovery,
    unlock_vault,
)
from clinician_desk.vault.process import core_dump_status


def register(sub: Any) -> None:
    p = sub.add_parser("init", help="create a new vault (prints the recovery key once)")
    p.add_argument(
        "--name-file",
        help="read the clinician's name (shown on printouts) from this file; "
        "without it the name is asked for (or read as the first line of piped input)",
    )
    p.add_argument(
        "--name",
        help="deprecated: puts the name on the command line, where other local users can see "
        "it; use --name-file or the prompt",
    )
    p.set_defaults(func=cmd_init, kdf=None)

    p = sub.add_parser(
        "verify",
        help="check key slots, cipher integrity, structure, foreign keys, audit chain, schema "
        "and the signed record (docs/design/tamper-evidence.md)",
    )
    p.add_argument(
        "--accept-missing-changes",
        action="store_true",
        help="record (audited) that changes lost from a damaged write-ahead log are accepted",
    )
    p.add_argument(
        "--anchors",
        action="store_true",
        help="also prove the audit trail against the anchors this laptop sent the county",
    )
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser(
        "regenerate-recovery-key",
        help="replace the recovery key (prints the new one once; the old one stops working)",
    )
    p.set_defaults(func=cmd_regenerate_recovery_key, kdf=None)

    p = sub.add_parser(
        "rotate-key",
        help="re-encrypt the vault under a new data key; old key files and the old recovery "
        "key stop opening it (prints the new recovery key once)",
    )
    p.set_defaults(func=cmd_rotate_key, kdf=None)

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
        p.add_argument(
            "--rotate",
            action="store_true",
            help="also re-encrypt the vault under a new data key (see rotate-key)",
        )
        if name == "recover":
            p.add_argument("--recovery-key-file", help="read the recovery key from this file")
        p.set_defaults(func=func, kdf=None)

    p = sub.add_parser("doctor", help="versions, cipher settings and paths (no secrets)")
    p.set_defaults(func=cmd_doctor)


def _check_name(name: str) -> str:
    try:
        name = clean_field(name.strip(), "The clinician's name", 120)
    except ValidationError as exc:
        raise UsageError(exc.message) from None
    if not name:
        raise UsageError("The clinician's name must be 1–120 printable characters.")
    return name


def _audit(services: Services, action: str, details: dict[str, object] | None = None) -> None:
    with services.db.unit_of_work() as uow:
        uow.audit(action, "vault", None, details)


def _read_name(args: argparse.Namespace) -> str:
    """The clinician's name: ``--name-file``, else (deprecated) ``--name``, else a prompt."""
    if args.name_file:
        try:
            with open(args.name_file, "rb") as handle:
                raw = handle.read(4096)
            return raw.decode("utf-8").splitlines()[0] if raw.strip() else ""
        except (OSError, UnicodeDecodeError):
            raise UsageError(f"The name file {args.name_file} cannot be read as text.") from None
    if args.name is not None:
        return str(args.name)  # deprecated: warned about once the vault exists (cmd_init)
    if not sys.stdin.isatty():
        return sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    try:
        return input("Clinician's name (shown on printouts): ")
    except EOFError:
        raise UsageError("No name given: use --name-file FILE or answer the prompt.") from None


def cmd_init(args: argparse.Namespace) -> int:
    name = _check_name(_read_name(args))
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
    if args.name is not None and not args.name_file:
        # After the work, so a failure still reports exactly one line.
        print(
            "warning: --name is deprecated (other local users can read command lines); "
            "use --name-file FILE or answer the prompt",
            file=sys.stderr,
        )
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
        if getattr(args, "anchors", False):
            note, found = services.sync.check_anchors()
            if found and args.accept_missing_changes:
                through = services.sync.accept_anchor_findings()
                if through is not None:
                    out(f"recorded: the county anchors up to {through} are accepted as lost")
                    note, found = services.sync.check_anchors()
            if note:
                out(f"anchors: {note}")
            problems += found
        problems = list(dict.fromkeys(problems))  # the unlock check and verify may agree
        version = services.db.schema_version
        with services.db.read() as conn:
            entries = int(conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])
    if problems:
        for line in problems:
            print(f"problem: {printable(line)}", file=sys.stderr)
        raise IntegrityError(
            f"verify found {len(problems)} problem(s) in {services.paths.database.name}; "
            "restore from a backup (clinician-desk-admin restore FILE)."
        )
    out(
        f"ok: key slots, cipher integrity, structure, foreign keys, audit chain "
        f"({entries} entries), schema fingerprint and signed record; schema {version}"
    )
    return 0


def _print_new_recovery_key(text: str, escrow_dropped: bool) -> None:
    out("NEW RECOVERY KEY — write it down or print it and keep it somewhere safe.")
    out("It is shown only this once. The previous recovery key no longer works.")
    out("")
    out(f"    {text}")
    out("")
    if escrow_dropped:
        out(
            "note: the county escrow slot could not be re-sealed (no county key on record); "
            "enrol this laptop again (clinician-desk-admin sync enroll) to restore it."
        )


def _rotate(args: argparse.Namespace, current: str, passphrase: str, reason: str) -> None:
    """Unlock with ``current``, then re-encrypt under a new data key with ``passphrase`` in the
    passphrase slot."""
    paths = vault_paths(args)
    require_vault(paths)
    key = unlock_vault(paths, current)
    try:
        services = build_services(paths, key, SystemClock())
    except BaseException:
        key.wipe()
        raise
    try:
        result = rotate_data_key(services, passphrase, kdf=args.kdf, reason=reason)
    except BaseException:
        services.close()
        raise
    result.services.close()
    _print_new_recovery_key(result.recovery_text, result.escrow_dropped)


def cmd_rotate_key(args: argparse.Namespace) -> int:
    passphrase = read_passphrase(args, "Passphrase: ")
    _rotate(args, passphrase, passphrase, "rotate-key")
    out("the vault is now encrypted under a new data key; old copies of vault.keys and the old")
    out("recovery key no longer open it (backups made before today still open with them)")
    return 0


def cmd_regenerate_recovery_key(args: argparse.Namespace) -> int:
    """A new recovery key *and* a new data key: a key file copied while the old recovery key
    was exposed would otherwise still open the vault with it."""
    passphrase = read_passphrase(args, "Passphrase: ")
    _rotate(args, passphrase, passphrase, "regenerate-recovery-key")
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
    result = restore_vault_from_backup(paths, src, passphrase, SystemClock())
    out(f"restored from {src} (backup of {result.header.created_at})")
    if result.replaced is not None:
        out(f"the previous vault was kept in {result.replaced}")
    return 0


def cmd_change_passphrase(args: argparse.Namespace) -> int:
    paths = vault_paths(args)
    require_vault(paths)
    if args.rotate:
        current = read_passphrase(args, "Current passphrase: ")
        new = read_new_passphrase(args)
        check_new_passphrase(new)
        _rotate(args, current, new, "change-passphrase")
        out("passphrase changed and the vault re-encrypted under a new data key")
        return 0
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
    if args.rotate:
        services = build_services(paths, key, SystemClock())
        try:
            _audit(services, "vault.passphrase_reset_with_recovery_key")
            result = rotate_data_key(services, new, kdf=args.kdf, reason="recover")
        except BaseException:
            services.close()
            raise
        result.services.close()
        out("new passphrase set and the vault re-encrypted under a new data key")
        _print_new_recovery_key(result.recovery_text, result.escrow_dropped)
        return 0
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
    out(core_dump_status())
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
