"""District IT's machine policy as the desktop app applies it (sync page, auto-lock time)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

COUNTY = "https://county.example.org"


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[Any]:
    from ui.app import build_context

    context = build_context(tmp_path / "data", settings_path=tmp_path / "ui.ini")
    yield context
    context.tasks.shutdown()


def _policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: object) -> Path:
    path = tmp_path / "policy.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    monkeypatch.setenv("CLINICIAN_DESK_POLICY_FILE", str(path))
    return path


def test_server_and_lock_time_set_by_it_are_read_only(
    qtbot: Any, ctx: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.app import idle_seconds
    from ui.pages.sync_page import SyncPage

    _policy(tmp_path, monkeypatch, {"server_url": COUNTY, "auto_lock_minutes": 3})
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    assert page.server_edit.text() == COUNTY
    assert page.server_edit.isReadOnly()
    assert "district IT" in page.server_edit.toolTip()
    assert idle_seconds() == 180.0


def test_without_policy_the_clinician_chooses(
    qtbot: Any, ctx: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.app import idle_seconds
    from ui.pages.sync_page import SyncPage

    monkeypatch.setenv("CLINICIAN_DESK_POLICY_FILE", str(tmp_path / "absent.json"))
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    assert page.server_edit.text() == "" and not page.server_edit.isReadOnly()
    assert idle_seconds() == 300.0


def test_broken_policy_never_means_never_lock(
    qtbot: Any, ctx: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.app import idle_seconds
    from ui.pages.sync_page import SyncPage

    _policy(tmp_path, monkeypatch, '{"auto_lock_minutes": 0, "server_url": ')
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    assert not page.server_edit.isReadOnly()
    assert idle_seconds() == 300.0  # the default, not "never"
