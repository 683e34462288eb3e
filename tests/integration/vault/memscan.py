"""Unlock a vault, save a note-like row, lock, then count the key left in this process's memory.

``python -m tests.integration.vault.memscan DATA_DIR`` prints one JSON line: how many copies of
the raw data key, its upper- and lower-case hex, and the saved text remain readable in
``/proc/self/mem`` after ``Services.close()``, minus the one search pattern of each this script
itself holds. Linux only; synthetic data only.
"""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path

from clinician_desk.bootstrap import build_services
from clinician_desk.clock import FakeClock, SystemClock
from clinician_desk.config import AppPaths
from clinician_desk.storage import Database
from clinician_desk.vault import TEST_KDF, create_vault, unlock_vault

PASSPHRASE = "violet kettle under 19 moons"


def _count(needles: dict[str, bytes]) -> dict[str, int]:
    counts = dict.fromkeys(needles, 0)
    with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", 0) as mem:
        regions = [line.split() for line in maps]
        for fields in regions:
            if not fields[1].startswith("r") or fields[-1] in ("[vvar]", "[vsyscall]"):
                continue
            lo, hi = (int(x, 16) for x in fields[0].split("-"))
            try:
                mem.seek(lo)
                data = mem.read(hi - lo)
            except (OSError, ValueError, OverflowError):
                continue
            for name, needle in needles.items():
                counts[name] += data.count(needle)
            del data
    return counts


def main(data_dir: str) -> None:
    paths = AppPaths.from_option(Path(data_dir)).vault("default")
    key, _recovery = create_vault(paths, PASSPHRASE, kdf=TEST_KDF)
    Database.open(paths.database, key, clock=FakeClock(), create=True).close()
    key.wipe()
    del key
    key = unlock_vault(paths, PASSPHRASE)
    secret = key.raw
    text = "ZQXmemscanCANARY" + "7" * 8
    needles = {
        "raw key": secret,
        "hex key (upper)": secret.hex().upper().encode(),
        "hex key (lower)": secret.hex().encode(),
    }
    services = build_services(paths, key, SystemClock())
    with services.db.unit_of_work() as uow:
        uow.conn.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES ('memscan', ?, 'now')", (text,)
        )
    services.close()
    del services, key
    gc.collect()
    # Each pattern exists exactly once on purpose: in ``needles`` (``secret`` is the same object).
    left = {name: count - 1 for name, count in _count(needles).items()}
    print(json.dumps(left))


if __name__ == "__main__":
    main(sys.argv[1])
