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


@pytest.mark.skipif(not LINUX, reason="core files by core_pattern are a Linux setup")
def test_a_forced_crash_leaves_no_core_file(core_dump_experiment: dict[str, object]) -> None:
    """Two crashes run at the start of the session (``tests/support/core_dumps.py``), before any
    in-process ``clinician-desk-admin main()`` turns core dumps off for the test runner itself:
    an ordinary crash must leave a core holding the fake key, the hardened one none."""
    result = core_dump_experiment
    if result["skip"]:
        pytest.skip(str(result["skip"]))
    assert result["control_has_secret"] is True  # the control really dumps, secret included
    assert result["hardened_cores"] == 0
