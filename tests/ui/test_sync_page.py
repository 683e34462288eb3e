"""The sync page against a real county server process on loopback: enroll, sync, status."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.support.ui import CHEAP_KDF, PASSPHRASE, grab


@pytest.fixture
def county(tmp_path: Path):
    from tests.support.county import CountyServer

    server = CountyServer(tmp_path / "county")
    server.start()
    yield server
    server.stop()


def test_enroll_and_sync_from_the_sync_page(qtbot, tmp_path, county, artifacts_dir):
    from clinician_desk.clock import SystemClock
    from clinician_desk.demo.generator import generate_demo
    from clinician_desk.vault import create_vault
    from tests.support.county import DEMO_DISTRICT
    from ui.app import build_context, build_window

    ctx = build_context(
        tmp_path / "data", clock=SystemClock(), kdf=CHEAP_KDF, settings_path=tmp_path / "ui.ini"
    )
    key, _recovery = create_vault(ctx.paths.vault("default"), PASSPHRASE, kdf=CHEAP_KDF)
    window = build_window(ctx, idle=300)
    qtbot.addWidget(window)
    window.resize(1100, 720)
    window.show()
    try:
        window.session.open("default", key, create=True)
        qtbot.waitUntil(lambda: ctx.unlocked, timeout=20_000)
        services = ctx.services
        ctx.tasks.call_db_blocking(lambda: generate_demo(services.db, students=12, sessions=150))
        window.nav.setCurrentRow(window.pages.index(window.sync_page))
        page = window.sync_page
        qtbot.waitUntil(lambda: "Not enrolled" in page.headline.text(), timeout=20_000)
        assert not page.sync_button.isEnabled()
        # empty fields: refused in the app's words, no command-line options (decision 0150)
        for server, code, said in (
            ("", "some-code", "Give the county server's address: your district's IT has it."),
            (county.url, "  ", "Give the enrollment code the county issued."),
        ):
            page.server_edit.setText(server)
            page.code_edit.setText(code)
            qtbot.mouseClick(page.enroll_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: page.enroll_button.isEnabled(), timeout=20_000)
            assert said in page.message.text() and "--" not in page.message.text()
        page.server_edit.setText(county.url)
        page.code_edit.setText("not-a-real-code")
        qtbot.mouseClick(page.enroll_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.enroll_button.isEnabled(), timeout=20_000)
        assert page.enroll_box.isVisible() and not page.sync_button.isEnabled()  # refused
        page.code_edit.setText(county.issue_code((DEMO_DISTRICT,)))
        qtbot.mouseClick(page.enroll_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.sync_button.isEnabled(), timeout=20_000)
        qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.model.rowCount() > 0 and page._handle is None, timeout=60_000)
        qtbot.waitUntil(lambda: "Last synced" in window.sync_status.text(), timeout=20_000)
        statuses = {page.model.row_at(i).status for i in range(page.model.rowCount())}
        assert statuses == {"synced"}
        assert sum(county.totals().values()) > 0  # the counts reached the county
        grab(window, artifacts_dir, "15_sync_page")
    finally:
        ctx.tasks.wait_idle(10_000)
        if ctx.services is not None:
            ctx.tasks.call_db_blocking(ctx.services.close)
        ctx.tasks.shutdown()
