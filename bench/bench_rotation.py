"""Key rotation on the 20,000-session demo vault: how long ``rotate-key`` keeps the vault.

Takes a private copy of the cached demo profile (``bench.data.demo_profile``: 200 students,
20,000 sessions, Argon2id calibrated on this machine), unlocks it and times
``bootstrap.rotate_data_key`` end to end (new slots with the calibrated Argon2id, the
``sqlcipher_export`` copy under the new key, its full verification, the fsynced switch, the
reopen). Baseline measured in the same run on the same copy: a verified backup
(``write_backup``: snapshot + the same checks), so the ratio says what rotation costs beyond a
backup. ``--quick`` uses the same vault (there is no smaller cached one worth timing).
Run: ``python -m bench.bench_rotation``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bench.data import PASSPHRASE, demo_profile

Row = tuple[str, float, str, float | None]
SESSIONS = 20_000


def run(quick: bool) -> list[Row]:
    from clinician_desk.bootstrap import build_services, rotate_data_key
    from clinician_desk.clock import SystemClock
    from clinician_desk.config import AppPaths
    from clinician_desk.storage.backup import write_backup
    from clinician_desk.vault import unlock_vault

    with tempfile.TemporaryDirectory(prefix="bench-rotation-") as tmp:
        data = Path(tmp) / "data"
        demo = demo_profile(data, SESSIONS)
        paths = AppPaths.from_option(data).vault("default")
        size_mb = demo.path.stat().st_size / 1e6
        services = build_services(paths, unlock_vault(paths, PASSPHRASE), SystemClock())
        try:
            start = time.perf_counter()
            write_backup(services.db, paths.keyslots, Path(tmp) / "baseline.cdbackup")
            backup_s = time.perf_counter() - start
            start = time.perf_counter()
            result = rotate_data_key(services, PASSPHRASE)
            rotate_s = time.perf_counter() - start
        except BaseException:
            services.close()
            raise
        services = result.services
        try:
            problems = services.db.verify()
        finally:
            services.close()
        if problems:
            raise RuntimeError(f"the rotated vault does not verify: {problems[:3]}")
    return [
        ("rotation.vault_size", size_mb, "MB", None),
        ("rotation.backup_baseline", backup_s, "s", None),
        ("rotation.rotate_key_total", rotate_s, "s", rotate_s / backup_s),
    ]


def main() -> int:
    for name, value, unit, ratio in run(quick="--quick" in sys.argv):
        extra = f" ratio_to_backup={ratio:.2f}" if ratio is not None else ""
        print(f"{name} {value:.3f} {unit}{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
