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
and import <= 10 s each.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from clinician_desk.storage.repositories import handoff as handoff_repo
from tests.support.handoff import make_pair, student_ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.bench_handoff")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    students, sessions, moved = (40, 2000, 10) if args.quick else (200, 20000, 50)
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
    carried = sum(len(v) for v in rows.values())
    print(f"vaults: sender {students} students / {sessions} sessions (setup {setup:.1f} s);")
    print(f"handed off: {moved} students, {carried} rows, package {len(done.data) / 1e6:.2f} MB")
    print(f"({', '.join(f'{k} {v}' for k, v in done.counts.items())})")
    print()
    print("| step | seconds | ratio to baseline |")
    print("|---|---:|---:|")
    for name, secs in (
        ("baseline: read the rows (no sealing)", baseline),
        ("export (read, seal, sign, audit)", export),
        ("import (open, check, insert, audit)", imported),
        ("verify the recipient afterwards", verify),
    ):
        print(f"| {name} | {secs:.2f} | {secs / baseline:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
