"""The warm-up renders a generic handout: caches primed, nothing written, no student data."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinician_desk.errors import NotFoundError
from clinician_desk.reports import text as rtext
from clinician_desk.reports.handout import warm_up


def test_warm_up_primes_the_bundled_paragraphs_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    rtext.clear_bundled_cache()
    warm_up("es")
    texts = rtext.bundled_cache_texts()
    assert any("988" in t for t in texts)  # the crisis lines of the Spanish handout
    assert list(tmp_path.iterdir()) == []


def test_warm_up_of_an_unknown_language_says_so() -> None:
    with pytest.raises(NotFoundError, match="xx"):
        warm_up("xx")
