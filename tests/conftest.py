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


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist each worker gets its own PostgreSQL database (before any test module
    reads ``COUNTY_TEST_PG_URL``); the docs' screenshot guard runs once, in the process that
    sees the whole run (``tests/support/parallel.py``)."""
    from tests.support.parallel import ScreenshotGuard, isolate_worker_postgres, xdist_worker
    from tests.support.ui import DOCS_SCREENSHOTS, REGENERATE_SCREENSHOTS

    isolate_worker_postgres()
    if xdist_worker() is None and os.environ.get(REGENERATE_SCREENSHOTS) != "1":
        config.pluginmanager.register(ScreenshotGuard(DOCS_SCREENSHOTS), "docs-screenshots-guard")


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
