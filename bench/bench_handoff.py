"""Caseload handoff: export and import of a 50-student caseload between two real SQLCipher
vaults (the sender holds 200 students and 20,000 sessions of fictional demo data plus
screenings, a safety plan and process notes; ``tests.support.handoff.make_pair``).

``python -m bench.bench_handoff [--quick]`` (quick: 40 students / 2,000 sessions, 10 handed
off). Prints a Markdown table: seconds for

* the baseline: reading the same rows out of the sender's vault (the repository query the
  export uses, no sealing), measured in the same run;
* export (read, compress, HPKE seal, sign, audit) of the caseload;
* import (open, check every hash, insert, provenance, audit) into the recipient;
* ``verify`` of the recipient afterwards (full tamper checks of everything received);

with the ratio of each to the baseline, the package size and the rows carried. Target: export
and import <= 10 s each. Under ``python -m bench`` the same figures are rows:
``handoff_{baseline_read,export,import,verify}_s`` (ratio to the baseline) and
``handoff_package_mb``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from clinician_desk.storage.repositories import handoff as handoff_repo
from tests.support.handoff import make_pair, student_ids


@dataclass(frozen=True)
class Handoff:
    """One export and import of a caseload, timed (seconds)."""

    students: int
    sessions: int
    moved: int
    setup: float
    carried: int
    package_mb: float
    counts: dict[str, int]
    baseline: float
    export: float
    imported: float
    verify: float


def _measure(quick: bool) -> Handoff:
    students, sessions, moved = (40, 2000, 10) if quick else (200, 20000, 50)
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        pair = make_pair(Path(folder), students=students, sessions=sessions)
        setup = time.perf_counter() - t0
        try:
            ids = student_ids(pair.sender)[:moved]
            t0 = time.perf_counter()
            with pair.sender.services.db.read() as conn:
                rows = handoff_repo.export_rows(conn, ids, ())
            baseline = time.perf_counter() - t0
            t0 = time.perf_counter()
            done = pair.out.export(ids, pair.recipient_fp, psychotherapy_for=ids[:2])
            export = time.perf_counter() - t0
            t0 = time.perf_counter()
            got = pair.into.import_package(done.data)
            imported = time.perf_counter() - t0
            t0 = time.perf_counter()
            problems = pair.recipient.services.db.verify()
            verify = time.perf_counter() - t0
            assert not problems, problems
            assert len(got.student_ids) == moved
        finally:
            pair.close()
    return Handoff(
        students,
        sessions,
        moved,
        setup,
        sum(len(v) for v in rows.values()),
        len(done.data) / 1e6,
        dict(done.counts),
        baseline,
        export,
        imported,
        verify,
    )


def run(quick: bool) -> list[tuple[str, float, str, float | None]]:
    """The harness's figures (``python -m bench``): seconds, with the ratio to the baseline."""
    m = _measure(quick)
    return [
        ("handoff_baseline_read_s", m.baseline, "s", None),
        ("handoff_export_s", m.export, "s", m.export / m.baseline),
        ("handoff_import_s", m.imported, "s", m.imported / m.baseline),
        ("handoff_verify_s", m.verify, "s", m.verify / m.baseline),
        ("handoff_package_mb", m.package_mb, "MB", None),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.bench_handoff")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    m = _measure(args.quick)
    print(f"vaults: sender {m.students} students / {m.sessions} sessions (setup {m.setup:.1f} s);")
    print(f"handed off: {m.moved} students, {m.carried} rows, package {m.package_mb:.2f} MB")
    print(f"({', '.join(f'{k} {v}' for k, v in m.counts.items())})")
    print()
    print("| step | seconds | ratio to baseline |")
    print("|---|---:|---:|")
    for name, secs in (
        ("baseline: read the rows (no sealing)", m.baseline),
        ("export (read, seal, sign, audit)", m.export),
        ("import (open, check, insert, audit)", m.imported),
        ("verify the recipient afterwards", m.verify),
    ):
        print(f"| {name} | {secs:.2f} | {secs / m.baseline:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
