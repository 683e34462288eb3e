"""Two programs on one profile: read-modify-write of the vault files is serialised by a lock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from clinician_desk.errors import VaultError
from clinician_desk.vault import change_passphrase, filelock, unlock_status, unlock_vault
from clinician_desk.vault.filelock import profile_lock

from .conftest import NEW_PASSPHRASE, PASSPHRASE, MadeVault


def test_a_held_lock_makes_a_change_wait_then_fail_clearly(
    made: MadeVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(filelock, "TIMEOUT_SECONDS", 0.2)
    before = made.paths.keyslots.read_bytes()
    with profile_lock(made.paths.profile_dir):
        with pytest.raises(VaultError, match="Another clinician-desk program"):
            change_passphrase(made.paths, made.key, NEW_PASSPHRASE)
        with pytest.raises(VaultError, match="Another clinician-desk program"):
            unlock_vault(made.paths, PASSPHRASE, clock=made.clock)
    assert made.paths.keyslots.read_bytes() == before
    change_passphrase(made.paths, made.key, NEW_PASSPHRASE)  # free again
    assert unlock_vault(made.paths, NEW_PASSPHRASE, clock=made.clock) == made.key


WRONG_ATTEMPTS = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from clinician_desk.config import VaultPaths
    from clinician_desk.errors import WrongPassphraseError
    from clinician_desk.vault import unlock_vault
    paths = VaultPaths(Path(sys.argv[1]))
    for _ in range(int(sys.argv[2])):
        try:
            unlock_vault(paths, "not the passphrase at all")
        except WrongPassphraseError:
            pass
    """
)


@pytest.mark.timeout(60)
def test_concurrent_failed_attempts_are_all_counted(made: MadeVault) -> None:
    env = dict(os.environ)
    children = [
        subprocess.Popen(
            [sys.executable, "-c", WRONG_ATTEMPTS, str(made.paths.profile_dir), "2"], env=env
        )
        for _ in range(2)
    ]
    assert [child.wait() for child in children] == [0, 0]
    assert json.loads(made.paths.lockout.read_text())["failures"] == 4
    assert unlock_status(made.paths).failures == 4
