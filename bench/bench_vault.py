"""Vault timing figures: Argon2id calibration, derive time, and unlock total with the defaults.

Creates a throw-away vault in a temp dir with the parameters calibrated on this machine (exactly
what ``clinician-desk-admin init`` does), then times: one Argon2id derivation, a full passphrase
unlock (read key-slot file, backoff record, KDF, AES-GCM unwrap, key check, reset record), the
part of the unlock that is not the KDF, and a recovery-key unlock. Target (issue 2): unlock total
<= 1.2 s, everything but the KDF <= 50 ms (the DB-open share is storage's bench).
Run: ``python -m bench.bench_vault [--quick]``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from clinician_desk.config import AppPaths
from clinician_desk.vault import TEST_KDF, create_vault, unlock_vault, unlock_with_recovery_key
from clinician_desk.vault.kdf import derive_key
from clinician_desk.vault.keyfile import PASSPHRASE, PassphraseSlot, read_keyslot_file

Row = tuple[str, float, str, float | None]
PHRASE = "bench fictional walrus meadow"


def _median(fn: object, repeats: int) -> float:
    assert callable(fn)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(quick: bool) -> list[Row]:
    repeats = 3 if quick else 7
    with tempfile.TemporaryDirectory(prefix="bench-vault-") as tmp:
        paths = AppPaths.from_option(Path(tmp)).vault("bench")
        start = time.perf_counter()
        key, recovery = create_vault(paths, PHRASE)
        create_s = time.perf_counter() - start
        slot = read_keyslot_file(paths.keyslots).slot(PASSPHRASE)
        assert isinstance(slot, PassphraseSlot)
        params = slot.params
        derive_s = _median(lambda: derive_key(PHRASE, slot.salt, params), repeats)
        unlock_s = _median(lambda: unlock_vault(paths, PHRASE).wipe(), repeats)
        recovery_s = _median(lambda: unlock_with_recovery_key(paths, recovery).wipe(), repeats)
        key.wipe()
        # Everything but the KDF, measured directly: the same unlock on a vault whose Argon2id
        # costs microseconds (file read, backoff record written twice with fsync, unwrap, check).
        cheap = AppPaths.from_option(Path(tmp)).vault("bench-cheap")
        create_vault(cheap, PHRASE, kdf=TEST_KDF)[0].wipe()
        overhead_ms = _median(lambda: unlock_vault(cheap, PHRASE).wipe(), repeats * 3) * 1000
    return [
        ("vault.kdf_memory", params.memory_kib / 1024, "MiB", None),
        ("vault.kdf_iterations", float(params.iterations), "count", None),
        ("vault.kdf_lanes", float(params.lanes), "count", None),
        ("vault.create_with_calibration", create_s, "s", None),
        ("vault.argon2id_derive", derive_s, "s", None),
        ("vault.unlock_total", unlock_s, "s", unlock_s / 1.2),
        ("vault.unlock_overhead_excluding_kdf", overhead_ms, "ms", overhead_ms / 50.0),
        ("vault.recovery_key_unlock", recovery_s * 1000, "ms", None),
    ]


def main() -> int:
    for name, value, unit, ratio in run(quick="--quick" in sys.argv):
        extra = f" ratio_to_target={ratio:.2f}" if ratio is not None else ""
        print(f"{name} {value:.3f} {unit}{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
