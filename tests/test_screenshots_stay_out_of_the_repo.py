"""Tests leave the repository as they found it: pictures go to ``test-artifacts/`` by default.

The documentation's screenshots (``docs/screenshots/``) are written only when asked, with
``CLINICIAN_DESK_REGENERATE_SCREENSHOTS=1`` (``tests.support.ui.screenshots_dir``); otherwise every
run would leave byte-different PNGs in the work tree. Checked two ways: over the source here (no
test builds a path into ``docs/screenshots`` but the helper), and over the whole run by the
session guard in ``tests/conftest.py`` (nothing under ``docs/screenshots`` is written).
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.ui import DOCS_SCREENSHOTS, REGENERATE_SCREENSHOTS, screenshots_dir

ROOT = Path(__file__).resolve().parents[1]
HELPER = ROOT / "tests" / "support" / "ui.py"
# A path built into docs/screenshots: "docs" / "screenshots", "docs/screenshots/…", parents…
WRITES_DOCS = re.compile(r"""["']docs["']\s*/\s*["']screenshots["']|["']docs/screenshots""")


def test_only_the_helper_builds_a_path_into_docs_screenshots() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if path not in (HELPER, Path(__file__).resolve())
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if WRITES_DOCS.search(line)
    ]
    assert offenders == [], "use tests.support.ui.screenshots_dir(): " + ", ".join(offenders)


def test_screenshots_go_to_the_docs_only_when_asked(monkeypatch) -> None:
    monkeypatch.delenv(REGENERATE_SCREENSHOTS, raising=False)
    default = screenshots_dir()
    assert default.is_dir() and ROOT / "test-artifacts" in default.parents
    for refused in ("", "0", "yes", "true"):
        monkeypatch.setenv(REGENERATE_SCREENSHOTS, refused)
        assert screenshots_dir() == default
    monkeypatch.setenv(REGENERATE_SCREENSHOTS, "1")
    assert screenshots_dir() == DOCS_SCREENSHOTS
