"""Suite-wide settings: offscreen Qt, English locale, an artefacts folder for pictures/PDFs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["LANG"] = "en_US.UTF-8"
os.environ["LANGUAGE"] = "en"
os.environ.pop("CLINICIAN_DESK_PASSPHRASE", None)

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests keep pictures and PDFs for human review (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
