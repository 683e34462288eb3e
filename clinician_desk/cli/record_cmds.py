"""``clinician-desk-admin`` commands of the clinical record: import-roster, search, demo.

* ``import-roster FILE|ZIP|FOLDER [--preset NAME] [--mapping FILE] [--school-cds CDS]
  [--dry-run]`` — a single CSV, or a OneRoster 1.1/1.2 bundle zipped or in a folder;
  all-or-nothing; the report lists every problem with its file and line. Exit 0 when imported
  (or a clean dry run), 2 when refused.
* ``search QUERY [--psychotherapy] [--limit N]`` — ranked hits: kind, id, student, snippet.
* ``demo --students N --sessions M [--seed S]`` — fill the vault with fictional demo data.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from clinician_desk.cli.common import out, vault_session
from clinician_desk.demo.generator import DemoProgress, generate_demo
from clinician_desk.demo.screenings import demo_screenings
from clinician_desk.domain.roster import PRESET_NAMES
from clinician_desk.errors import ValidationError
from clinician_desk.services.roster import load_mapping_file, read_roster_source


def register(subparsers: Any) -> None:
    imp = subparsers.add_parser("import-roster", help="import students from a roster CSV")
    imp.add_argument(
        "file",
        type=Path,
        help="the roster export: a CSV file, or a OneRoster 1.1/1.2 bundle (zip or folder)",
    )
    imp.add_argument("--preset", choices=PRESET_NAMES, help="column layout (default: detect)")
    imp.add_argument("--mapping", type=Path, help="custom column mapping (JSON)")
    imp.add_argument("--school-cds", help="14-digit CDS code for rows without a school column")
    imp.add_argument("--dry-run", action="store_true", help="report only; change nothing")
    imp.set_defaults(func=cmd_import_roster)

    search = subparsers.add_parser("search", help="full-text search of notes and names")
    search.add_argument("query")
    search.add_argument("--psychotherapy", action="store_true", help="include psychotherapy notes")
    search.add_argument("--limit", type=int, default=20)
    search.set_defaults(func=cmd_search)

    demo = subparsers.add_parser("demo", help="fill the vault with fictional demo data")
    demo.add_argument("--students", type=int, default=200)
    demo.add_argument("--sessions", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=7)
    demo.set_defaults(func=cmd_demo)


def cmd_import_roster(args: argparse.Namespace) -> int:
    data = read_roster_source(args.file)
    mapping = load_mapping_file(args.mapping) if args.mapping else None
    with vault_session(args) as services:
        try:
            result = services.record.import_roster(
                data,
                preset=args.preset,
                mapping=mapping,
                default_school_cds=args.school_cds,
                dry_run=args.dry_run,
            )
        except ValidationError as exc:
            if "\n" not in exc.message:
                raise ValidationError(f"{args.file.name}: {exc.message}") from None
            out(exc.message)
            raise ValidationError(f"{args.file.name}: not imported (see the report).") from None
    out(result.report())
    return 2 if args.dry_run and not result.parsed.ok else 0


def cmd_search(args: argparse.Namespace) -> int:
    with vault_session(args) as services:
        hits = services.record.search(
            args.query, include_psychotherapy=args.psychotherapy, limit=args.limit
        )
    for h in hits:
        snippet = " ".join(h.snippet.split())
        out(f"{h.kind:13} {h.ref_id:>7}  {h.student_display_name:28.28}  {snippet}")
    if not hits:
        out("no matches")
    return 0


def _demo_progress() -> DemoProgress:
    """Progress lines on stderr: each stage once, sessions at every tenth."""
    shown: set[tuple[str, int]] = set()

    def show(stage: str, done: int, total: int) -> None:
        step = (stage, done * 10 // total if stage == "sessions" and total else 0)
        if stage != "done" and step not in shown:
            shown.add(step)
            count = f" {done:,}/{total:,}" if stage == "sessions" else "..."
            print(f"demo: {stage}{count}", file=sys.stderr, flush=True)

    return show


def cmd_demo(args: argparse.Namespace) -> int:
    with vault_session(args) as services:
        start = time.perf_counter()
        # demo screenings in the same transaction
        extra = [demo_screenings(services.screenings.instruments)]
        summary = generate_demo(
            services.db,
            students=args.students,
            sessions=args.sessions,
            seed=args.seed,
            extra=extra,
            progress=_demo_progress(),
        )
        out(f"{summary} in {time.perf_counter() - start:.1f} s")
    return 0
