"""Child for the kill-during-restore test: restores a backup with a known raw key."""

from __future__ import annotations

import sys
from pathlib import Path

from clinician_desk.clock import FakeClock
from clinician_desk.config import VaultPaths
from clinician_desk.storage.backup import restore_backup

if __name__ == "__main__":
    key = bytes.fromhex(sys.argv[3])
    restore_backup(
        Path(sys.argv[1]), VaultPaths(Path(sys.argv[2])), lambda _p: key, clock=FakeClock()
    )
    print("done", flush=True)
