"""Damaged key-slot files on disk: every kind gives a clear error, none crashes or hangs.

Matrix: missing (with and without a database beside it), empty, truncated at many lengths,
single bit flips across the whole file, zeroed spans, garbage, a folder in its place, hostile
parameters. Each case must raise a ``ClinicianDeskError`` (never another exception, never a
key), and a ``CorruptionError`` must name the file.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable

import pytest

from clinician_desk.errors import ClinicianDeskError, CorruptionError
from clinician_desk.vault import unlock_vault, unlock_with_recovery_key

from .conftest import PASSPHRASE, MadeVault

Damage = Callable[[bytes], bytes]


def _flip(bit: int) -> Damage:
    def damage(data: bytes) -> bytes:
        out = bytearray(data)
        out[(bit // 8) % len(out)] ^= 1 << (bit % 8)
        return bytes(out)

    return damage


def _hostile(key: str, value: object) -> Damage:
    def damage(data: bytes) -> bytes:
        doc = json.loads(data)
        doc["slots"][0]["kdf"][key] = value
        return json.dumps(doc).encode()

    return damage


CASES: dict[str, Damage] = {
    "empty": lambda d: b"",
    "garbage": lambda d: random.Random(7).randbytes(len(d)),
    "zeros": lambda d: b"\x00" * len(d),
    "zeroed middle": lambda d: d[:200] + b"\x00" * 200 + d[400:],
    "json array": lambda d: b"[]",
    "other json": lambda d: b'{"hello": "world"}',
    "utf16": lambda d: d.decode().encode("utf-16"),
    "doubled": lambda d: d + d,
    "memory 1 TiB": _hostile("memory_kib", 2**30),
    "iterations 1e9": _hostile("iterations", 10**9),
    "lanes 1000": _hostile("lanes", 1000),
}


def _truncate(size: int) -> Damage:
    return lambda data: data[:size]


CASES.update({f"truncated to {n}": _truncate(n) for n in (1, 10, 50, 300, -2)})
CASES.update({f"bit {b}": _flip(b) for b in random.Random(42).sample(range(8 * 900), 40)})


def _assert_clear_failure(made: MadeVault, exc: BaseException) -> None:
    assert isinstance(exc, ClinicianDeskError), f"{type(exc).__name__}: {exc}"
    if isinstance(exc, CorruptionError):
        assert str(made.paths.keyslots) in str(exc)
    assert "Traceback" not in str(exc)


@pytest.mark.timeout(20)
@pytest.mark.parametrize("case", list(CASES))
def test_damaged_keyslot_file_gives_a_clear_error(made: MadeVault, case: str) -> None:
    original = made.paths.keyslots.read_bytes()
    damaged = CASES[case](original)
    made.paths.keyslots.write_bytes(damaged)
    outcomes = []
    for attempt in (
        lambda: unlock_vault(made.paths, PASSPHRASE, clock=made.clock),
        lambda: unlock_with_recovery_key(made.paths, made.recovery),
    ):
        made.paths.lockout.unlink(missing_ok=True)
        try:
            key = attempt()
        except BaseException as exc:  # the point is to classify everything
            _assert_clear_failure(made, exc)
            outcomes.append("refused")
        else:
            assert key == made.key, "a damaged file must never yield a different key"
            outcomes.append("opened")
    # A flip in one slot may leave the other slot usable; any other damage refuses both.
    if not case.startswith("bit"):
        assert outcomes == ["refused", "refused"]
    assert outcomes != ["opened", "opened"] or damaged == original


def test_missing_keyslot_file_beside_a_database_is_corruption(made: MadeVault) -> None:
    made.paths.database.write_bytes(b"encrypted pages would be here")
    made.paths.keyslots.unlink()
    with pytest.raises(CorruptionError, match="missing") as info:
        unlock_vault(made.paths, PASSPHRASE, clock=made.clock)
    assert str(made.paths.keyslots) in str(info.value)


def test_folder_in_place_of_the_file_is_corruption(made: MadeVault) -> None:
    made.paths.keyslots.unlink()
    made.paths.keyslots.mkdir()
    with pytest.raises(CorruptionError, match="cannot be read"):
        unlock_vault(made.paths, PASSPHRASE, clock=made.clock)


def test_restoring_the_original_bytes_works_again(made: MadeVault) -> None:
    backup = made.paths.profile_dir / "keys.bak"
    shutil.copy(made.paths.keyslots, backup)
    made.paths.keyslots.write_bytes(b"")
    with pytest.raises(CorruptionError):
        unlock_vault(made.paths, PASSPHRASE, clock=made.clock)
    shutil.copy(backup, made.paths.keyslots)
    assert unlock_vault(made.paths, PASSPHRASE, clock=made.clock) == made.key
