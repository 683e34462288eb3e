"""Worker for the corruption matrix: opens each damaged file given on the command line and
prints one JSON line per file with the outcome. Run in a child process so a crash or a hang in
the native library is caught by the parent instead of taking the test run down."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from clinician_desk.clock import FakeClock
from clinician_desk.errors import ClinicianDeskError, CorruptionError
from clinician_desk.storage import Database


def outcome(path: Path, key: bytes) -> dict[str, object]:
    try:
        db = Database.open(path, key, clock=FakeClock())
    except CorruptionError as exc:
        return {"kind": "corruption", "message": exc.message}
    except ClinicianDeskError as exc:
        return {"kind": "other_error", "type": type(exc).__name__, "message": exc.message}
    except Exception as exc:  # a raw library error leaking out is a failure of the matrix
        return {"kind": "leak", "type": type(exc).__name__, "message": str(exc)}
    try:
        problems = db.verify()
        rows = None
        if not problems:  # opened and verified: make sure the data reads back whole
            rows = db.conn.execute("SELECT count(*) FROM settings").fetchone()[0]
    except Exception as exc:
        return {"kind": "leak", "type": type(exc).__name__, "message": str(exc)}
    finally:
        db.close()
    if problems:
        return {"kind": "verify", "problems": problems[:3]}
    return {"kind": "silent", "rows": rows}


def main() -> None:
    key = bytes.fromhex(sys.argv[1])
    for name in sys.argv[2:]:
        path = Path(name)
        case_key = key
        marker = path.with_suffix(".key")
        if marker.exists():
            case_key = bytes.fromhex(marker.read_text())
        print(json.dumps({"file": path.name, **outcome(path, case_key)}), flush=True)


if __name__ == "__main__":
    main()
