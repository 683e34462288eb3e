"""Issue 24: the header (profile, lock state, sync, Lock), the app icon on every window, the
appearance override, and what the settings file holds (layout only, never a student)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from clinician_desk.services.profile import set_profile
from tests.support.visual import fill_demo, first_student_id, show_page
from ui.theme.apply import current_palette


def test_header_names_the_profile_shows_lock_state_and_locks(qtbot, unlocked_window):
    window = unlocked_window
    header = window.header
    services = window.ctx.services
    window.ctx.tasks.call_db_blocking(
        lambda: set_profile(services.db, display_name="Alex Sample (fictional)")
    )
    header.set_unlocked()  # as after an unlock: the name is read on the worker
    qtbot.waitUntil(lambda: header.profile_label.text() == "Alex Sample (fictional)")
    assert header.lock_state_label.text() == "Unlocked"
    assert header.lock_button.isVisible() and header.lock_button.isEnabled()
    assert not header.lock_icon.pixmap().isNull()
    qtbot.waitUntil(lambda: window.sync_status.text().startswith("Sync"), timeout=10_000)
    assert header.isAncestorOf(window.sync_status)
    # The status bar repeats none of it.
    status_texts = [w.text() for w in window.statusBar().findChildren(QLabel)]
    assert not any("Sync" in t or "Alex" in t or "Unlocked" in t for t in status_texts)

    qtbot.mouseClick(header.lock_button, Qt.MouseButton.LeftButton)
    assert not window.ctx.unlocked
    assert header.lock_state_label.text() == "Locked"
    assert header.profile_label.text() == "" and not header.lock_button.isEnabled()
    assert window.sync_status.text() == ""


def test_a_profile_without_display_name_shows_its_folder_name(qtbot, unlocked_window):
    header = unlocked_window.header
    header.set_unlocked()
    unlocked_window.ctx.tasks.wait_idle(10_000)
    assert header.profile_label.text() == "default"


def test_every_window_and_dialog_carries_the_app_icon(qtbot, unlocked_window):
    window = unlocked_window
    app = QApplication.instance()
    assert not app.windowIcon().isNull()
    window.show_drafts()
    window.search_notes()
    window.show_error("A fictional problem")
    qtbot.wait(50)
    dialogs = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not window]
    assert len(dialogs) >= 3
    for top in [window, *dialogs]:
        assert top.windowIcon().cacheKey() == app.windowIcon().cacheKey(), top.objectName()
        top is window or top.close()


def test_appearance_override_is_remembered_and_applied(qtbot, unlocked_window, tmp_path):
    window = unlocked_window
    try:
        window.appearance_actions["dark"].trigger()
        assert current_palette().name == "dark"
        assert window.ctx.settings.theme() == "dark"
        assert window.palette().color(window.backgroundRole()).name() == current_palette().window
        # A palette change redraws icons: the Lock action's icon is drawn in the new text colour.
        dark_key = window.lock_action.icon().cacheKey()
        window.appearance_actions["high-contrast"].trigger()
        assert window.lock_action.icon().cacheKey() != dark_key
        assert "appearance/theme" in window.ctx.settings.keys()
    finally:
        window.set_appearance("system")
    assert window.ctx.settings.theme() == "system"


def test_a_bad_appearance_value_is_refused_and_a_damaged_one_ignored(unlocked_window, tmp_path):
    import pytest

    settings = unlocked_window.ctx.settings
    with pytest.raises(ValueError, match="unknown appearance"):
        settings.set_theme("neon")
    settings._qs.setValue("appearance/theme", "neon")  # as a hand-edited file would
    assert settings.theme() == "system"


def test_settings_keep_geometry_and_splitters_but_no_student_data(qtbot, unlocked_window, tmp_path):
    window = unlocked_window
    fill_demo(window, students=6, sessions=20)
    student = first_student_id(window)
    show_page(qtbot, window, "student", student)
    page = window.student_page.page
    names = [page.student.display_name, *page.student.display_name.split()]
    splitter = window.student_page.splitter
    sizes = splitter.sizes()
    splitter.setSizes([sizes[0] + 40, max(sizes[1] - 40, 10), *sizes[2:]])
    splitter.splitterMoved.emit(sizes[0] + 40, 1)
    window.resize(760, 560)  # inside the offscreen screen (800x600); the page may widen it
    window.ctx.settings.save_window(window)
    text = (tmp_path / "ui.ini").read_text(encoding="utf-8")
    keys = set(window.ctx.settings.keys())
    assert {"window/geometry", "window/state", "splitters/student"} <= keys
    allowed = ("window/", "splitters/", "unlock/last_profile", "appearance/")
    assert all(k.startswith(allowed) for k in keys), keys
    for name in names:
        assert name not in text
    # A new window comes back at the saved size.
    from ui.app import build_window

    again = build_window(window.ctx, idle=300)
    qtbot.addWidget(again)
    assert again.size() == window.size() and again.height() == 560
