"""``whoami`` and ``handoff``: passing a caseload to a colleague's vault (docs/design/handoff.md).

* ``whoami`` — this vault's handoff name, fingerprint (read it aloud) and card (give it out);
  ``--qr`` also prints the card as a QR code, ``--pdf FILE`` writes the printed card.
* ``handoff add-contact CARD`` / ``--card-file FILE`` — keep a colleague's card; prints the
  fingerprint to check with them. ``handoff contacts`` lists the colleagues kept;
  ``handoff forget-contact FINGERPRINT`` revokes one (audited; no longer a recipient).
* ``handoff export --students 3,7 --to FINGERPRINT -o FILE [--psychotherapy-notes 7]`` — seal
  those students' records to the colleague; the file is encrypted, never plain text.
* ``handoff inspect FILE`` — check a package and show what it holds (counts only).
* ``handoff import FILE`` — check and import it in one transaction (a second import changes
  nothing).
* ``handoff confirm FILE`` (or ``--hash``) — after the colleague confirmed the import: the
  students become read-only here, kept until their retention date.

Output names clinicians, fingerprints, ids and counts; never student names or content.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
from typing import Any

from clinician_desk.cli.common import out, vault_session
from clinician_desk.cli.sync_cmds import _sync_service
from clinician_desk.errors import NotFoundError, UsageError
from clinician_desk.services.handoff import HandoffService, Imported, registry
from clinician_desk.services.handoff.keys import normalize_fingerprint
from clinician_desk.services.handoff.package import write_package_file

_MAX_PACKAGE = 2 * 1024 * 1024 * 1024


def register(subparsers: Any) -> None:
    who = subparsers.add_parser("whoami", help="this vault's handoff fingerprint and card")
    who.add_argument("--qr", action="store_true", help="also print the card as a QR code")
    who.add_argument("--pdf", metavar="FILE", help="write the printed card (with its QR) here")
    who.set_defaults(func=cmd_whoami)
    group = subparsers.add_parser("handoff", help="hand a caseload to a colleague's vault")
    sub = group.add_subparsers(dest="handoff_command", metavar="ACTION")
    sub.required = True
    add = sub.add_parser("add-contact", help="keep a colleague's handoff card")
    add.add_argument("card", nargs="?", help="the card text (cdhk1.…)")
    add.add_argument("--card-file", help="read the card from this file")
    add.set_defaults(func=cmd_add_contact)
    forget = sub.add_parser(
        "forget-contact", help="revoke a kept colleague's card (no longer a recipient)"
    )
    forget.add_argument("fingerprint", help="the colleague's handoff fingerprint")
    forget.set_defaults(func=cmd_forget_contact)
    contacts = sub.add_parser("contacts", help="colleagues whose cards are kept")
    contacts.set_defaults(func=cmd_contacts)
    look = sub.add_parser("lookup", help="find a colleague's card in the county's registry")
    look.add_argument("--name", help="the colleague's name, or part of it")
    look.add_argument("--school", help="a school's 14-digit CDS code")
    look.set_defaults(func=cmd_lookup)
    pub = sub.add_parser("publish", help="publish this vault's card to the county's registry")
    pub.set_defaults(func=cmd_publish)
    export = sub.add_parser("export", help="seal students' records to a colleague")
    export.add_argument("--students", required=True, help="student ids, e.g. 3,7,12")
    export.add_argument("--to", required=True, help="the colleague's handoff fingerprint")
    export.add_argument("-o", "--output", required=True, help="the package file to write")
    export.add_argument(
        "--psychotherapy-notes",
        default="",
        help="student ids whose psychotherapy notes go too (by default they never do)",
    )
    export.set_defaults(func=cmd_export)
    inspect = sub.add_parser("inspect", help="check a package and show what it holds")
    inspect.add_argument("file")
    inspect.set_defaults(func=cmd_inspect)
    imp = sub.add_parser("import", help="check and import a package")
    imp.add_argument("file")
    imp.set_defaults(func=cmd_import)
    confirm = sub.add_parser(
        "confirm", help="the colleague imported it: mark the students transferred"
    )
    confirm.add_argument("file", nargs="?", help="the package file that was sent")
    confirm.add_argument("--hash", help="or the package hash shown by export")
    confirm.set_defaults(func=cmd_confirm)


def _ids(text: str, what: str) -> list[int]:
    ids: list[int] = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        if not part.isdigit() or int(part) <= 0:
            raise UsageError(f"{what} are student ids separated by commas (e.g. 3,7,12).")
        ids.append(int(part))
    return ids


def _read_package(path: str) -> bytes:
    file = Path(path)
    try:
        if file.stat().st_size > _MAX_PACKAGE:
            raise UsageError(f"{path} is too large to be a handoff package.")
        return file.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"The file {path} does not exist.") from None


def cmd_whoami(args: argparse.Namespace) -> int:
    with vault_session(args) as services:
        me = HandoffService(services.db).whoami()
    out(f"name:        {me.name}")
    out(f"fingerprint: {me.fingerprint}")
    out(f"card:        {me.card}")
    if args.qr or args.pdf:
        from clinician_desk.services.handoff.card_qr import card_pdf, card_terminal

        if args.qr:
            out(card_terminal(me.card))
        if args.pdf:
            target = Path(args.pdf)
            if target.exists():
                raise UsageError(f"{args.pdf} exists; choose another file name.")
            target.write_bytes(card_pdf(me.name, me.fingerprint, me.card))
            out(f"printed card written to {args.pdf}")
    return 0


def cmd_add_contact(args: argparse.Namespace) -> int:
    if args.card_file:
        card = _read_package(args.card_file).decode("utf-8", "replace")
    elif args.card:
        card = args.card
    else:
        raise UsageError("Give the card text or --card-file FILE.")
    with vault_session(args) as services:
        colleague = HandoffService(services.db).add_contact(card)
    out(f"kept: {colleague.name}")
    out(f"fingerprint: {colleague.fingerprint}")
    out("Check this fingerprint with them (in person or by phone) before handing anything off.")
    return 0


def cmd_forget_contact(args: argparse.Namespace) -> int:
    with vault_session(args) as services:
        fingerprint, name = HandoffService(services.db).forget_contact(args.fingerprint)
    out(f"forgot: {name} ({fingerprint})")
    out("Their card is no longer a recipient here; add it again to hand off to them.")
    return 0


def cmd_contacts(args: argparse.Namespace) -> int:
    with vault_session(args) as services:
        rows = HandoffService(services.db).contacts()
    if not rows:
        out("no colleague's card is kept (handoff add-contact CARD)")
    for fingerprint, name, added in rows:
        out(f"{fingerprint}  {name} (added {added[:10]})")
    return 0


def cmd_lookup(args: argparse.Namespace) -> int:
    # The core's refusals are worded for the app; the CLI names its own command and options.
    if not (args.name or "").strip() and not (args.school or "").strip():
        raise UsageError("Give a name (--name), a school CDS code (--school) or both.")
    with vault_session(args) as services:
        sync = _sync_service(services)
        try:
            device = registry.lookup_device(services.db)
        except UsageError:
            raise UsageError(
                "Enroll this laptop with the county first (clinician-desk-admin enroll)."
            ) from None
        found = registry.search(
            device, services.clock, sync.client_factory, name=args.name, school=args.school
        )
    if not found:
        out("no colleague's card matches (their laptop publishes it when enrolled)")
        return 0
    for card in found:
        credential = f", {card.credential}" if card.credential else ""
        out(f"{card.name}{credential} — schools {', '.join(card.schools)}")
        out(f"  fingerprint: {card.fingerprint}")
        out(f"  card:        {card.card}")
    out(
        "The fingerprint is what you trust, not this list: ask the colleague to read theirs"
        " aloud (clinician-desk-admin whoami) and keep the card with"
        " 'handoff add-contact CARD' only if it matches."
    )
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    with vault_session(args) as services:
        sync = _sync_service(services)
        result = registry.publish_card(services.db, services.clock, sync.client_factory, force=True)
    if result == "not enrolled":
        raise UsageError(
            "This laptop is not enrolled with a county server (clinician-desk-admin enroll)."
        )
    out(f"handoff card {result} in the county's registry")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    ids = _ids(args.students, "--students")
    psy = _ids(args.psychotherapy_notes, "--psychotherapy-notes")
    target = Path(args.output)
    if target.exists():
        raise UsageError(f"{target} already exists; choose another file. Nothing was exported.")
    if not target.parent.is_dir():
        raise UsageError(f"The folder {target.parent} does not exist. Nothing was exported.")
    with vault_session(args) as services:
        service = HandoffService(services.db)
        to = normalize_fingerprint(args.to)
        if to not in {fp for fp, _name, _at in service.contacts()}:
            raise NotFoundError(
                f"No colleague with the handoff fingerprint {to} is known here. Add their card "
                "first (clinician-desk-admin handoff add-contact) and check the fingerprint with "
                "them. Nothing was exported."
            )
        done = service.export(ids, to, psychotherapy_for=psy)
    write_package_file(target, done.data)
    out(f"sealed {done.students} student(s) for {done.recipient} ({done.recipient_fingerprint})")
    for table, n in done.counts.items():
        out(f"  {table}: {n}")
    if done.drafts_left:
        out(
            f"warning: {done.drafts_left} unsigned note(s) of these students are not in the"
            " package; sign them and export again, or they stay here unsigned"
        )
    out(f"package hash: {done.package_hash}")
    out("When the colleague has imported it: clinician-desk-admin handoff confirm FILE")
    return 0


def _show(done: Imported, verb: str) -> None:
    out(f"{verb} from {done.sender} ({done.sender_fingerprint}), made {done.made_at[:10]}")
    for table, n in done.counts.items():
        out(f"  {table}: {n}")
    out(f"package hash: {done.package_hash}")


def cmd_inspect(args: argparse.Namespace) -> int:
    data = _read_package(args.file)
    with vault_session(args) as services:
        done = HandoffService(services.db).inspect(data)
    _show(done, "a valid package")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    data = _read_package(args.file)
    with vault_session(args) as services:
        done = HandoffService(services.db).import_package(data)
    if done.already:
        out(f"this package was already imported on {done.recorded_at[:10]}; nothing changed")
        out(f"package hash: {done.package_hash}")
        return 0
    _show(done, "imported")
    out(f"students here: {', '.join(str(i) for i in done.student_ids)}")
    out("Tell the sender it is imported, so they can confirm the handoff.")
    return 0


def cmd_confirm(args: argparse.Namespace) -> int:
    if args.hash:
        digest = args.hash
    elif args.file:
        digest = hashlib.sha256(_read_package(args.file)).hexdigest()
    else:
        raise UsageError("Give the package file or --hash.")
    with vault_session(args) as services:
        students = HandoffService(services.db).confirm(digest)
    if not students:
        out("this handoff was already confirmed; nothing changed")
    else:
        out(f"transferred (read-only here): {', '.join(str(i) for i in students)}")
    return 0
