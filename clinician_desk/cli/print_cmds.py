"""``clinician-desk-admin print`` and ``handouts``: explicit PDF exports and the handout list.

``print DOCUMENT ... -o FILE`` builds one document from the vault and writes it atomically to
FILE (audited as an export; an existing FILE needs ``--force``). Documents: ``handout``
(``--topic``, optional ``--language`` — default: the guardian's preferred language when
``--student`` is given, else English — ``--personalized``, ``--accept-draft`` for drafts),
``session-summary --note ID``, ``screening-summary --screening ID``, ``safety-plan --student
ID`` (``--lang`` — default: the student's language, else the guardian's, else English —
``--accept-draft`` for drafts), ``caseload-report --month YYYY-MM``, ``hours-log --week
YYYY-MM-DD --license AMFT|ASW|APCC``.
``handouts`` lists topics, languages and translation status (no vault needed).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from clinician_desk.cli.common import out, vault_session
from clinician_desk.errors import UsageError
from clinician_desk.reports import handout_library as handouts
from clinician_desk.services.printing import DOCUMENTS, DocumentRequest


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("print", help="export a document as a PDF file (audited)")
    p.add_argument("document", choices=DOCUMENTS, help="which document")
    p.add_argument("-o", "--output", required=True, help="PDF file to write")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.add_argument("--topic", default="", help="handout topic (see: handouts)")
    p.add_argument(
        "--language",
        "--lang",
        dest="language",
        help="language of a handout or safety plan: a code (es, fa-AF) or a name (Spanish)",
    )
    p.add_argument("--student", type=int, help="student id")
    p.add_argument("--personalized", action="store_true", help="handout with the student's details")
    p.add_argument("--accept-draft", action="store_true", help="print a draft translation")
    p.add_argument(
        "--include-result",
        action="append",
        default=[],
        metavar="INSTRUMENT",
        help="personalized handout: include this instrument's latest result, as words "
        "(e.g. PHQ-A; repeatable). Families get no results otherwise, and never CRAFFT.",
    )
    p.add_argument("--note", type=int, help="note id (session-summary)")
    p.add_argument("--screening", type=int, help="screening id (screening-summary)")
    p.add_argument("--month", help="YYYY-MM (caseload-report)")
    p.add_argument("--week", help="any date in the week, YYYY-MM-DD (hours-log)")
    p.add_argument("--license", default="", help="AMFT, ASW or APCC (hours-log)")
    p.set_defaults(func=cmd_print)

    h = subparsers.add_parser("handouts", help="list handout topics, languages and status")
    h.set_defaults(func=cmd_handouts)


def _month(text: str | None) -> tuple[int | None, int | None]:
    if not text:
        return None, None
    try:
        year, month = (int(x) for x in text.split("-"))
        date(year, month, 1)
    except ValueError:
        raise UsageError(f"--month {text!r} is not YYYY-MM.") from None
    return year, month


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--week {text!r} is not a date (YYYY-MM-DD).") from None


def request_from(args: argparse.Namespace) -> DocumentRequest:
    year, month = _month(args.month)
    return DocumentRequest(
        document=args.document,
        topic=args.topic,
        language=args.language,
        student_id=args.student,
        personalized=args.personalized,
        accept_draft=args.accept_draft,
        note_id=args.note,
        screening_id=args.screening,
        year=year,
        month=month,
        week_of=_day(args.week),
        license_type=args.license.upper(),
        include_results=frozenset(getattr(args, "include_result", None) or ()),
    )


def cmd_print(args: argparse.Namespace) -> int:
    req = request_from(args)
    target = Path(args.output)
    with vault_session(args) as services:
        printed = services.printing.export(req, target, overwrite=args.force)
    if printed.note:
        out(f"note: {printed.note}")
    out(f"wrote {target} ({len(printed.pdf)} bytes, {printed.document}, {printed.language})")
    return 0


def cmd_handouts(args: argparse.Namespace) -> int:
    for language in handouts.languages():
        statuses = {handouts.load_handout(t, language).status for t in handouts.topics()}
        out(f"{language:8} {'/'.join(sorted(statuses))}")
    out("topics: " + ", ".join(handouts.topics()))
    return 0
