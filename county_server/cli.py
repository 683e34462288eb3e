"""``county-server [--db URL] COMMAND``: the county's admin command line.

Commands: ``init`` (create/migrate the database, make the escrow keypair, SQLite file 0600),
``serve`` (uvicorn, ``cli_serve``; ``--demo`` fills a throw-away database with a fictional
county, ``--read-only [--primary URL]`` serves dashboards only),
``enrollment-code --org-units … --label … [--replaces DEVICE]``, ``list-devices``,
``revoke-device``, ``retire-device DEVICE --reason …``, ``unretire-device``, ``add-user``,
``list-users``, ``disable-user``, ``enable-user``, ``reset-password``, ``unlock-user``,
``audit-export``, ``prune-history``, ``close-period``, ``reopen-period``,
``load-org-units FILE``, ``export``, ``report --fiscal-year 2026-27 [--district CODE] -o FILE``,
``recover-key``. The database is ``--db``, else ``COUNTY_SERVER_DB``, else
``county-server.sqlite3`` in the current folder; ``postgresql://…`` selects PostgreSQL.
Every failure prints one line on stderr and exits non-zero. Every admin action is audited with
the actor ``cli:<login name>``.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from county_server import __version__
from county_server.cli_serve import DEFAULT_DB, add_serve_parser
from county_server.db import Database
from county_server.errors import ConfigError, ServerError
from county_server.settings import system_now


def _actor() -> str:
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):
        return "cli:unknown"


def _db(args: argparse.Namespace) -> Database:
    return Database.open(args.db or os.environ.get("COUNTY_SERVER_DB") or DEFAULT_DB)


def cmd_init(args: argparse.Namespace) -> int:
    from county_server import keys

    db = _db(args)
    if db.dialect == "sqlite":
        # It holds password hashes and the audit trail: owner only (new files are created so).
        for suffix in ("", "-wal", "-shm"):
            f = Path(db.url + suffix)
            if f.exists():
                f.chmod(0o600)
    if keys.escrow_public_key(db) is None and not args.no_escrow_key:
        path = Path(args.escrow_key_file)
        pub = keys.create_escrow_keypair(db, path, now=system_now(), actor=_actor())
        print(f"County escrow public key: {pub}")
        print(f"PRIVATE KEY WRITTEN TO {path} — move it OFFLINE now (USB stick in a safe);")
        print("the server never needs it. recover-key uses it for a verified clinician.")
    print(f"Database ready ({db.dialect}, schema {db.schema_version()}).")
    return 0


def _read_password(args: argparse.Namespace) -> str:
    if args.password_file:
        try:
            return Path(args.password_file).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise ConfigError(f"cannot read {args.password_file} ({exc.strerror})") from None
    env = os.environ.get("COUNTY_SERVER_PASSWORD")
    if env:
        return env
    first = getpass.getpass("Password (12+ characters): ")
    if getpass.getpass("Again: ") != first:
        raise ConfigError("the two passwords differ")
    return first


def cmd_add_user(args: argparse.Namespace) -> int:
    from county_server import auth

    db = _db(args)
    districts = [d.strip() for d in (args.districts or "").split(",") if d.strip()]
    auth.add_user(
        db,
        args.username,
        args.role,
        _read_password(args),
        districts,
        now=system_now(),
        actor=_actor(),
    )
    print(f"User {args.username} ({args.role}) added.")
    return 0


def cmd_enrollment_code(args: argparse.Namespace) -> int:
    from county_server import enrollment

    units = [u.strip() for part in args.org_units for u in part.split(",") if u.strip()]
    code = enrollment.issue_code(
        _db(args),
        units,
        now=system_now(),
        ttl_hours=args.ttl_hours,
        actor=_actor(),
        label=args.label,
        replaces=args.replaces,
    )
    print(code)
    print(f"One-time code for {len(units)} org unit(s), valid {args.ttl_hours} h.", file=sys.stderr)
    if args.replaces:
        print(
            f"When it is used, {args.replaces} is revoked and its counts are set aside.",
            file=sys.stderr,
        )
    return 0


def cmd_list_devices(args: argparse.Namespace) -> int:
    from county_server import enrollment

    with _db(args).read() as tx:
        devices = enrollment.list_devices(tx)
    print("DEVICE\tLABEL\tORG UNITS\tENROLLED\tLAST SEEN\tSTATUS")
    for d in devices:
        status = d.status + (f" ({d.retired_reason})" if d.retired_reason else "")
        print(
            f"{d.device_id}\t{d.label or '(no label)'}\t{','.join(d.org_units)}\t"
            f"{d.enrolled_at[:10]}\t{(d.last_seen_at or 'never')[:16]}\t{status}"
        )
    return 0


def cmd_revoke_device(args: argparse.Namespace) -> int:
    from county_server import enrollment

    enrollment.revoke_device(_db(args), args.device_id, now=system_now(), actor=_actor())
    print(f"Device {args.device_id} revoked.")
    return 0


def cmd_retire_device(args: argparse.Namespace) -> int:
    from county_server import enrollment

    moved = enrollment.retire_device(
        _db(args), args.device_id, args.reason, now=system_now(), actor=_actor()
    )
    print(f"Device {args.device_id} retired; {moved} count cell(s) set aside (unretire-device).")
    return 0


def cmd_unretire_device(args: argparse.Namespace) -> int:
    from county_server import enrollment

    moved = enrollment.unretire_device(_db(args), args.device_id, now=system_now(), actor=_actor())
    print(f"Device {args.device_id} unretired; {moved} count cell(s) count again.")
    return 0


def cmd_list_users(args: argparse.Namespace) -> int:
    from county_server import auth

    with _db(args).read() as tx:
        users = auth.list_users(tx)
    print("USERNAME\tROLE\tDISTRICTS\tCREATED\tSTATUS")
    for u in users:
        status = "disabled" if u.disabled else "enabled"
        if u.must_change_password:
            status += ", must change password"
        if u.waiting_sources:
            status += f", sign-in delayed from {u.waiting_sources} source(s)"
        print(
            f"{u.username}\t{u.role}\t{','.join(u.districts) or 'all'}\t"
            f"{u.created_at[:10]}\t{status}"
        )
    return 0


def cmd_disable_user(args: argparse.Namespace) -> int:
    from county_server import auth

    auth.set_disabled(_db(args), args.username, True, now=system_now(), actor=_actor())
    print(f"User {args.username} disabled and signed out.")
    return 0


def cmd_enable_user(args: argparse.Namespace) -> int:
    from county_server import auth

    auth.set_disabled(_db(args), args.username, False, now=system_now(), actor=_actor())
    print(f"User {args.username} enabled.")
    return 0


def cmd_unlock_user(args: argparse.Namespace) -> int:
    from county_server import auth

    n = auth.unlock_user(_db(args), args.username, now=system_now(), actor=_actor())
    print(f"Sign-in delays of {args.username} cleared ({n} source(s)).")
    return 0


def cmd_reset_password(args: argparse.Namespace) -> int:
    from county_server import auth

    temporary = auth.reset_password(_db(args), args.username, now=system_now(), actor=_actor())
    print(temporary)
    print(
        f"Temporary password for {args.username} (shown once). Hand it over in person or by "
        "phone; it must be changed at the next sign-in.",
        file=sys.stderr,
    )
    return 0


def cmd_audit_export(args: argparse.Namespace) -> int:
    from county_server import audit

    f = audit.AuditFilter(
        actor=args.actor or "",
        action=args.action or "",
        device=args.device or "",
        since=args.since or "",
        until=args.until or "",
    )
    db = _db(args)
    with db.read() as tx:
        data = audit.export_csv(tx, f)
    with db.transaction() as tx:
        audit.record(
            tx, system_now(), _actor(), "audit_exported", {k: v for k, v in vars(f).items() if v}
        )
    if args.out:
        Path(args.out).write_bytes(data)
        print(f"Wrote {args.out}.", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
    return 0


def cmd_prune_history(args: argparse.Namespace) -> int:
    from county_server import retention

    done = retention.prune_history(
        _db(args), now=system_now(), years=args.years, actor=_actor(), dry_run=args.dry_run
    )
    verb = "Would delete" if args.dry_run else "Deleted"
    print(
        f"{verb} {done.deleted} superseded snapshot revision(s) received before {done.before}; "
        f"kept {done.kept_latest} latest revision(s) of that age."
    )
    return 0


def cmd_close_period(args: argparse.Namespace) -> int:
    from county_server import periods

    periods.close_period(_db(args), args.period, args.district, now=system_now(), actor=_actor())
    print(f"Period {args.period} closed for {args.district or 'the whole county'}.")
    return 0


def cmd_reopen_period(args: argparse.Namespace) -> int:
    from county_server import periods

    periods.reopen_period(_db(args), args.period, args.district, now=system_now(), actor=_actor())
    print(f"Period {args.period} reopened for {args.district or 'the whole county'}.")
    return 0


def cmd_load_org_units(args: argparse.Namespace) -> int:
    from county_server import orgunits

    d, s = orgunits.load_csv(_db(args), Path(args.file), now=system_now(), actor=_actor())
    print(f"Loaded {d} district(s) and {s} school(s).")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from county_server.exports import export

    db = _db(args)
    districts = [d.strip() for d in (args.districts or "").split(",") if d.strip()] or None
    data, _name = export(
        db,
        args.format,
        args.start,
        args.end,
        districts,
        now=system_now(),
        actor=_actor(),
        level=args.level,
    )
    if args.out:
        Path(args.out).write_bytes(data)
        print(f"Wrote {args.out}.", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from county_server.report import report_audited

    pdf = report_audited(
        _db(args), system_now(), args.fiscal_year, actor=_actor(), district=args.district
    )
    Path(args.out).write_bytes(pdf)
    print(f"Wrote {args.out}.", file=sys.stderr)
    return 0


def cmd_rebuild_publication(args: argparse.Namespace) -> int:
    from county_server.publication import cube

    st = cube.rebuild(_db(args), system_now())
    print(f"Publication rebuilt: {st.cells} cells, {st.hidden} hidden, up to {st.window.current}.")
    return 0


def cmd_audit_publication(args: argparse.Namespace) -> int:
    from county_server.publication import cube
    from county_server.publication.audit import audit

    db = _db(args)
    now = system_now()
    cube.ensure_fresh(db, now)
    pub, mismatched = cube.stored_publication(db, now)
    report = audit(pub)
    print(report.summary())
    for e in report.exposed[:20]:
        print(f"  pinned: {e.key} lies in [{e.low:.2f}, {e.high:.2f}]")
    if mismatched:
        print(
            f"  {len(mismatched)} stored cell(s) disagree with the counts; rebuild the publication"
        )
    return 0 if report.passed and not mismatched else 1


def cmd_recover_key(args: argparse.Namespace) -> int:
    from county_server import keys

    db = (
        _db(args)
        if (args.db or os.environ.get("COUNTY_SERVER_DB") or Path(DEFAULT_DB).exists())
        else None
    )
    if bool(args.vault_dir) == bool(args.out):
        raise ConfigError("give either --vault-dir (set a temporary passphrase) or --out")
    if args.vault_dir:
        if not args.new_passphrase_file:
            raise ConfigError("--vault-dir needs --new-passphrase-file")
        try:
            phrase = Path(args.new_passphrase_file).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise ConfigError(f"cannot read {args.new_passphrase_file} ({exc.strerror})") from None
        keys.reset_vault_passphrase(
            db,
            Path(args.vault_dir),
            Path(args.private_key_file),
            phrase,
            now=system_now(),
            actor=_actor(),
            verified_by=args.verified_by,
        )
        print("Temporary passphrase set on the vault; the clinician must change it at first use.")
        return 0
    if not args.keyslot_file:
        raise ConfigError("--out needs --keyslot-file")
    keys.recover_key(
        db,
        Path(args.keyslot_file),
        Path(args.private_key_file),
        Path(args.out),
        now=system_now(),
        actor=_actor(),
        verified_by=args.verified_by,
    )
    print(f"Data key written to {args.out} (mode 0600). Hand it over in person; then delete it.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="county-server", description="The county's counts server.")
    p.add_argument("--version", action="version", version=f"county-server {__version__}")
    p.add_argument("--db", help="SQLite file or postgresql:// URL (else $COUNTY_SERVER_DB)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    s = sub.add_parser("init", help="create or upgrade the database; make the escrow keypair")
    s.add_argument(
        "--escrow-key-file",
        default="county-escrow-private.pem",
        help="where to write the NEW private key (move it offline)",
    )
    s.add_argument("--no-escrow-key", action="store_true", help="skip the escrow keypair")
    s.set_defaults(func=cmd_init)

    add_serve_parser(sub)

    s = sub.add_parser("add-user", help="add a county admin or supervisor")
    s.add_argument("username")
    s.add_argument("--role", choices=("admin", "supervisor"), required=True)
    s.add_argument("--districts", help="comma-separated district CDS codes (supervisors)")
    s.add_argument("--password-file", help="else $COUNTY_SERVER_PASSWORD, else a prompt")
    s.set_defaults(func=cmd_add_user)

    for name, func, text in (
        ("list-users", cmd_list_users, "every account: role, districts, status"),
        ("disable-user", cmd_disable_user, "stop an account signing in (and sign it out)"),
        ("enable-user", cmd_enable_user, "let a disabled account sign in again"),
        ("reset-password", cmd_reset_password, "print a temporary password (forced change)"),
        ("unlock-user", cmd_unlock_user, "clear an account's sign-in delays"),
    ):
        s = sub.add_parser(name, help=text)
        if name != "list-users":
            s.add_argument("username")
        s.set_defaults(func=func)

    s = sub.add_parser("audit-export", help="the audit trail as CSV (with filters)")
    s.add_argument("--actor", help="only this actor (e.g. web:ada, cli:root, device)")
    s.add_argument("--action", help="only this action (e.g. device_retired)")
    s.add_argument("--device", help="only entries naming this device id")
    s.add_argument("--from", dest="since", help="first day YYYY-MM-DD (UTC)")
    s.add_argument("--to", dest="until", help="last day YYYY-MM-DD (UTC)")
    s.add_argument("--out", help="file to write (default: stdout)")
    s.set_defaults(func=cmd_audit_export)

    s = sub.add_parser(
        "prune-history", help="delete superseded snapshot revisions past the horizon"
    )
    s.add_argument("--years", type=int, default=7, help="keep this many years (default 7)")
    s.add_argument("--dry-run", action="store_true", help="only count")
    s.set_defaults(func=cmd_prune_history)

    s = sub.add_parser("enrollment-code", help="issue a one-time enrollment code")
    s.add_argument("--org-units", nargs="+", required=True, help="school/district CDS codes")
    s.add_argument("--ttl-hours", type=int, default=72)
    s.add_argument(
        "--label",
        required=True,
        help="the clinician's role and school, e.g. 'School psychologist, Acorn Elementary'",
    )
    s.add_argument("--replaces", help="the device this laptop replaces (its counts set aside)")
    s.set_defaults(func=cmd_enrollment_code)

    s = sub.add_parser("list-devices", help="every device: label, org units, status")
    s.set_defaults(func=cmd_list_devices)

    s = sub.add_parser("revoke-device", help="stop a device from syncing")
    s.add_argument("device_id")
    s.set_defaults(func=cmd_revoke_device)

    s = sub.add_parser("retire-device", help="set a device's counts aside and stop it syncing")
    s.add_argument("device_id")
    s.add_argument("--reason", required=True, help="why (kept in the audit trail)")
    s.set_defaults(func=cmd_retire_device)

    s = sub.add_parser("unretire-device", help="undo retire-device: its counts count again")
    s.add_argument("device_id")
    s.set_defaults(func=cmd_unretire_device)

    s = sub.add_parser("close-period", help="refuse further counts for a month")
    s.add_argument("period", help="YYYY-MM")
    s.add_argument("--district", help="only this district (default: the whole county)")
    s.set_defaults(func=cmd_close_period)

    s = sub.add_parser("reopen-period", help="accept counts for a closed month again")
    s.add_argument("period", help="YYYY-MM")
    s.add_argument("--district", help="the district it was closed for (default: the county)")
    s.set_defaults(func=cmd_reopen_period)

    s = sub.add_parser("load-org-units", help="load districts and schools from a CSV")
    s.add_argument("file")
    s.set_defaults(func=cmd_load_org_units)

    s = sub.add_parser("export", help="published CSV or DHIS2 JSON for one month, quarter or FY")
    s.add_argument("--format", choices=("csv", "dhis2"), default="csv")
    s.add_argument("--from", dest="start", required=True, help="first month YYYY-MM")
    s.add_argument("--to", dest="end", required=True, help="last month YYYY-MM")
    s.add_argument("--districts", help="comma-separated district CDS codes (default: all)")
    s.add_argument(
        "--level",
        choices=("district-month", "district-year", "school-year", "finest"),
        default="district-month",
        help="published level (the year levels need --from/--to to span one fiscal year)",
    )
    s.add_argument("--out", help="file to write (default: stdout)")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("report", help="the printable fiscal-year report (PDF)")
    s.add_argument("--fiscal-year", required=True, help="e.g. 2026-27 (July 2026 to June 2027)")
    s.add_argument("--district", help="one district's CDS code (default: the whole county)")
    s.add_argument("-o", "--out", required=True, help="the PDF file to write")
    s.set_defaults(func=cmd_report)

    s = sub.add_parser("rebuild-publication", help="rebuild the published cube now")
    s.set_defaults(func=cmd_rebuild_publication)

    s = sub.add_parser(
        "audit-publication",
        help="prove no hidden small count can be worked out (exit 1 if one can)",
    )
    s.set_defaults(func=cmd_audit_publication)

    s = sub.add_parser("recover-key", help="unwrap a vault's escrow slot (verified clinician)")
    s.add_argument("--vault-dir", help="the clinician's vault folder: set a temporary passphrase")
    s.add_argument("--new-passphrase-file", help="with --vault-dir: the temporary passphrase")
    s.add_argument("--keyslot-file", help="with --out: the vault's key-slot file (vault.keys)")
    s.add_argument("--private-key-file", required=True, help="the county's offline private key")
    s.add_argument("--out", help="or: new file for the raw data key (hex, mode 0600)")
    s.add_argument("--verified-by", required=True, help="who verified the clinician's identity")
    s.set_defaults(func=cmd_recover_key)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except ServerError as exc:
        print(f"county-server: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
