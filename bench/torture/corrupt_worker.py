"""Child process of the corruption torture: ``python -m bench.torture.corrupt_worker MANIFEST``.

The manifest (JSON) lists cases: ``{"kind": "db", "file": ..., "key": hex}`` opens a damaged
database with ``Database.open``, runs ``verify`` and, if both pass, digests every table to catch a
silent wrong read (a warning at open that committed work is missing is ``rollback_reported``);
``{"kind": "keyslots", "profile": ..., "passphrase": ...}`` unlocks a profile whose key-slot file
is damaged, compares the key it returns with the real one and records whether the integrity
check (``check_keyslots``) named a damaged slot. One JSON line
per case on stdout. Run in a child so a native crash or a hang is seen by the parent.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from clinician_desk.clock import FakeClock
from clinician_desk.config import VaultPaths
from clinician_desk.errors import ClinicianDeskError, CorruptionError
from clinician_desk.storage import Database


def digest(conn: Any) -> str:
    """SHA-256 over every row of every table (order-independent within a table)."""
    h = hashlib.sha256()
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ).fetchall()
    ]
    for name in names:
        # meta.record_verified is the unlock check's bookkeeping (issue 15): every open may
        # move it forward, so it is not part of the committed state compared here.
        where = " WHERE key <> 'record_verified'" if name == "meta" else ""
        rows = sorted(
            repr(tuple(r)) for r in conn.execute(f'SELECT * FROM "{name}"{where}').fetchall()
        )
        h.update(name.encode() + b"\0" + "\n".join(rows).encode())
    return h.hexdigest()


def _error(exc: BaseException) -> dict[str, object]:
    if isinstance(exc, CorruptionError):
        return {"kind": "corruption", "message": exc.message}
    if isinstance(exc, ClinicianDeskError):
        return {"kind": "clear_error", "type": type(exc).__name__, "message": exc.message}
    return {"kind": "leak", "type": type(exc).__name__, "message": str(exc)[:300]}


def open_db(path: Path, key: bytes) -> dict[str, object]:
    try:
        db = Database.open(path, key, clock=FakeClock())
    except Exception as exc:
        return _error(exc)
    try:
        problems = db.verify()
        if problems:
            return {"kind": "verify", "problems": problems[:3], "reads": use_app(db)}
        if db.integrity_warnings:  # committed work missing (damaged WAL): said at open
            return {"kind": "rollback_reported", "message": db.integrity_warnings[0][:300]}
        return {"kind": "opened", "digest": digest(db.conn)}
    except Exception as exc:
        return _error(exc)
    finally:
        try:
            db.close()
        except Exception as exc:  # a close that raises on a damaged file is a leak too
            return _error(exc)


def use_app(db: Database) -> str:
    """After ``verify`` named the damage: what the app's own reads do with the file (caseload,
    search, every student's record). ``ok`` or ``clear`` (a ClinicianDeskError) are fine;
    ``leak: <type>`` (a raw library error reaching the app) is reported by the parent."""
    from clinician_desk.services.record.service import RecordService

    record = RecordService(db)
    outcome = "ok"
    try:
        record.caseload()
        record.search("student")
        with db.read() as conn:
            ids = [int(r[0]) for r in conn.execute("SELECT id FROM students").fetchall()]
        for student_id in ids:
            record.student_view(student_id)
    except ClinicianDeskError:
        outcome = "clear"
    except Exception as exc:
        outcome = f"leak: {type(exc).__name__}"
    return outcome


def unlock(profile: Path, passphrase: str, recovery: str) -> dict[str, object]:
    """Unlock with the passphrase; when that works, also try the recovery key (damage to the
    recovery slot would otherwise stay unseen until the day it is needed)."""
    from clinician_desk.vault import check_keyslots, unlock_vault, unlock_with_recovery_key

    try:
        key = unlock_vault(VaultPaths(profile), passphrase)
        slot_problems = check_keyslots(VaultPaths(profile), key)
    except Exception as exc:
        return _error(exc)
    raw = key.raw.hex()
    key.wipe()
    try:
        again = unlock_with_recovery_key(VaultPaths(profile), recovery)
        recovery_ok = again.raw.hex() == raw
        again.wipe()
    except ClinicianDeskError:
        recovery_ok = False
    except Exception as exc:
        return _error(exc)
    digest = hashlib.sha256(raw.encode()).hexdigest()
    return {
        "kind": "opened",
        "digest": digest,
        "recovery_ok": recovery_ok,
        "slot_reported": bool(slot_problems),
    }


def main() -> None:
    cases = json.loads(Path(sys.argv[1]).read_text())
    for case in cases:
        if case["kind"] == "db":
            result = open_db(Path(case["file"]), bytes.fromhex(case["key"]))
        else:
            result = unlock(Path(case["profile"]), case["passphrase"], case["recovery"])
        print(json.dumps({"id": case["id"], **result}), flush=True)


if __name__ == "__main__":
    main()
