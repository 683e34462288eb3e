"""``clinician-desk-admin retention``: records past their retention date, and destroying one.

* ``retention list`` — eligible students (services ended and ``retain_until`` passed, not yet
  destroyed): id, retention date, end of services. Ids and dates only, never names.
* ``retention destroy STUDENT_ID --confirm`` — destroys that record (``services.retention``):
  refused with the date when the student is not yet eligible, and without ``--confirm``
  (exit 2, nothing changed). Prints what was removed, by kind, as counts.

Nothing is ever destroyed automatically; docs/design/domain-rules.md, "Retention".
"""

from __future__ import annotations

import argparse
from typing import Any

from clinician_desk.cli.common import out, vault_session
from clinician_desk.errors import UsageError
from clinician_desk.messages import M


def register(subparsers: Any) -> None:
    group = subparsers.add_parser(
        "retention", help="records past their retention date; destroy one on request"
    )
    sub = group.add_subparsers(dest="retention_command", metavar="ACTION")
    sub.required = True
    listing = sub.add_parser("list", help="students whose records may now be destroyed")
    listing.set_defaults(func=cmd_list)
    destroy = sub.add_parser("destroy", help="destroy one eligible student's record")
    destroy.add_argument("student_id", type=int, metavar="STUDENT_ID")
    destroy.add_argument(
        "--confirm", action="store_true", help="required: the destruction cannot be undone"
    )
    destroy.set_defaults(func=cmd_destroy)


def cmd_list(args: argparse.Namespace) -> int:
    with vault_session(args) as services:
        eligible = services.retention.eligible()
    if not eligible:
        out("no record is past its retention date")
        return 0
    for state in eligible:
        out(
            f"student {state.student_id}: keep until {state.retain_until.isoformat()} "
            f"(services ended {state.service_ended_on})"
        )
    out(f"{len(eligible)} record(s) may be destroyed: retention destroy STUDENT_ID --confirm")
    return 0


def cmd_destroy(args: argparse.Namespace) -> int:
    if args.student_id <= 0:
        raise UsageError("STUDENT_ID is the student's number in this vault (see retention list).")
    if not args.confirm:
        raise UsageError(
            f"Destroying the record of student {args.student_id} cannot be undone; "
            "add --confirm to do it. Nothing was changed."
        )
    with vault_session(args) as services, services.exclusively(M("destroy a record")):
        report = services.retention.destroy(args.student_id)
    removed = ", ".join(f"{kind} {n}" for kind, n in sorted(report.removed.items()) if n)
    out(
        f"destroyed the record of student {report.student_id} on {report.destroyed_on} "
        f"({removed or 'no content rows'}); the de-identified counts already sent are kept"
    )
    return 0
