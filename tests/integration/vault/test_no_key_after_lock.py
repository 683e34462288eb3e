"""Memory (issue 16, hole 3): after the vault locks, no copy of the data key — raw or as the hex
``PRAGMA key`` text — is left in the process's memory, and the app and CLI cannot leave a core
dump at all. Before: the hex key was found twice after ``services.close()`` and core dumps were
on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINUX = sys.platform.startswith("linux")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINICIAN_DESK_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


@pytest.mark.skipif(not LINUX, reason="reads /proc/self/mem")
def test_no_copy_of_the_key_is_left_in_memory_after_lock(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.integration.vault.memscan", str(tmp_path / "d")],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {
        "raw key": 0,
        "hex key (upper)": 0,
        "hex key (lower)": 0,
    }


def test_the_admin_cli_runs_with_core_dumps_off(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "clinician_desk.cli", "--data-dir", str(tmp_path), "doctor"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    line = next(x for x in proc.stdout.splitlines() if x.startswith("core dumps:"))
    assert line.startswith("core dumps: off"), line


_ABORT = """
import os, resource, sys
if sys.argv[1] == "hardened":
    from clinician_desk.vault.process import disable_core_dumps
    disable_core_dumps()
# What a crashing program (or an attacker's preload) would try: raise the limit again (to
# unlimited where the user may, e.g. root; else to the hard limit). The control needs it too
# when the test runner itself already runs with core dumps off.
for limit in (resource.RLIM_INFINITY, resource.getrlimit(resource.RLIMIT_CORE)[1]):
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (limit, limit))
        break
    except (ValueError, OSError):
        continue
secret = bytes.fromhex("5a51" * 16)  # a fake key, to be found in the core if one is written
os.abort()
"""


@pytest.mark.skipif(not LINUX, reason="core files by core_pattern are a Linux setup")
def test_a_forced_crash_leaves_no_core_file(tmp_path: Path) -> None:
    pattern = Path("/proc/sys/kernel/core_pattern").read_text().strip()
    if pattern.startswith("|") or "/" in pattern:
        pytest.skip(f"core files go to a helper or another folder here ({pattern!r})")

    def crash(mode: str) -> list[Path]:
        where = tmp_path / mode
        where.mkdir()
        subprocess.run(
            [sys.executable, "-c", _ABORT, mode], cwd=where, env=_env(), capture_output=True
        )
        return [p for p in where.iterdir() if p.name.startswith("core")]

    control = crash("control")
    if not control:
        pytest.skip(
            "no core file even for an ordinary crash here (core dumps off for this machine or"
            " for the test runner, e.g. after an in-process clinician-desk-admin main())"
        )
    assert bytes.fromhex("5a51" * 16) in control[0].read_bytes()  # the control really dumps
    assert crash("hardened") == []
