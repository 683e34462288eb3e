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


def test_warm_up_once_renders_once_per_process_and_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from clinician_desk.reports import handout

    monkeypatch.setattr(handout, "_warmed", set())
    rendered: list[str] = []
    real = handout.warm_up
    monkeypatch.setattr(handout, "warm_up", lambda lang="en": rendered.append(lang) or real(lang))
    assert handout.warm_up_once("en") is True
    assert handout.warm_up_once("en") is False  # the second unlock of the session costs nothing
    assert rendered == ["en"]
    handout.render_handout("anxiety", "vi")  # a real print warms its language too
    assert handout.warm_up_once("vi") is False
    assert handout.warmed_languages() == {"en", "vi"}
    with pytest.raises(NotFoundError):
        handout.warm_up_once("xx")
    assert "xx" not in handout.warmed_languages()
