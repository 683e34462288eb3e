"""The forced-crash experiment of issue 16 (hole 3), run once at the start of the test session.

An in-process ``clinician-desk-admin main()`` (many CLI tests) turns core dumps off for the test
runner itself, soft and hard, and a sandboxed root may not raise a hard limit again; so a crash
test that runs later cannot tell "the app disables dumps" from "nothing can dump here". Running
both crashes first, while the runner still has the machine's own limit, keeps the test honest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET = bytes.fromhex("5a51" * 16)  # a fake key, to be found in the core if one is written

_ABORT = """
import os, resource, sys
if sys.argv[1] == "hardened":
    from clinician_desk.vault.process import disable_core_dumps
    disable_core_dumps()
# What a crashing program (or an attacker's preload) would try: raise the limit again (to
# unlimited where the user may, e.g. root; else to the hard limit).
for limit in (resource.RLIM_INFINITY, resource.getrlimit(resource.RLIMIT_CORE)[1]):
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (limit, limit))
        break
    except (ValueError, OSError):
        continue
secret = bytes.fromhex("5a51" * 16)
os.abort()
"""


def run_experiment() -> dict[str, object]:
    """Crash an ordinary and a hardened interpreter; report what core files each left."""
    if not sys.platform.startswith("linux"):
        return {"skip": "core files by core_pattern are a Linux setup"}
    pattern = Path("/proc/sys/kernel/core_pattern").read_text().strip()
    if pattern.startswith("|") or "/" in pattern:
        return {"skip": f"core files go to a helper or another folder here ({pattern!r})"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINICIAN_DESK_")}
    env["PYTHONPATH"] = str(ROOT)
    with tempfile.TemporaryDirectory(prefix="cd-core-") as tmp:
        cores: dict[str, list[Path]] = {}
        for mode in ("control", "hardened"):
            where = Path(tmp) / mode
            where.mkdir()
            subprocess.run(
                [sys.executable, "-c", _ABORT, mode],
                cwd=where,
                env=env,
                capture_output=True,
                timeout=60,
                check=False,
            )
            cores[mode] = [p for p in where.iterdir() if p.name.startswith("core")]
        if not cores["control"]:
            return {"skip": "no core file even for an ordinary crash on this machine"}
        return {
            "skip": "",
            "control_has_secret": SECRET in cores["control"][0].read_bytes(),
            "hardened_cores": len(cores["hardened"]),
        }
