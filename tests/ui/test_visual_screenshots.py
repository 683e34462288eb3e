"""Issue 24, item 7: docs/screenshots/visual/ regenerated — every page in light, dark and high
contrast at 100 % and 150 % — and measured while rendered.

Each scale runs ``tests.support.screenshots`` in its own process (``QT_SCALE_FACTOR`` must be
set before Qt starts), so the 150 % pictures are real 150 % renders. The renderer measures every
page in every palette as it goes (WCAG text contrast from the pixels; widgets that leave the
window, overlap or clip their text) and exits 1 listing the problems.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.ui import screenshots_dir
from tests.support.visual import PAGES

ROOT = Path(__file__).resolve().parents[2]
OUT = screenshots_dir() / "visual"
BUDGET = 2_500_000  # bytes for all 38 pictures: the docs stay light to clone


SCALES = (("100", "1"), ("150", "1.5"))


def _start(scale: str, factor: str) -> subprocess.Popen[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": factor}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.screenshots", str(OUT), scale],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow  # ~20 s: two processes (one per scale) render 18 pictures each, side by side
def test_screenshots_of_every_page_in_every_palette_at_100_and_150() -> None:
    OUT.mkdir(exist_ok=True)
    running = [(scale, factor, _start(scale, factor)) for scale, factor in SCALES]
    for scale, factor, process in running:
        stdout, stderr = process.communicate(timeout=300)
        problems = [line for line in stdout.splitlines() if line.startswith("problem ")]
        assert process.returncode == 0, "\n".join(problems) or stderr[-2000:]
        files = {
            line.split()[1]: int(line.split()[2])
            for line in stdout.splitlines()
            if line.startswith("file ")
        }
        palettes = ("light", "dark", "high-contrast")
        expected = {f"{p}-{c}-{scale}.png" for p in PAGES for c in palettes}
        expected.add(f"caseload-empty-light-{scale}.png")
        assert set(files) == expected
        for name in expected:
            data = (OUT / name).read_bytes()
            assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) == files[name]
        width = int.from_bytes((OUT / f"caseload-light-{scale}.png").read_bytes()[16:20], "big")
        assert width == int(1024 * float(factor))  # rendered at the scale, not resized after
    total = sum(p.stat().st_size for p in OUT.glob("*.png"))
    assert total < BUDGET, f"{total} bytes of screenshots"
