"""Argon2id parameters for the passphrase slot, their calibration, and the derivation itself.

Defaults follow docs/design/security.md: 128 MiB (64 MiB on machines with little memory), 4 lanes,
and the iteration count calibrated when the vault is created so one derivation takes about 0.75 s
here (inside the 0.5–1 s window). Parameters read back from a key-slot file are range-checked before
any work is done, so a tampered file cannot make unlocking hang or exhaust memory; the values are
also authenticated (as AES-GCM associated data) so they cannot be lowered without the key."""

from __future__ import annotations

import os
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from clinician_desk.errors import UsageError
from clinician_desk.messages import M

MIB = 1024  # Argon2 memory is counted in KiB
DEFAULT_MEMORY_KIB = 128 * MIB
SMALL_MACHINE_MEMORY_KIB = 64 * MIB
SMALL_MACHINE_RAM_BYTES = 2 * 1024**3
DEFAULT_LANES = 4
SALT_BYTES = 16
TARGET_SECONDS = 0.75
WINDOW_SECONDS = (0.5, 1.0)
MIN_ITERATIONS = 1
MAX_ITERATIONS = 64
MAX_MEMORY_KIB = 1024 * MIB
MAX_LANES = 16
MAX_PASSPHRASE_CHARS = 1024
ALGORITHM = "argon2id"
ARGON2_VERSION = 19  # 0x13, the only version cryptography implements


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters (the salt is per slot and lives in the slot, not here)."""

    memory_kib: int = DEFAULT_MEMORY_KIB
    iterations: int = 3
    lanes: int = DEFAULT_LANES

    def problems(self) -> list[str]:
        """Why these parameters are outside what this app writes or accepts (empty if fine)."""
        out = []
        if not MIN_ITERATIONS <= self.iterations <= MAX_ITERATIONS:
            out.append(f"iterations {self.iterations} outside {MIN_ITERATIONS}..{MAX_ITERATIONS}")
        if not 1 <= self.lanes <= MAX_LANES:
            out.append(f"lanes {self.lanes} outside 1..{MAX_LANES}")
        if not 8 * max(self.lanes, 1) <= self.memory_kib <= MAX_MEMORY_KIB:
            out.append(f"memory {self.memory_kib} KiB outside {8 * self.lanes}..{MAX_MEMORY_KIB}")
        return out

    def check(self) -> None:
        """Raise UsageError if the parameters are out of range (for parameters a caller passes)."""
        problems = self.problems()
        if problems:
            raise UsageError("Invalid key-derivation parameters: " + "; ".join(problems) + ".")


def encode_passphrase(passphrase: str) -> bytes:
    """NFC-normalised UTF-8, so the same passphrase typed on another keyboard still matches."""
    if not passphrase:
        raise UsageError(M("The passphrase is empty."))
    if len(passphrase) > MAX_PASSPHRASE_CHARS:
        raise UsageError(M("A passphrase has at most {n} characters.", n=MAX_PASSPHRASE_CHARS))
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def derive_key(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    """The 32-byte slot key for ``passphrase``; costs one Argon2id run with ``params``."""
    params.check()
    kdf = Argon2id(
        salt=salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(encode_passphrase(passphrase))


def physical_memory_bytes() -> int | None:
    """Total RAM of this machine, or None when the platform does not say."""
    try:
        if sys.platform == "win32":
            return _windows_physical_memory()
        pages = os.sysconf("SC_PHYS_PAGES")
        page_size = os.sysconf("SC_PAGE_SIZE")
        if pages > 0 and page_size > 0:
            return int(pages) * int(page_size)
    except (ValueError, OSError, AttributeError):
        return None
    return None


def _windows_physical_memory() -> int | None:  # pragma: no cover - Windows only
    import ctypes

    class MemoryStatus(ctypes.Structure):
        _fields_ = [
            ("dwLength", ctypes.c_ulong),
            ("dwMemoryLoad", ctypes.c_ulong),
            ("ullTotalPhys", ctypes.c_ulonglong),
            ("ullAvailPhys", ctypes.c_ulonglong),
            ("ullTotalPageFile", ctypes.c_ulonglong),
            ("ullAvailPageFile", ctypes.c_ulonglong),
            ("ullTotalVirtual", ctypes.c_ulonglong),
            ("ullAvailVirtual", ctypes.c_ulonglong),
            ("sullAvailExtendedVirtual", ctypes.c_ulonglong),
        ]

    status = MemoryStatus()
    status.dwLength = ctypes.sizeof(MemoryStatus)
    if not ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):  # type: ignore[attr-defined]
        return None
    return int(status.ullTotalPhys)


def default_memory_kib(total_ram: int | None = None) -> int:
    """128 MiB, or the 64 MiB floor on a machine with under 2 GiB of RAM."""
    ram = physical_memory_bytes() if total_ram is None else total_ram
    if ram is not None and ram < SMALL_MACHINE_RAM_BYTES:
        return SMALL_MACHINE_MEMORY_KIB
    return DEFAULT_MEMORY_KIB


def time_derivation(params: KdfParams, timer: Callable[[], float] = time.perf_counter) -> float:
    """Seconds one real derivation with ``params`` takes on this machine."""
    start = timer()
    Argon2id(
        salt=b"\x00" * SALT_BYTES,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    ).derive(b"calibration")
    return timer() - start


def calibrate(
    *,
    target_seconds: float = TARGET_SECONDS,
    memory_kib: int | None = None,
    lanes: int = DEFAULT_LANES,
    measure: Callable[[KdfParams], float] | None = None,
) -> KdfParams:
    """Parameters whose derivation takes about ``target_seconds`` on this machine.

    Times one and two iterations (best of two runs each, after a warm-up; the difference is the
    per-iteration cost, the rest is the fixed cost of filling memory), picks the iteration count
    closest to the target, then checks it once and steps down while it exceeds the window's upper
    bound. ``measure`` is injectable so tests can use a fake timer. If 128 MiB cannot be
    allocated it falls back to the 64 MiB floor.
    """
    timed = measure or time_derivation
    memory = memory_kib if memory_kib is not None else default_memory_kib()
    try:
        timed(KdfParams(memory, 1, lanes))  # warm-up: first allocation of the memory
    except MemoryError:
        if memory <= SMALL_MACHINE_MEMORY_KIB:
            raise
        memory = SMALL_MACHINE_MEMORY_KIB
    # The minimum of two runs is the best estimate of the cost on a busy machine.
    one = min(timed(KdfParams(memory, 1, lanes)) for _ in range(2))
    two = min(timed(KdfParams(memory, 2, lanes)) for _ in range(2))
    per_iteration = max(two - one, 1e-6)
    fixed = max(one - per_iteration, 0.0)
    iterations = round((target_seconds - fixed) / per_iteration)
    iterations = min(max(iterations, MIN_ITERATIONS), MAX_ITERATIONS)
    # Check the choice and step down while it is too slow. A noisy estimate on a busy machine
    # (two iterations timed no slower than one) can start at the cap; stepping down by what was
    # measured, not by one, keeps calibration to a few derivations instead of minutes.
    while iterations > MIN_ITERATIONS:
        took = timed(KdfParams(memory, iterations, lanes))
        if took <= WINDOW_SECONDS[1]:
            break
        scaled = int(iterations * target_seconds / took)
        iterations = max(MIN_ITERATIONS, min(iterations - 1, scaled))
    return KdfParams(memory_kib=memory, iterations=iterations, lanes=lanes)
