"""The main window: assembles the setup wizard, the unlock screen and the workspace pages.

It holds no logic of its own beyond routing: which screen shows (setup → unlock → workspace),
which page a navigation click or a page's request opens, the application-wide actions and their
shortcuts (Ctrl+L lock, Ctrl+F note search, Ctrl+N new note, Ctrl+Shift+D drafts, Ctrl+P print
centre, Ctrl+Shift+I roster import), keeping open notes as drafts across locks and Quit (which
asks first), window geometry via ``ui.settings``, and showing core errors as readable messages.
The actions and menus themselves are built in ``ui.window_actions``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from clinician_desk.events import NoteSigned, ReferralChanged, ScreeningCompleted, SyncFinished
from ui import care_menu, window_actions
from ui.context import UiContext
from ui.i18n import _, core_text
from ui.lock import InactivityWatcher
from ui.session import SessionController
from ui.sync_scheduler import SyncScheduler
from ui.theme import icons
from ui.theme.tokens import ICON_SIZE, SIDEBAR_WIDTH
from ui.widgets.header_bar import HeaderBar
from ui.widgets.sync_status import SyncStatusWidget

if TYPE_CHECKING:  # imported where used: the unlock window shows without them (cold start)
    from PySide6.QtGui import QCloseEvent  # a QEvent: importing it builds a 179-member enum

    from ui.dialogs.setup_wizard import SetupWizard


OPEN_NOTES_KEY = "editor-open-notes"  # form-draft key: ids of the notes open at the last lock


class MainWindow(QMainWindow):
    # set by ui.window_actions.build_actions
    lock_action: QAction
    find_action: QAction
    new_note_action: QAction
    print_action: QAction
    drafts_action: QAction
    import_roster_action: QAction
    handoff_action: QAction
    quit_action: QAction
    care_actions: list[QAction]
    help_action: QAction
    appearance_actions: dict[str, QAction]

    def __init__(self, ctx: UiContext, watcher: InactivityWatcher) -> None:
        super().__init__()
        self.setObjectName("main_window")
        self.setWindowTitle("clinician-desk")
        self.ctx = ctx
        self.session = SessionController(ctx, watcher)
        ctx.tasks.default_error_handler = self.show_error
        self.stack = QStackedWidget()
        self.sync_status = SyncStatusWidget(ctx)
        self.header = HeaderBar(ctx, self.sync_status)
        central = QWidget()
        central.setObjectName("central_widget")
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.header)
        column.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.wizard: SetupWizard | None = None

        from ui.pages.unlock_page import UnlockPage

        self.unlock_page = UnlockPage(ctx)
        self.stack.addWidget(self.unlock_page)
        self.workspace: QWidget | None = None  # built at the first unlock (fast cold start)
        self.pages: list[Any] = []
        self._build_actions()
        self.header.lock_button.clicked.connect(self.lock_action.trigger)
        self.sync_scheduler = SyncScheduler(ctx, parent=self)  # automatic background sync

        self.unlock_page.unlocked.connect(lambda profile, key: self.session.open(profile, key))
        self.unlock_page.unlock_started.connect(self._ensure_workspace)
        self.unlock_page.new_profile_requested.connect(self.start_setup)
        self.unlock_page.recovery_requested.connect(self.use_recovery_key)
        self.unlock_page.restore_requested.connect(lambda p: care_menu.open_restore(self, p))
        self.session.opened.connect(self._on_opened)
        self.session.open_failed.connect(self._on_open_failed)
        self.session.locked.connect(self._on_locked)
        ctx.settings.restore_window(self)
        if ctx.paths.profiles() or ctx.demo:
            self.show_unlock()
        else:
            self.start_setup()

    # -- screens ------------------------------------------------------------------------------
    def warm_up(self) -> None:
        """While the unlock screen waits for the passphrase, import the core services and the
        page modules on the worker so the first unlock does not pay for them, and render the
        generic English handout once (no data touched)."""

        def work(_control: Any) -> None:
            import importlib

            for name in (
                "clinician_desk.bootstrap",
                "clinician_desk.bundled.instruments",
                "ui.pages.caseload_page",
                "ui.pages.student_page",
                "ui.pages.note_editor_page",
                "ui.pages.screening_page",
                "ui.pages.print_centre_page",
                "ui.pages.sync_page",
            ):
                importlib.import_module(name)
            from clinician_desk.bundled.instruments import load_instruments

            load_instruments()
            # A generic handout (no student data, nothing written), once per process: the first
            # handout of the session finds its paragraphs parsed and subsets built (issue 23).
            from clinician_desk.reports.handout import warm_up_once

            warm_up_once("en")

        self.ctx.tasks.run_db(work, context=self, name="warm-up")

    def _ensure_workspace(self) -> None:
        """Build the pages once, on the first unlock: the unlock window shows without them."""
        if self.workspace is not None:
            return
        from PySide6.QtCore import QSize, Qt
        from PySide6.QtWidgets import QFrame, QHBoxLayout, QListWidget, QListWidgetItem, QScrollArea

        from ui.pages.caseload_page import CaseloadPage
        from ui.pages.note_editor_page import NoteEditorPage
        from ui.pages.print_centre_page import PrintCentrePage
        from ui.pages.screening_page import ScreeningPage
        from ui.pages.student_page import StudentPage
        from ui.pages.sync_page import SyncPage

        ctx = self.ctx
        self.caseload_page = CaseloadPage(ctx)
        self.student_page = StudentPage(ctx)
        self.note_page = NoteEditorPage(ctx)
        self.screening_page = ScreeningPage(ctx)
        self.print_page = PrintCentrePage(ctx)
        self.sync_page = SyncPage(ctx)
        self.pages = [
            self.caseload_page,
            self.student_page,
            self.note_page,
            self.screening_page,
            self.print_page,
            self.sync_page,
        ]
        self.nav = QListWidget()
        self.nav.setObjectName("navigation_list_widget")
        self.nav.setAccessibleName(_("Navigation"))
        self.nav.setFixedWidth(SIDEBAR_WIDTH)
        self.nav.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        from ui.focus import PageStack  # Tab stays on the page's form (issue 20)

        self.page_stack = PageStack()
        meanings = ("caseload", "student", "note", "screening", "print", "sync")
        for page, meaning in zip(self.pages, meanings, strict=True):
            item = QListWidgetItem(page.title, self.nav)
            item.setIcon(icons.icon(meaning))
            item.setData(Qt.ItemDataRole.UserRole, meaning)  # redrawn on a palette change
            self.page_stack.addWidget(page)
        self.nav.currentRowChanged.connect(self._show_page_index)
        for act in self.actions():
            icons.redraw(act)
        self.header.add_actions((self.new_note_action, self.find_action))
        self.page_stack.currentChanged.connect(self._size_stack_to_page)
        self._size_stack_to_page()
        self.workspace = QWidget()
        self.workspace.setObjectName("workspace_widget")
        layout = QHBoxLayout(self.workspace)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.nav)
        # At 200 % on a 1366x768 screen the window is 683 logical pixels wide: a page wider than
        # that scrolls instead of pushing its buttons off the window (issue 24).
        self.page_scroll = QScrollArea()
        self.page_scroll.setObjectName("page_scroll_area")
        self.page_scroll.setWidgetResizable(True)
        self.page_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.page_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.page_scroll.setWidget(self.page_stack)
        # setWidget made the stack fill its own background, and the viewport fills its own:
        # opaque widgets, which Qt painted (the stack: the whole page) on their own and again
        # with the window whenever another dirty widget covered them — every page switch painted
        # the page twice in one repaint (issue 23, decision 0143). The window's style sheet
        # background (the same window colour) shows through instead.
        self.page_stack.setAutoFillBackground(False)
        self.page_scroll.viewport().setAutoFillBackground(False)
        layout.addWidget(self.page_scroll, 1)
        self.stack.addWidget(self.workspace)

        self.caseload_page.student_opened.connect(self.open_student)
        self.caseload_page.import_requested.connect(self.import_roster)
        self.caseload_page.enroll_requested.connect(self.show_enrollment)
        self.note_page.choose_student_requested.connect(lambda: self.nav.setCurrentRow(0))
        self.note_page.drafts_requested.connect(self.show_drafts)
        self.print_page.choose_student_requested.connect(lambda: self.nav.setCurrentRow(0))
        self.student_page.new_note_requested.connect(self.new_note)
        self.student_page.screening_requested.connect(self.start_screening)
        self.student_page.print_requested.connect(self.open_print)
        self.note_page.note_signed.connect(self._open_signed_student)
        self.screening_page.finished.connect(self.open_student)
        self.screening_page.kiosk_changed.connect(self._set_kiosk)
        self.note_page.note_signed.connect(self.sync_scheduler.request_soon)
        self.screening_page.finished.connect(self.sync_scheduler.request_soon)
        self.sync_page.enrolled.connect(self.sync_scheduler.request_soon)
        self.sync_scheduler.card_problem_changed.connect(self.sync_status.set_card_problem)
        self.sync_scheduler.card_problem_changed.connect(self.sync_page.set_card_problem)
        self.session.add_lock_hooks(before=self._remember_open_notes)
        self.session.add_lock_hooks(before=self.note_page.save_draft_now)
        self.student_page.draft_requested.connect(lambda note_id: self.resume_draft([note_id]))
        for page in self.pages:
            self.session.add_lock_hooks(after=page.clear)

    def _size_stack_to_page(self, *_args: object) -> None:
        """The page area is as wide as the page showing needs, not the widest page: hidden
        pages ignore their size, so only a page that cannot fit scrolls."""
        from PySide6.QtWidgets import QSizePolicy

        current = self.page_stack.currentWidget()
        for page in self.pages:
            policy = QSizePolicy.Policy.Preferred if page is current else QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
        self.page_stack.updateGeometry()

    def _build_actions(self) -> None:
        window_actions.build_actions(self)

    def set_appearance(self, choice: str) -> None:
        """Apply and remember a palette choice (a settings value, nothing about students)."""
        window_actions.set_appearance(self, choice)

    def _set_unlocked_actions(self, enabled: bool) -> None:
        window_actions.set_unlocked_actions(self, enabled)

    def _set_kiosk(self, on: bool) -> None:
        window_actions.set_kiosk(self, on)

    def start_setup(self) -> None:
        from ui.dialogs.setup_wizard import SetupWizard

        if self.wizard is not None:
            self.stack.removeWidget(self.wizard)
            self.wizard.deleteLater()
        self.wizard = SetupWizard(self.ctx)
        self.wizard.vault_created.connect(
            lambda profile, key: self.session.open(profile, key, create=True)
        )
        self.wizard.setup_finished.connect(self._setup_finished)
        self.stack.addWidget(self.wizard)
        self.stack.setCurrentWidget(self.wizard)

    def _setup_finished(self, enrollment_code: str, server_url: str = "") -> None:
        wizard, self.wizard = self.wizard, None
        if wizard is not None:
            self.stack.removeWidget(wizard)
            wizard.deleteLater()
        if self.ctx.unlocked:
            self._show_workspace()
            if enrollment_code:
                self.nav.setCurrentRow(self.pages.index(self.sync_page))
                if server_url and not self.sync_page.server_edit.isReadOnly():
                    self.sync_page.server_edit.setText(server_url)
                self.sync_page.enroll(enrollment_code)
        else:
            self.show_unlock()

    def show_unlock(self) -> None:
        self.unlock_page.reload_profiles(self.ctx.profile if self.ctx.profile else None)
        self.stack.setCurrentWidget(self.unlock_page)
        self.setWindowTitle("clinician-desk")

    def _on_opened(self) -> None:
        self._ensure_workspace()
        self._set_unlocked_actions(True)
        self.header.set_unlocked()
        self.sync_status.refresh()
        bridge = self.ctx.bridge
        if bridge is not None:
            # Each of these changes the months waiting to be sent (the status bar's count).
            bridge.on(NoteSigned, lambda _event: self.sync_status.refresh())
            bridge.on(ScreeningCompleted, lambda _event: self.sync_status.refresh())
            bridge.on(ReferralChanged, lambda _event: self.sync_status.refresh())
            bridge.on(SyncFinished, lambda _event: self.sync_status.refresh())
            bridge.on(SyncFinished, lambda _event: self._refresh_sync_page())
        self.sync_scheduler.start()
        if self.wizard is None:
            self._show_workspace()
            self._reopen_open_notes()
        warnings = getattr(self.ctx.services, "warnings", ())
        if warnings:  # damage that does not block work (key slot, lost changes): say it now
            from ui.dialogs.integrity_warning import show_integrity_warnings

            show_integrity_warnings(self, warnings)
        # The county's anchors, checked in the background when the county answers.
        self.sync_scheduler.check_anchors(self._county_anchor_findings)

    def _county_anchor_findings(self, findings: list[str]) -> None:
        """The online anchor check found something: say it like the unlock check does."""
        from ui.dialogs.integrity_warning import show_integrity_warnings

        shown = set(getattr(self.ctx.services, "warnings", ()))
        show_integrity_warnings(self, [f for f in findings if f not in shown])

    def _refresh_sync_page(self) -> None:
        """An automatic round finished: the sync page, if it is showing, shows the new state."""
        if self.workspace is not None and self.page_stack.currentWidget() is self.sync_page:
            self.sync_page.activate()

    def _show_workspace(self) -> None:
        self._ensure_workspace()
        assert self.workspace is not None
        self.stack.setCurrentWidget(self.workspace)
        self.setWindowTitle(f"clinician-desk — {self.ctx.profile}")
        self.nav.setCurrentRow(0)
        self.caseload_page.activate()

    def _on_open_failed(self, message: str) -> None:
        self.show_unlock()
        self.unlock_page.message_label.setText(message)

    def _on_locked(self) -> None:
        self._set_unlocked_actions(False)
        self.sync_scheduler.stop()
        self.sync_status.clear()
        self.header.set_locked()
        self.show_unlock()

    def show_enrollment(self) -> None:
        """The Sync page, ready for the enrollment code (from the caseload's first-use state)."""
        self.nav.setCurrentRow(self.pages.index(self.sync_page))
        self.sync_page.code_edit.setFocus()

    def use_recovery_key(self, profile: str) -> None:
        if not profile:
            return
        from ui.dialogs.recovery_dialog import RecoveryKeyDialog

        dialog = RecoveryKeyDialog(self.ctx, profile, self)
        accepted = dialog.exec()
        key, new_recovery_text = dialog.key, dialog.new_recovery_text
        dialog.deleteLater()  # not kept once closed
        if accepted and key is not None:
            self.session.open(profile, key)
            if new_recovery_text:
                self.show_new_recovery_key(new_recovery_text)

    def show_new_recovery_key(self, text: str) -> None:
        """The recovery key made by a key rotation, shown once (not modal: nothing waits)."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(self)
        box.setObjectName("new_recovery_key_message_box")
        box.setWindowTitle(_("New recovery key"))
        box.setText(
            _(
                "Write down the new recovery key and keep it somewhere safe. It is shown only "
                "this once; the previous recovery key no longer works."
            )
        )
        box.setInformativeText(text)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # not kept once closed
        self.new_recovery_box = box
        box.open()

    # -- routing ------------------------------------------------------------------------------
    def _show_page_index(self, row: int) -> None:
        if self.page_stack.currentWidget() is self.screening_page and not (
            self.screening_page.can_leave()
        ):
            self._go(self.screening_page)
            if not self.screening_page.kiosk:
                self.show_error(
                    _("Record the safety follow-up for this screening before leaving it.")
                )
            return
        if 0 <= row < len(self.pages):
            self.page_stack.setCurrentIndex(row)
            page = self.pages[row]
            if self.ctx.unlocked and page is not self.note_page:
                page.activate()

    def _go(self, page: Any) -> None:
        if page is not self.screening_page and not self.screening_page.can_leave():
            page = self.screening_page
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(self.pages.index(page))
        self.nav.blockSignals(False)
        self.page_stack.setCurrentWidget(page)

    def open_student(self, student_id: str) -> None:
        self.student_page.show_student(student_id)
        self._go(self.student_page)

    def _open_signed_student(self, student_id: str) -> None:
        """Back to the student page after a signing. When it shows that student already, the
        page comes first and its reload starts a turn later: the reload's results arrived inside
        the switch's layout and first paint, one long frame (issue 23, docs/decisions/0142).
        Another student's page is never shown under this one's: that opens as ``open_student``."""
        if self.student_page.student_id != student_id:
            self.open_student(student_id)
            return
        self._go(self.student_page)
        self.ctx.tasks.run_steps(
            [lambda: self.student_page.show_student(student_id)],
            context=self.student_page,
            name="signed-student-reload",
            first_now=False,
        )

    def new_note(self, student_id: str | None) -> None:
        student_id = student_id or self.student_page.student_id
        if student_id is None:
            self.show_error(_("Open a student first, then start a note from their page."))
            return
        page = self.student_page.page
        name, school = "", ""
        if page is not None and page.student.id == student_id:
            name, school = page.student.display_name, page.student.school_cds
        self.note_page.new_note(student_id, name, school, self.caseload_page.group_candidates())
        self._go(self.note_page)

    def start_screening(self, student_id: str) -> None:
        page = self.student_page.page
        name = page.student.display_name if page is not None else ""
        self.screening_page.start_for(student_id, name)
        self._go(self.screening_page)

    def open_print(self, student_id: str | None, document: str) -> None:
        selected = self.student_page.selected_session()
        note_id = getattr(selected, "note_id", None)
        self.print_page.select(student_id or self.student_page.student_id, document, note_id)
        self._go(self.print_page)

    # -- drafts -------------------------------------------------------------------------------
    def _remember_open_notes(self) -> None:
        """Before locking (Ctrl+L, idle, Quit): note which unsigned notes are open, in the
        encrypted vault, so the next unlock reopens them (their text is saved by the editor)."""
        services = self.ctx.services
        if services is None:
            return
        ids = self.note_page.open_note_ids()
        record = services.record
        if ids:
            self.ctx.tasks.run_db(
                lambda _c: record.save_form_draft(OPEN_NOTES_KEY, {"note_ids": ids}),
                context=self,
                name="remember-open-notes",
            )
        else:
            self.ctx.tasks.run_db(
                lambda _c: record.discard_form_draft(OPEN_NOTES_KEY),
                context=self,
                name="forget-open-notes",
            )

    def _reopen_open_notes(self) -> None:
        services = self.ctx.services
        if services is None:
            return
        record = services.record

        def work(_c: Any) -> list[int]:
            data = record.load_form_draft(OPEN_NOTES_KEY)
            if data is None:
                return []
            record.discard_form_draft(OPEN_NOTES_KEY)
            ids = data.get("note_ids")
            if not isinstance(ids, list):
                return []
            open_ids = {d.note_id for d in record.draft_notes()}
            return [int(i) for i in ids if isinstance(i, int) and i in open_ids]

        self.ctx.tasks.run_db(
            work,
            context=self,
            on_done=lambda ids: self.resume_draft(ids) if ids else None,
            name="reopen-open-notes",
        )

    def resume_draft(self, note_ids: list[int]) -> None:
        """Continue unsigned notes in the editor (from Drafts, the student page or an unlock)."""
        if not note_ids:
            return
        self.note_page.resume_notes(list(note_ids))
        self._go(self.note_page)

    def show_drafts(self) -> None:
        from PySide6.QtCore import Qt

        from ui.dialogs.drafts_dialog import DraftsDialog

        dialog = DraftsDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # not kept once closed
        dialog.draft_chosen.connect(lambda note_id: self.resume_draft([note_id]))
        dialog.open()

    def search_notes(self) -> None:
        from PySide6.QtCore import Qt

        from ui.dialogs.note_search_dialog import NoteSearchDialog

        dialog = NoteSearchDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # not kept by the window
        dialog.student_chosen.connect(self.open_student)
        dialog.open()

    def import_roster(self) -> None:
        from ui.dialogs.roster_import_wizard import RosterImportWizard

        wizard = RosterImportWizard(self.ctx, self)
        wizard.roster_imported.connect(lambda *_counts: self.caseload_page.activate())
        wizard.open()

    def open_handoff(self) -> None:
        from ui.dialogs.handoff_dialog import HandoffDialog

        dialog = HandoffDialog(self.ctx, self)
        dialog.card_problem_found.connect(self.sync_scheduler.report_card_problem)
        dialog.open()

    # -- errors and closing -------------------------------------------------------------------
    def show_error(self, message: str) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QMessageBox  # not needed to show the unlock window

        text = core_text(message)
        box = QMessageBox(QMessageBox.Icon.Warning, "clinician-desk", text, parent=self)
        box.setObjectName("error_message_box")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # not kept once closed
        box.open()

    def quit_keeping_drafts(self) -> None:
        """File ▸ Quit: with an unsigned note open, ask first (Save as draft and quit / Cancel)."""
        if self._may_quit():
            self.close()

    def _may_quit(self) -> bool:
        open_work = self.workspace is not None and self.note_page.has_open_work()
        if not (self.ctx.unlocked and open_work):
            return True
        from ui.widgets.confirm import ask

        return ask(
            self,
            _("Quit"),
            _(
                "A note is open and not signed. Keep it as a draft and quit? It reopens after "
                "the next unlock, and stays in Drafts until you sign it."
            ),
            _("Save as draft and quit"),
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        # The window's close button asks like File ▸ Quit; any other close (the OS ending the
        # session) saves the open note as a draft without asking: shutdown() locks, saving it.
        if event.spontaneous() and not self._may_quit():
            event.ignore()
            return
        self.ctx.settings.save_window(self)
        self.session.shutdown()
        event.accept()
