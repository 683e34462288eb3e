"""``counts``, ``enroll``, ``sync`` and ``sync-status``: the sync commands of clinician-desk-admin.

* ``counts --period YYYY-MM [--json]`` prints exactly what would be sent for that month (the
  canonical bodies with ``--json``, one JSON document per line; a table otherwise). No network.
* ``enroll --server URL --code CODE`` registers this laptop with the county server.
* ``sync [--once]`` pushes pending months and prints one line per month; without ``--once`` it
  keeps retrying (with backoff) until nothing is pending. Exit 0 when everything went, 4 when
  something is waiting or was refused (the lines say what).
* ``sync-status`` prints the last sync, what waits and every month with a problem.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from clinician_desk.cli.common import out, vault_session
from clinician_desk.config.it_policy import load_policy
from clinician_desk.errors import UsageError
from clinician_desk.services.sync_service import SyncService
from clinician_desk.sync.worker import RoundResult


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("counts", help="show the de-identified counts a month would send")
    p.add_argument("--period", required=True, help="month, YYYY-MM")
    p.add_argument("--json", action="store_true", help="print the exact request bodies")
    p.set_defaults(func=cmd_counts)

    p = subparsers.add_parser("enroll", help="register this laptop with the county server")
    p.add_argument("--server", help="county server address, e.g. https://counts.example.org")
    p.add_argument("--code", required=True, help="the one-time enrollment code from the county")
    p.set_defaults(func=cmd_enroll)

    p = subparsers.add_parser("sync", help="send pending monthly counts to the county server")
    p.add_argument("--once", action="store_true", help="one attempt, no retry loop")
    p.set_defaults(func=cmd_sync)

    p = subparsers.add_parser("sync-status", help="last sync, pending months and problems")
    p.set_defaults(func=cmd_sync_status)


def _sync_service(services: Any) -> SyncService:
    sync = getattr(services, "sync", None)
    if isinstance(sync, SyncService):
        return sync
    return SyncService(services.db, services.clock, services.paths, services.key, services.events)


def cmd_counts(args: argparse.Namespace) -> int:
    with vault_session(args) as services:
        previews = _sync_service(services).preview(args.period)
    if args.json:
        for p in previews:
            out(p.payload.body.decode("utf-8"))
        return 0
    if not previews:
        out(f"No counts for {args.period}.")
        return 0
    for p in previews:
        doc = json.loads(p.payload.body)
        flags = [] if p.changed else ["unchanged since last send"]
        if not p.allowed:
            flags.append("org unit not enrolled on this device")
        extra = f"  ({'; '.join(flags)})" if flags else ""
        out(f"{doc['org_unit']} {doc['period']} revision {doc['revision']}{extra}")
        for cell in doc["cells"]:
            dims = " ".join(f"{k}={v}" for k, v in sorted(cell["dimensions"].items()))
            out(f"  {cell['measure']:24} {cell['value']:>7}  {dims}")
    return 0


def cmd_enroll(args: argparse.Namespace) -> int:
    # The core's refusals are worded for the app (decision 0150); the CLI names its options.
    if not (args.code or "").strip():
        raise UsageError("Give the enrollment code the county issued (--code CODE).")
    if not (args.server or "").strip() and not load_policy().server_url:
        raise UsageError("Give the county server's address (--server URL).")
    with vault_session(args) as services:
        sync = _sync_service(services)
        done = sync.enroll(args.server, args.code)
        sync.publish_handoff_card(force=True)
    out(f"Enrolled as {done.device_id} for {', '.join(done.org_units)}.")
    if sync.handoff_card_problem:
        out(f"{sync.handoff_card_problem} The next sync publishes it.")
    else:
        out("Handoff card published to the county's registry (handoff lookup finds it).")
    out(
        "County escrow slot set."
        if done.escrow_set
        else "The county has no escrow key yet; the escrow slot is not set."
    )
    return 0


def print_round(result: RoundResult) -> None:
    for v in result.verdicts:
        state = v.status or "waiting"
        line = f"{v.item.org_unit} {v.item.period} r{v.item.revision}: {state}"
        if v.status == "synced":
            line += f" ({v.message})"
        elif v.message:
            line += f" — {v.message}"
        out(line)
    if result.not_attempted:
        out(f"{result.not_attempted} more month(s) waiting.")
    if result.problem:
        out(result.problem)


def cmd_sync(args: argparse.Namespace) -> int:
    with vault_session(args) as services:
        sync = _sync_service(services)
        rounds = [sync.sync_once()] if args.once else sync.sync_until_idle()
        for r in rounds:
            print_round(r)
        if rounds and rounds[-1].stopped is None:
            card = sync.publish_handoff_card()  # only when the card changed
            if card == "stored":
                out("Handoff card updated in the county's registry.")
            elif card == "failed":
                out(sync.handoff_card_problem)
        status = sync.status()
    if not rounds or (not rounds[-1].verdicts and rounds[-1].stopped is None):
        out("Nothing to send." if status.enrolled else "This laptop is not enrolled.")
    clean = status.enrolled and not status.revoked and status.pending_count == 0
    return 0 if clean and not status.problems else 4


def cmd_sync_status(args: argparse.Namespace) -> int:
    with vault_session(args) as services:
        status = _sync_service(services).status()
    out(status.headline)
    if status.enrolled:
        out(f"Server: {status.server_url}  Device: {status.device_id}")
        out(f"Org units: {', '.join(status.org_units)}")
        if status.last_problem:
            out(f"Last attempt: {status.last_attempt_at} — {status.last_problem}")
    for p in status.periods:
        if p.status == "synced" and p.revision == p.acked_revision:
            continue
        county = p.server_revision if p.server_revision is not None else p.acked_revision
        line = f"{p.org_unit} {p.period} r{p.revision} (county has r{county}): {p.status}"
        if p.problem:
            line += f" — {p.problem}"
        out(line)
    return 0
