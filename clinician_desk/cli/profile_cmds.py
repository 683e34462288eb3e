"""``profile``: the clinician's display name and credential printed on documents."""

from __future__ import annotations

import argparse
from typing import Any

from clinician_desk.cli.common import out, vault_session
from clinician_desk.services.profile import read_profile, set_profile


def register(sub: Any) -> None:
    p = sub.add_parser("profile", help="the clinician's name and credential on documents")
    actions = p.add_subparsers(dest="profile_command", metavar="ACTION")
    actions.required = True
    s = actions.add_parser("set", help="set the display name and/or credential")
    s.add_argument("--display-name", help='as signed on documents, e.g. "Alex Sample"')
    s.add_argument("--credential", help="e.g. AMFT, APCC, ASW, LMFT, PPS")
    s.add_argument("--license-number", help='e.g. "AMFT 000000" (printed on the hours log)')
    s.add_argument("--supervisor-name", help="hours log: the supervisor's name")
    s.add_argument("--supervisor-license", help='hours log: e.g. "LMFT 000000"')
    s.add_argument("--site", help="hours log: the work setting (school or agency)")
    s.set_defaults(func=cmd_profile_set)
    show = actions.add_parser("show", help="show what documents print")
    show.set_defaults(func=cmd_profile_show)


def cmd_profile_set(args: argparse.Namespace) -> int:
    with vault_session(args) as services:
        profile = set_profile(
            services.db,
            display_name=args.display_name,
            credential=args.credential,
            license_number=args.license_number,
            supervisor_name=args.supervisor_name,
            supervisor_license=args.supervisor_license,
            site=args.site,
        )
    out(f"Documents are signed: {profile.signature() or '(not set)'}")
    return 0


def cmd_profile_show(args: argparse.Namespace) -> int:
    with vault_session(args) as services:
        with services.db.read() as conn:
            profile = read_profile(conn)
    out(f"display name: {profile.display_name or '(not set)'}")
    out(f"credential:   {profile.credential or '(not set)'}")
    out(f"license:      {profile.license_number or '(not set)'}")
    out(f"signature:    {profile.signature() or '(not set)'}")
    return 0
