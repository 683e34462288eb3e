"""The roster import wizard's work on the database worker: read and dry-run, then commit.

Plain functions and data (no widgets), used by the wizard's pages (``roster_import_pages``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ui.i18n import _


@dataclass(frozen=True)
class RosterChoice:
    """What the source page chose (plain data handed to the worker)."""

    path: Path
    preset: str | None
    mapping_path: Path | None
    default_school_cds: str | None


@dataclass(frozen=True)
class CheckedRoster:
    """The roster (CSV bytes or OneRoster bundle) and mapping that passed (or failed) the dry
    run, with the core's result."""

    data: Any
    mapping: Any
    choice: RosterChoice
    result: Any


def check_roster(services: Any, choice: RosterChoice, control: Any) -> CheckedRoster:
    """Worker: read the file (and mapping), then dry-run the import; nothing is written."""
    from clinician_desk.services.roster import load_mapping_file, read_roster_source

    control.report(0, 0, _("Reading the file…"))
    data = read_roster_source(choice.path)
    control.check_cancelled()
    mapping = load_mapping_file(choice.mapping_path) if choice.mapping_path else None
    control.report(0, 0, _("Checking every line…"))
    control.check_cancelled()

    def progress(done: int, total: int) -> None:
        control.report(
            done, total, _("Checked {done} of {total} lines…").format(done=done, total=total)
        )
        control.check_cancelled()  # raises out of the (read-only) dry run

    result = services.record.import_roster(
        data,
        preset=choice.preset,
        mapping=mapping,
        default_school_cds=choice.default_school_cds,
        dry_run=True,
        progress=progress,
    )
    control.check_cancelled()
    return CheckedRoster(data, mapping, choice, result)


def commit_roster(
    services: Any, checked: CheckedRoster, control: Any, stop: threading.Event | None = None
) -> Any:
    """Worker: import the checked bytes for real (one transaction: every row or none).

    ``stop`` set before the last row makes the core raise ``RosterImportCancelled`` and roll
    everything back; set later, the import completes and its result is returned. (The task's own
    cancel is not used: it would report "cancelled" even for an import that had committed.)
    """
    control.report(0, 0, _("Importing…"))

    def progress(done: int, total: int) -> bool:
        text = _("Imported {done} of {total} students…").format(done=done, total=total)
        control.report(done, total, text)
        return stop is None or not stop.is_set()

    return services.record.import_roster(
        checked.data,
        preset=checked.choice.preset,
        mapping=checked.mapping,
        default_school_cds=checked.choice.default_school_cds,
        dry_run=False,
        progress=progress,
    )
