"""Suite-wide settings: offscreen Qt, English locale, an artefacts folder for pictures/PDFs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Shared CI machines are noisy: a property that is correct must not fail because one example
# took longer than hypothesis' default 200 ms deadline. Under CI the examples are derandomized
# too, so a red run is reproducible; locally they stay random to keep exploring.
settings.register_profile(
    "clinician-desk",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=bool(os.environ.get("CI")),
)
settings.load_profile("clinician-desk")

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["LANG"] = "en_US.UTF-8"
os.environ["LANGUAGE"] = "en"
os.environ.pop("CLINICIAN_DESK_PASSPHRASE", None)

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# Parsed bundled fonts (font data only) go to the artefacts folder, not the user's cache dir.
os.environ.setdefault("CLINICIAN_DESK_CACHE_DIR", str(ARTIFACTS / "cache"))


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests keep pictures and PDFs for human review (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session", autouse=True)
def core_dump_experiment() -> dict[str, object]:
    """Issue 16's forced-crash experiment, run before any test can lower the runner's own core
    limit (see ``tests/support/core_dumps.py``); ``test_no_key_after_lock`` reads the result."""
    from tests.support.core_dumps import run_experiment

    return run_experiment()


@pytest.fixture(scope="session", autouse=True)
def docs_screenshots_untouched():
    """A test run writes nothing under docs/screenshots/ unless asked to regenerate them
    (``tests.support.ui.screenshots_dir``): checked at the end of the session from each file's
    size and modification time, a few dozen ``stat`` calls."""
    from tests.support.ui import DOCS_SCREENSHOTS, REGENERATE_SCREENSHOTS

    def snapshot() -> dict[str, tuple[int, int]]:
        return {
            str(p.relative_to(DOCS_SCREENSHOTS)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in DOCS_SCREENSHOTS.rglob("*")
            if p.is_file()
        }

    before = snapshot()
    yield
    if os.environ.get(REGENERATE_SCREENSHOTS) != "1":
        after = snapshot()
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        assert changed == [], f"tests wrote into docs/screenshots/: {changed}"
