"""Packaging figures: the self-test's run time, and (full mode) the bundle's build time and size.

Quick mode times ``clinician-desk --self-test`` run from the source tree (a child process, so
start-up is included). Full mode also builds the PyInstaller one-folder bundle into a temp dir
with ``packaging/build.sh`` (PyInstaller's cache reused, like the bundle test) and reports build
seconds, the bundle's size on disk and as a .tar.gz, the frozen app's self-test time and its
start-up to first output line.
Run: ``python -m bench.bench_packaging [--quick]``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

Row = tuple[str, float, str, float | None]
ROOT = Path(__file__).resolve().parent.parent


def _self_test_seconds(cmd: list[str]) -> tuple[float, float]:
    """(whole self-test, time to the first check line) for ``cmd``; raises if a check fails."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    first = proc.stdout.readline()
    first_at = time.perf_counter() - start
    rest = proc.stdout.read()
    code = proc.wait(timeout=600)
    total = time.perf_counter() - start
    if code != 0:
        failed = [ln for ln in (first + rest).splitlines() if not ln.startswith("ok ")]
        raise RuntimeError(f"self-test failed: {failed[:3]}")
    return total, first_at


def run(quick: bool) -> list[Row]:
    total, _first = _self_test_seconds([sys.executable, "-m", "ui.app", "--self-test"])
    rows: list[Row] = [("selftest_source_seconds", total, "s", None)]
    if quick:
        return rows
    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as tmp:
        env = {**os.environ, "VENV_PY": sys.executable, "CLEAN": "0", "SELF_TEST": "0"}
        out = subprocess.run(
            ["bash", str(ROOT / "packaging" / "build.sh"), f"{tmp}/dist", f"{tmp}/work"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        fields = dict(p.split("=", 1) for p in out.strip().splitlines()[-1].split()[2:])
        rows.append(("bundle_build_seconds", float(fields["build_seconds"]), "s", None))
        rows.append(("bundle_size", float(fields["size_mb"]), "MB", None))
        # ratio: compressed over on-disk size
        compressed = float(fields["compressed_mb"])
        rows.append(
            ("bundle_compressed_size", compressed, "MB", compressed / float(fields["size_mb"]))
        )
        exe = Path(tmp) / "dist" / "clinician-desk" / "clinician-desk"
        frozen_total, frozen_first = _self_test_seconds([str(exe), "--self-test"])
        rows.append(("selftest_frozen_seconds", frozen_total, "s", frozen_total / total))
        rows.append(("frozen_start_to_first_check", frozen_first, "s", None))
    return rows


if __name__ == "__main__":
    for name, value, unit, ratio in run("--quick" in sys.argv[1:]):
        extra = f"  ratio={ratio:.2f}" if ratio is not None else ""
        print(f"{name} {value:.2f} {unit}{extra}")
