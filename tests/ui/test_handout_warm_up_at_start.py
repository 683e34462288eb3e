"""The app's start-up warm-up (worker, before unlock) renders the generic English handout once,
so the first handout of the session does not pay for parsing and subsetting (issue 23)."""

from __future__ import annotations

import pytest

from clinician_desk.reports import handout


def test_the_start_up_warm_up_warms_the_english_handout_once(
    window, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handout, "_warmed", set())  # as in a fresh process
    rendered: list[str] = []
    real = handout.warm_up
    monkeypatch.setattr(handout, "warm_up", lambda lang="en": rendered.append(lang) or real(lang))
    window.warm_up()
    assert window.ctx.tasks.wait_idle(30_000)
    assert "en" in handout.warmed_languages()
    window.warm_up()  # a second window or start in the same process renders nothing again
    assert window.ctx.tasks.wait_idle(30_000)
    assert rendered == ["en"]
