"""Screening commands of `clinician-desk-admin`: instruments, score, rescore-screenings.

``instruments`` lists the bundled instruments with their versions; ``--items ID`` prints the item
ids and allowed answers of one instrument (the ids ``score`` expects). ``score INSTRUMENT
--responses JSON`` needs no vault: it scores one answer map and prints the result as JSON. Bad
input (unknown instrument or item, a value outside the item's options, an answer to a skipped
item, non-JSON) exits 2 with one line on stderr; nothing is stored. ``rescore-screenings`` opens
the vault and adds results for the current rule versions, keeping the older results.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from clinician_desk.bundled.instruments import get_instrument, load_instruments
from clinician_desk.domain.screenings import Instrument, score
from clinician_desk.errors import UsageError


def register(subparsers: Any) -> None:
    listing = subparsers.add_parser("instruments", help="list screening instruments and versions")
    listing.add_argument(
        "--items", metavar="INSTRUMENT", help="show the item ids of one instrument"
    )
    listing.set_defaults(func=cmd_instruments)

    scoring = subparsers.add_parser("score", help="score one screening (prints JSON; no vault)")
    scoring.add_argument("instrument", help="instrument id, e.g. phq-a (see: instruments)")
    scoring.add_argument(
        "--responses",
        required=True,
        help='JSON object mapping item ids to answers, e.g. \'{"1": 2, "2": 0}\'; "-" reads stdin',
    )
    scoring.add_argument(
        "--population", help="threshold population where the instrument has several (adult, ...)"
    )
    scoring.set_defaults(func=cmd_score)

    rescoring = subparsers.add_parser(
        "rescore-screenings",
        help="re-score stored screenings with the current rule versions (keeps older results)",
    )
    rescoring.set_defaults(func=cmd_rescore)


def cmd_instruments(args: argparse.Namespace) -> int:
    if args.items:
        _print_items(get_instrument(args.items))
        return 0
    for instrument in load_instruments().values():
        print(f"{instrument.id:16} {instrument.version:45} rules {instrument.scoring.rule_version}")
    return 0


def _print_items(instrument: Instrument) -> None:
    print(f"{instrument.title} — {instrument.version} (rules {instrument.scoring.rule_version})")
    low, high = instrument.age_range
    print(f"respondent: {instrument.respondent}; ages {low}-{high}")
    for item in instrument.items:
        if item.count_range is not None:
            answers = f"whole number {item.count_range[0]}-{item.count_range[1]}"
        else:
            answers = " | ".join(f"{json.dumps(o.value)}={o.label}" for o in item.options)
        flags = [] if item.required else ["optional"]
        if item.ask_if is not None:
            flags.append("asked only when earlier answers call for it")
        extra = f" ({'; '.join(flags)})" if flags else ""
        print(f"  {item.id}: {answers}{extra}")
    print(instrument.attribution)


def cmd_score(args: argparse.Namespace) -> int:
    instrument = get_instrument(args.instrument)
    text = sys.stdin.read() if args.responses == "-" else args.responses
    try:
        responses = json.loads(text)
    except (ValueError, RecursionError):
        raise UsageError(
            "--responses is not valid JSON (expected an object of item ids to answers)"
        ) from None
    if not isinstance(responses, dict):
        raise UsageError("--responses must be a JSON object mapping item ids to answers")
    result = score(instrument, responses, population=args.population)
    print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    return 0


def cmd_rescore(args: argparse.Namespace) -> int:
    from clinician_desk.cli.common import vault_session

    with vault_session(args) as services:
        count = services.screenings.rescore_outdated()
    print(f"re-scored {count} screening(s) with the current rule versions")
    return 0
