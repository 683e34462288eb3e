"""``--demo`` opens a filled throw-away vault straight into the caseload; pseudo/es screens."""

from __future__ import annotations

from tests.support.ui import grab
from ui import i18n


def test_demo_vault_opens_into_caseload(qtbot, ui_context, artifacts_dir):
    from ui.app import DEMO_PASSPHRASE, build_window, open_demo

    ui_context.demo = True
    window = build_window(ui_context, idle=300)
    qtbot.addWidget(window)
    window.resize(1100, 720)
    window.show()
    assert window.wizard is None and window.stack.currentWidget() is window.unlock_page
    open_demo(window, students=25, sessions=400)
    qtbot.waitUntil(lambda: window.ctx.unlocked, timeout=60_000)
    qtbot.waitUntil(lambda: window.caseload_page.model.rowCount() > 0, timeout=20_000)
    assert window.stack.currentWidget() is window.workspace
    assert DEMO_PASSPHRASE in window.unlock_page.countdown_label.text()
    names = [
        window.caseload_page.model.row_at(i).name
        for i in range(window.caseload_page.model.rowCount())
    ]
    assert all(n.strip() for n in names)
    window.caseload_page.table.resizeColumnsToContents()
    grab(window, artifacts_dir, "20_demo_caseload")
    window.caseload_page.table.doubleClicked.emit(window.caseload_page.proxy.index(0, 0))
    qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)
    qtbot.waitUntil(lambda: window.student_page.sessions_model.rowCount() > 0, timeout=20_000)
    grab(window, artifacts_dir, "21_demo_student")


def test_pseudo_locale_screens_render(qtbot, ui_context, artifacts_dir):
    from ui.app import build_window

    try:
        i18n.install("pseudo")
        win = build_window(ui_context, idle=300)
        qtbot.addWidget(win)
        win.resize(1100, 720)
        win.show()
        qtbot.waitExposed(win)
        assert win.wizard.profile_page.title().startswith("[")
        grab(win, artifacts_dir, "30_pseudo_setup")
    finally:
        i18n.install("en")


def test_spanish_setup_screen(qtbot, ui_context, artifacts_dir):
    from ui.app import build_window

    try:
        i18n.install("es")
        win = build_window(ui_context, idle=300)
        qtbot.addWidget(win)
        win.resize(1100, 720)
        win.show()
        qtbot.waitExposed(win)
        assert win.wizard.profile_page.title() == "Bienvenido a clinician-desk"
        grab(win, artifacts_dir, "31_spanish_setup")
    finally:
        i18n.install("en")
