"""The main window's actions and menus: File (with their shortcuts), View ▸ Appearance, which
actions a locked vault or a kiosk screening allows, and application-wide shortcut context.

Split out of ``ui.main_window`` (it was over the 600 lines CONTRIBUTING.md allows); the window
keeps thin methods where tests and pages call them (``set_appearance``, ``_set_kiosk``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QKeySequence

from ui.i18n import _
from ui.theme import icons

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def build_actions(window: MainWindow) -> None:
    def action(name: str, text: str, shortcut: Any, slot: Any, meaning: str) -> QAction:
        act = QAction(window)  # QAction(text, parent) resolves through QIcon: ~4 ms of enums
        act.setText(text)
        act.setObjectName(name)
        icons.attach(act, meaning, later=True)  # drawn at the first unlock (cold start)
        # setShortcuts([...]), not setShortcut(...): resolving the latter's overloads builds
        # all ~95 Qt-namespace enums (~25 ms of cold start)
        act.setShortcuts([QKeySequence(shortcut)])
        act.triggered.connect(slot)
        window.addAction(act)
        return act

    window.lock_action = action("lock_action", _("Lock"), "Ctrl+L", window.session.lock, "lock")
    window.find_action = action(
        "find_action", _("Search notes…"), "Ctrl+F", window.search_notes, "search"
    )
    window.new_note_action = action(
        "new_note_action", _("New note"), "Ctrl+N", lambda: window.new_note(None), "new-note"
    )
    window.print_action = action(
        "print_centre_action",
        _("Print centre"),
        "Ctrl+P",
        lambda: window.open_print(None, ""),
        "print",
    )
    window.drafts_action = action(
        "drafts_action", _("Drafts…"), "Ctrl+Shift+D", window.show_drafts, "drafts"
    )
    window.import_roster_action = action(
        "import_roster_action",
        _("Import roster…"),
        "Ctrl+Shift+I",
        window.import_roster,
        "import",
    )
    window.handoff_action = action(
        "handoff_action", _("Caseload handoff…"), "", window.open_handoff, "handoff"
    )
    window.quit_action = action(
        "quit_action",
        _("Quit"),
        QKeySequence.StandardKey.Quit,
        window.quit_keeping_drafts,
        "quit",
    )
    menu = window.menuBar().addMenu(_("&File"))
    for act in (
        window.new_note_action,
        window.drafts_action,
        window.find_action,
        window.print_action,
    ):
        menu.addAction(act)
    menu.addSeparator()
    menu.addAction(window.import_roster_action)
    menu.addAction(window.handoff_action)
    menu.addSeparator()
    menu.addAction(window.lock_action)
    menu.addAction(window.quit_action)
    build_appearance_menu(window)
    from ui.care_menu import install_care_menu  # profile, vault care, help (issue 20)

    window.care_actions, window.help_action = install_care_menu(window, menu)
    set_unlocked_actions(window, False)


def build_appearance_menu(window: MainWindow) -> None:
    """View ▸ Appearance: follow the system, or choose light, dark or high contrast."""
    from PySide6.QtGui import QActionGroup

    from ui.theme.palettes import CHOICES

    labels = {
        "system": _("Follow the system"),
        "light": _("Light"),
        "dark": _("Dark"),
        "high-contrast": _("High contrast"),
    }
    view = window.menuBar().addMenu(_("&View"))
    appearance = view.addMenu(_("Appearance"))
    group = QActionGroup(window)
    chosen = window.ctx.settings.theme()
    window.appearance_actions = {}
    for choice in CHOICES:
        act = QAction(window)
        act.setText(labels[choice])
        act.setObjectName(f"appearance_{choice.replace('-', '_')}_action")
        act.setCheckable(True)
        act.setChecked(choice == chosen)
        act.triggered.connect(lambda _checked=False, c=choice: set_appearance(window, c))
        group.addAction(act)
        appearance.addAction(act)
        window.appearance_actions[choice] = act


def set_appearance(window: MainWindow, choice: str) -> None:
    """Apply and remember a palette choice (a settings value, nothing about students)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from ui.theme.apply import apply_theme

    window.ctx.settings.set_theme(choice)
    app = QApplication.instance()
    if isinstance(app, QApplication):
        apply_theme(app, choice)
    window.appearance_actions[choice].setChecked(True)
    if window.workspace is not None:
        for row in range(window.nav.count()):
            item = window.nav.item(row)
            meaning = item.data(Qt.ItemDataRole.UserRole)
            if isinstance(meaning, str):
                item.setIcon(icons.icon(meaning))


def set_unlocked_actions(window: MainWindow, enabled: bool) -> None:
    if enabled:
        use_application_shortcuts(window)
    for act in (
        window.lock_action,
        window.find_action,
        window.new_note_action,
        window.drafts_action,
        window.print_action,
    ):
        act.setEnabled(enabled)
    window.import_roster_action.setEnabled(enabled)
    for act in window.care_actions:
        act.setEnabled(enabled)
    window.help_action.setEnabled(True)
    window.handoff_action.setEnabled(enabled)


def set_kiosk(window: MainWindow, on: bool) -> None:
    """While a student answers a screening the window shows only the screening: no sidebar,
    no menus, no shortcut but Lock (Ctrl+L; the idle lock keeps running)."""
    window.nav.setVisible(not on)
    window.menuBar().setVisible(not on)
    window.header.setVisible(not on)  # the clinician's name and sync are not the student's
    if on:
        for act in window.actions():
            act.setEnabled(act is window.lock_action)
    else:
        set_unlocked_actions(window, window.ctx.unlocked)
        window.quit_action.setEnabled(True)


def use_application_shortcuts(window: MainWindow) -> None:
    """Shortcuts work in dialogs too. Set at the first unlock, not at start: naming
    Qt.ShortcutContext builds all ~95 Qt-namespace enums (~45 ms of cold start)."""
    from PySide6.QtCore import Qt

    for act in window.actions():
        act.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
