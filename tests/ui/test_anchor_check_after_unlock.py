"""After unlock, the sync helper fetches the county's anchors off the GUI thread and proves
the local audit chain against them, like ``verify --anchors``: a vault rewritten and re-chained
by someone holding the key (every local trace redone, so the unlock check sees nothing) is
flagged by the same warning box as the unlock check's findings, once the county answers. While
the county cannot be reached the check is silent and unlocking is never held up.

Real pieces throughout: the tamper harness's vault and attack, a real county server process on
loopback, the app's window, task manager and scheduler. All data is fictional."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from clinician_desk.vault import TEST_KDF, unlock_vault
from tests.support import tamper_harness as harness
from tests.support.county import DEMO_DISTRICT, CountyServer


def _visible_warning(window: object) -> QMessageBox | None:
    box = window.findChild(QMessageBox, "integrity_warning_message_box")  # type: ignore[attr-defined]
    return box if box is not None and box.isVisible() else None


@pytest.mark.slow  # 4-15 s: builds the harness's anchored vault, starts the county twice
def test_a_rechained_vault_is_flagged_after_unlock_when_the_county_answers(
    qtbot, tmp_path: Path
) -> None:
    from ui.app import build_context, build_window

    county = CountyServer(tmp_path / "county")
    county.start()
    try:
        scene = harness.build_scene(
            tmp_path, county=(county.url, county.issue_code((DEMO_DISTRICT,)))
        )
    finally:
        county.stop()
    facts = harness.rehash_rechain_remac(scene, random.Random(15))

    ctx = build_context(
        tmp_path / "data", clock=scene.clock, kdf=TEST_KDF, settings_path=tmp_path / "ui.ini"
    )
    window = build_window(ctx, idle=10**7)
    qtbot.addWidget(window)
    window.show()
    key = unlock_vault(scene.paths, harness.PASSPHRASE, clock=scene.clock)
    try:
        window.session.open(scene.paths.profile_dir.name, key)
        qtbot.waitUntil(lambda: ctx.unlocked, timeout=20_000)
        scheduler = window.sync_scheduler
        # County down: the fetch fails, silently; the unlock check found nothing either.
        assert ctx.services.warnings == ()
        qtbot.waitUntil(lambda: scheduler.anchor_fetches == 1, timeout=20_000)
        ctx.tasks.wait_idle(10_000)
        qtbot.wait(100)
        assert _visible_warning(window) is None
        assert scheduler.anchor_checks == 0

        county.start()  # the county is reachable again: the check runs and names the rewrite
        try:
            scheduler.network_online()
            qtbot.waitUntil(lambda: _visible_warning(window) is not None, timeout=20_000)
            text = _visible_warning(window).informativeText()  # type: ignore[union-attr]
            assert "county anchors: the audit trail was rewritten" in text, text
            assert f"note {facts['id']}" in text, text
            assert scheduler.anchor_checks == 1
            assert window.stack.currentWidget() is window.workspace  # nothing was blocked
        finally:
            county.stop()
    finally:
        ctx.tasks.wait_idle(10_000)
        if ctx.services is not None:
            ctx.tasks.call_db_blocking(ctx.services.close)
        ctx.tasks.shutdown()
