"""Fixtures for the desktop-app tests: a real vault in tmp_path, cheap KDF, a fake clock.

Everything is real except time and cost: the vault's key slots and SQLCipher database are real
files under ``tmp_path``, key derivation uses tiny Argon2id parameters, and the clock is a
``FakeClock`` so auto-lock is tested by advancing it. QSettings go to an INI file in tmp_path.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from tests.support.ui import CHEAP_KDF, PASSPHRASE
from ui.widgets import confirm


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 10, 6, 17, 30, tzinfo=UTC))


@pytest.fixture
def ui_context(tmp_path: Path, clock: FakeClock):
    from ui.app import build_context

    ctx = build_context(
        tmp_path / "data", clock=clock, kdf=CHEAP_KDF, settings_path=tmp_path / "ui.ini"
    )
    yield ctx
    ctx.tasks.wait_idle(10_000)
    if ctx.services is not None:
        ctx.tasks.call_db_blocking(ctx.services.close)
    ctx.tasks.shutdown()


@pytest.fixture
def window(qtbot, ui_context):
    from ui.app import build_window

    win = build_window(ui_context, idle=300)
    qtbot.addWidget(win)
    win.resize(1100, 720)
    win.show()
    qtbot.waitExposed(win)
    confirm.asked.clear()
    yield win
    confirm._next.clear()


@pytest.fixture
def unlocked_window(qtbot, ui_context):
    """A main window already unlocked on a fresh vault (created through the vault API)."""
    from clinician_desk.vault import create_vault
    from ui.app import build_window

    key, _recovery = create_vault(
        ui_context.paths.vault("default"), PASSPHRASE, clock=ui_context.clock, kdf=CHEAP_KDF
    )
    win = build_window(ui_context, idle=300)
    qtbot.addWidget(win)
    win.resize(1100, 720)
    win.show()
    win.session.open("default", key, create=True)
    qtbot.waitUntil(lambda: win.stack.currentWidget() is win.workspace, timeout=20_000)
    yield win
    confirm._next.clear()
