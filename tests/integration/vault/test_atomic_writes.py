"""Key-slot rewrites are atomic: a failed or killed write leaves the old or the new file, whole."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.errors import VaultError, WrongPassphraseError
from clinician_desk.vault import change_passphrase, unlock_vault
from clinician_desk.vault.atomic import atomic_write_bytes

from .conftest import NEW_PASSPHRASE, PASSPHRASE, MadeVault


def test_failed_rename_leaves_the_old_file_and_no_temp_file(
    made: MadeVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = made.paths.keyslots.read_bytes()

    def refuse(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(VaultError, match=r"No space left on device.*previous version is unchanged"):
        change_passphrase(made.paths, made.key, NEW_PASSPHRASE)
    monkeypatch.undo()
    assert made.paths.keyslots.read_bytes() == before
    assert sorted(p.name for p in made.paths.profile_dir.iterdir()) == [".vault.lock", "vault.keys"]
    assert unlock_vault(made.paths, PASSPHRASE, clock=made.clock) == made.key


def test_stale_temp_files_are_tidied_but_fresh_ones_kept(tmp_path: Path) -> None:
    target = tmp_path / "vault.keys"
    stale, fresh = tmp_path / ".vault.keys.aaaa.tmp", tmp_path / ".vault.keys.bbbb.tmp"
    stale.write_bytes(b"{")
    fresh.write_bytes(b"{")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert not stale.exists() and fresh.exists()


def test_atomic_write_creates_private_file(tmp_path: Path) -> None:
    target = tmp_path / "f.json"
    atomic_write_bytes(target, b"one")
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


CHILD = textwrap.dedent(
    """
    import sys
    from clinician_desk.config import VaultPaths
    from clinician_desk.vault import DataKey, change_passphrase
    from pathlib import Path
    paths = VaultPaths(Path(sys.argv[1]))
    key = DataKey(bytes.fromhex(sys.argv[2]))
    phrases = sys.argv[3:5]
    print("ready", flush=True)
    i = 0
    while True:
        change_passphrase(paths, key, phrases[i % 2])
        i += 1
    """
)


@pytest.mark.timeout(120)
def test_kill_during_passphrase_changes_never_breaks_the_file(made: MadeVault) -> None:
    rng = random.Random(2026)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    for _ in range(8):
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                CHILD,
                str(made.paths.profile_dir),
                made.key.raw.hex(),
                PASSPHRASE,
                NEW_PASSPHRASE,
            ],
            stdout=subprocess.PIPE,
            env=env,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.15))
        child.send_signal(signal.SIGKILL)
        child.wait()
        opened = 0
        for phrase in (PASSPHRASE, NEW_PASSPHRASE):
            try:
                key = unlock_vault(made.paths, phrase, clock=FakeClock())
            except WrongPassphraseError:
                continue
            assert key == made.key
            opened += 1
        assert opened == 1, "exactly one of the two passphrases opens a whole file"
        made.paths.lockout.unlink(missing_ok=True)
    leftovers = [p.name for p in made.paths.profile_dir.iterdir() if p.name.endswith(".tmp")]
    # A temp file may be left by a kill between create and rename; it is never read.
    assert all(name.startswith(".vault.keys.") for name in leftovers)


def test_unwritable_attempt_record_refuses_unlock_clearly(
    made: MadeVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a place to count the attempt, the passphrase is not tried (fail safe)."""

    def refuse(*_: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(VaultError, match="Read-only file system"):
        unlock_vault(made.paths, PASSPHRASE, clock=made.clock)
    monkeypatch.undo()
    assert unlock_vault(made.paths, PASSPHRASE, clock=made.clock) == made.key
