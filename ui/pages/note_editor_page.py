"""The session note editor: the session form, template sections, autosave, Sign & Lock.

Flow: the clinician fills the session form and presses "Start note" — the core's
``document_session`` stores the session and one draft note per student present (a group session
gets a tab per student). Typing autosaves each note into its encrypted draft (``save_draft`` on
the database worker, 1.5 s after the last keystroke, and at once when the app locks). "Sign &
Lock" asks for confirmation, then ``sign_note`` locks it in the database; corrections are
addenda from the student page. A psychotherapy (process) note, kept apart from the progress note
and never printed, has its own box. Before the session exists, the form itself is kept as an
encrypted form draft so a lock loses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.errors import ClinicianDeskError
from ui.context import UiContext
from ui.focus import tab_moves_focus
from ui.i18n import _
from ui.widgets.confirm import ask
from ui.widgets.empty_state import EmptyState
from ui.widgets.session_form import SessionFormWidget

AUTOSAVE_MS = 1500


def call(fn: Any, *args: Any) -> Any:
    """A worker function calling ``fn(*args)`` with arguments captured now, on the GUI thread."""
    return lambda _control: fn(*args)


def _delete_later(widgets: Sequence[QWidget]) -> None:
    for widget in widgets:
        if shiboken6.isValid(widget):
            widget.deleteLater()


class NoteSectionsWidget(QWidget):
    """The sections of one student's note (template order), as plain-text editors."""

    edited = Signal()

    def __init__(self, note_id: int, template: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from clinician_desk.domain.notes import SECTION_TITLES, TEMPLATES

        self.note_id = note_id
        self.editors: dict[str, QPlainTextEdit] = {}
        form = QFormLayout(self)
        for key in TEMPLATES[template]:
            editor = QPlainTextEdit()
            editor.setObjectName(f"{key}_section_plain_text_edit")
            editor.setAccessibleName(_(SECTION_TITLES[key]))
            tab_moves_focus(editor)
            editor.setMinimumHeight(70)
            editor.textChanged.connect(self.edited.emit)
            form.addRow(_(SECTION_TITLES[key]), editor)
            self.editors[key] = editor

    def sections(self) -> dict[str, str]:
        return {key: editor.toPlainText() for key, editor in self.editors.items()}

    def set_read_only(self, value: bool) -> None:
        for editor in self.editors.values():
            editor.setReadOnly(value)


class NoteEditorPage(QWidget):
    note_signed = Signal(object)
    choose_student_requested = Signal()  # the empty state's "Choose a student…"
    drafts_requested = Signal()  # the empty state's "Continue a draft…"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("note_editor_page")
        self.title = _("Session note")
        self.ctx = ctx
        self.student_id: Any = None
        self.school_cds = ""
        self.session_id: int | None = None
        self.notes: dict[Any, NoteSectionsWidget] = {}
        self._dirty: set[int] = set()
        self.header = QLabel(_("Open a student and choose “New note”."))
        self.header.setObjectName("note_header_label")
        self.form = SessionFormWidget(ctx.clock.now().date())
        self.start_button = QPushButton(_("Start note"))
        self.start_button.setObjectName("start_note_button")
        self.start_button.setAccessibleName(_("Start note"))
        self.tabs = QTabWidget()
        self.tabs.setObjectName("note_tab_widget")
        self.status_label = QLabel()
        self.status_label.setObjectName("autosave_status_label")
        self.sign_button = QPushButton(_("Sign && Lock…"))
        self.sign_button.setObjectName("sign_note_button")
        self.sign_button.setAccessibleName(_("Sign and lock the note"))
        self.process_edit = QPlainTextEdit()
        self.process_edit.setObjectName("psychotherapy_note_plain_text_edit")
        self.process_edit.setAccessibleName(_("Psychotherapy note"))
        tab_moves_focus(self.process_edit)
        self.process_edit.setMaximumHeight(90)
        self.process_box = QGroupBox(_("Psychotherapy note — kept separately, never printed"))
        QVBoxLayout(self.process_box).addWidget(self.process_edit)
        left = QVBoxLayout()
        left.addWidget(self.form)
        left.addWidget(self.start_button)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.tabs, 1)
        right.addWidget(self.process_box)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.sign_button)
        right.addLayout(bottom)
        body = QHBoxLayout()
        form_holder = QWidget()
        form_holder.setLayout(left)
        scroll = QScrollArea()
        scroll.setWidget(form_holder)
        scroll.setWidgetResizable(True)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the form's fields, not here
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(360)
        scroll.setMaximumWidth(420)
        body.addWidget(scroll)
        body.addLayout(right, 1)
        self.editor = QWidget()
        self.editor.setObjectName("note_editor_widget")
        self.editor.setLayout(body)
        body.setContentsMargins(0, 0, 0, 0)
        # No student chosen and no draft open: say so and offer the next steps.
        self.empty_state = EmptyState(
            "note",
            "new-note",
            _("No student chosen"),
            _(
                "A note is written for a student. Open the student from the caseload and "
                "choose “New note”, or continue an unsigned note from Drafts."
            ),
        )
        self.empty_state.add_action(
            "empty_choose_student_button", _("Choose a student…"), "caseload"
        )
        self.empty_state.add_action("empty_continue_draft_button", _("Continue a draft…"), "drafts")
        self.empty_state.finish()
        self.empty_state.next_steps[0].clicked.connect(self.choose_student_requested)
        self.empty_state.next_steps[1].clicked.connect(self.drafts_requested)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.empty_state, 1)
        layout.addWidget(self.editor, 1)
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.save_draft_now)
        self.start_button.clicked.connect(self.start_note)
        self.sign_button.clicked.connect(self.sign)
        self.process_edit.textChanged.connect(self._process_edited)
        self._process_dirty = False
        self._reset()

    # -- lifecycle ----------------------------------------------------------------------------
    def _reset(self, *, delete: bool = True) -> list[NoteSectionsWidget]:
        """Close every note; their widgets are deleted now, or (``delete=False``) by the caller,
        who gets them back."""
        self.session_id = None
        closed = list(self.notes.values())
        self.notes.clear()
        self._dirty.clear()
        self.tabs.clear()
        if delete:  # QTabWidget.clear() keeps the pages as hidden children for ever
            _delete_later(closed)
        self.form.setEnabled(True)
        self.start_button.setEnabled(self.student_id is not None)
        self.sign_button.setEnabled(False)
        self.process_box.setEnabled(False)
        self.process_edit.blockSignals(True)
        self.process_edit.clear()
        self.process_edit.blockSignals(False)
        self._process_dirty = False
        self.status_label.clear()
        self._show_empty()
        return closed

    def _show_empty(self) -> None:
        empty = self.student_id is None and not self.notes
        self.empty_state.setVisible(empty)
        self.editor.setVisible(not empty)
        self.header.setVisible(not empty)

    def activate(self) -> None:
        """Nothing to reload: the editor keeps what is being typed."""

    def new_note(
        self,
        student_id: Any,
        name: str = "",
        school_cds: str = "",
        candidates: list[tuple[Any, str]] | None = None,
    ) -> None:
        kept = self.has_open_work()
        if self.session_id is not None:
            self.save_draft_now()
        self.student_id = student_id
        self.school_cds = school_cds
        self.header.setText(_("New session note for {name}").format(name=name or student_id))
        self.form.set_group_candidates(
            [(sid, n) for sid, n in (candidates or []) if sid != student_id]
        )
        self._reset()
        if kept:
            self.status_label.setText(
                _("The note that was open is kept as a draft: continue it from Drafts.")
            )
        services = self.ctx.services
        if services is not None and student_id is not None:
            key = self._form_key()
            self.ctx.tasks.run_db(
                lambda _c: services.record.load_form_draft(key),
                context=self,
                on_done=lambda data: self.form.from_dict(data) if data else None,
                name="load-form-draft",
            )

    def _form_key(self) -> str:
        return f"session-form:{self.student_id}"

    # -- drafts ---------------------------------------------------------------------------------
    def open_note_ids(self) -> list[int]:
        """The unsigned notes open in the editor (kept as drafts by lock, New note and Quit)."""
        return [
            w.note_id
            for w in self.notes.values()
            if w.editors and not next(iter(w.editors.values())).isReadOnly()
        ]

    def has_open_work(self) -> bool:
        """True while a started note is unsigned (a form not yet started is kept as a form
        draft on its own)."""
        return self.session_id is not None and bool(self.open_note_ids())

    def resume_notes(self, note_ids: list[int]) -> None:
        """Reopen unsigned notes (one session) to continue and sign them."""
        services = self.ctx.services
        if services is None or not note_ids:
            return
        if self.session_id is not None or self._dirty:
            self.save_draft_now()
        ids = list(note_ids)

        def work(_c: Any) -> Any:
            views = [services.record.open_note(nid) for nid in ids]
            first = views[0]
            process = None
            if first.student_id is not None:
                process = services.record.read_psychotherapy_note(
                    first.session_id, first.student_id
                )
            return views, process

        self.ctx.tasks.run_db(
            work, context=self, on_done=self._resumed, on_error=self._resume_failed, name="resume"
        )

    def _resume_failed(self, exc: ClinicianDeskError) -> None:
        self.status_label.setText(exc.message)

    def _resumed(self, loaded: Any) -> None:
        views, process = loaded
        drafts = [v for v in views if v.status == "draft"]
        if not drafts:
            self.status_label.setText(_("This note is already signed."))
            return
        first = drafts[0]
        self.student_id = first.student_id
        self.school_cds = first.school_cds
        self._reset()
        self.session_id = first.session_id
        self.form.setEnabled(False)
        self.start_button.setEnabled(False)
        self.header.setText(
            _("Draft note for {name} — session of {day}").format(
                name=first.student_display_name or _("no student"),
                day=first.session_date.isoformat(),
            )
        )
        for view in drafts:
            widget = NoteSectionsWidget(view.note_id, view.template)
            for section in view.sections:
                widget.editors[section.key].setPlainText(section.text)
            widget.edited.connect(lambda nid=view.note_id: self._edited(nid))
            self.notes[view.student_id] = widget
            self.tabs.addTab(widget, view.student_display_name or str(view.student_id))
        self.process_edit.blockSignals(True)
        self.process_edit.setPlainText(process or "")
        self.process_edit.blockSignals(False)
        self.sign_button.setEnabled(True)
        self.process_box.setEnabled(self.student_id is not None)
        self.status_label.setText(_("Draft reopened: continue and sign when ready."))
        self._show_empty()
        self.focus_first_section()

    def start_note(self) -> None:
        try:
            data = self.form.session_input(self.student_id, self.school_cds)
        except ClinicianDeskError as exc:
            self.status_label.setText(exc.message)
            return
        services = self.ctx.require_services()
        self.start_button.setEnabled(False)
        self.ctx.tasks.run_db(
            call(services.record.document_session, data, self.form.template()),
            context=self,
            on_done=self._started,
            on_error=self._start_failed,
            name="document-session",
        )

    def _start_failed(self, exc: ClinicianDeskError) -> None:
        self.start_button.setEnabled(True)
        self.status_label.setText(exc.message)

    def _started(self, documented: Any) -> None:
        self.ctx.tasks.run_db(
            call(self.ctx.require_services().record.discard_form_draft, self._form_key()),
            context=self,
            name="discard-form-draft",
        )
        self.session_id = documented.session_id
        self.form.setEnabled(False)
        names = {self.student_id: _("This student")}
        for i in range(self.form.group_list.count()):
            item = self.form.group_list.item(i)
            names[item.data(256)] = item.text().replace("\n", " — ")  # name — born … · ID …
        for student_id, note_id in documented.note_ids.items():
            widget = NoteSectionsWidget(note_id, self.form.template())
            widget.edited.connect(lambda nid=note_id: self._edited(nid))
            self.notes[student_id] = widget
            self.tabs.addTab(widget, names.get(student_id, str(student_id)))
        self.sign_button.setEnabled(True)
        self.process_box.setEnabled(self.student_id is not None)
        self.status_label.setText(_("Draft saved in the encrypted vault."))
        self.focus_first_section()

    def focus_first_section(self) -> None:
        """After *Start note* (or reopening a draft) the keyboard is in the first section."""
        note = self.tabs.currentWidget()
        if isinstance(note, NoteSectionsWidget) and note.editors:
            next(iter(note.editors.values())).setFocus(Qt.FocusReason.OtherFocusReason)

    # -- autosave -----------------------------------------------------------------------------
    def _edited(self, note_id: int) -> None:
        self._dirty.add(note_id)
        self.status_label.setText(_("Editing…"))
        self._autosave.start()

    def _process_edited(self) -> None:
        self._process_dirty = True
        self._autosave.start()

    def save_draft_now(self) -> None:
        """Submit every unsaved draft to the database worker (also called when locking)."""
        self._autosave.stop()
        services = self.ctx.services
        if services is None:
            return
        if self.session_id is None:
            if self.student_id is not None:
                self.ctx.tasks.run_db(
                    call(services.record.save_form_draft, self._form_key(), self.form.to_dict()),
                    context=self,
                    name="save-form-draft",
                )
            return
        for widget in self.notes.values():
            if widget.note_id in self._dirty:
                self.ctx.tasks.run_db(
                    call(services.record.save_draft, widget.note_id, widget.sections()),
                    context=self,
                    on_done=lambda _r: self.status_label.setText(_("Draft saved.")),
                    on_error=lambda exc: self.status_label.setText(exc.message),
                    name="save-draft",
                )
        self._dirty.clear()
        if self._process_dirty and self.process_edit.toPlainText().strip():
            self.ctx.tasks.run_db(
                call(
                    services.record.save_psychotherapy_note,
                    self.session_id,
                    self.student_id,
                    self.process_edit.toPlainText(),
                ),
                context=self,
                name="save-process-note",
            )
            self._process_dirty = False

    # -- signing ------------------------------------------------------------------------------
    def current_note(self) -> NoteSectionsWidget | None:
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, NoteSectionsWidget) else None

    def sign(self) -> None:
        widget = self.current_note()
        if widget is None:
            return
        if not ask(
            self,
            _("Sign and lock"),
            _(
                "Signing locks this note permanently: it can no longer be edited. Corrections "
                "are added as signed addenda. Sign now?"
            ),
            _("Sign && Lock"),
        ):
            return
        self._dirty.discard(widget.note_id)
        services = self.ctx.require_services()
        self.sign_button.setEnabled(False)
        self.ctx.tasks.run_db(
            call(services.record.sign_note, widget.note_id, widget.sections()),
            context=self,
            on_done=lambda _digest: self._signed(widget),
            on_error=self._sign_failed,
            name="sign-note",
        )

    def _sign_failed(self, exc: ClinicianDeskError) -> None:
        self.sign_button.setEnabled(True)
        self.status_label.setText(exc.message)

    def _signed(self, widget: NoteSectionsWidget) -> None:
        if not shiboken6.isValid(widget):  # the editor was cleared (locked) meanwhile: it is
            return  # signed in the vault and the next unlock shows it so
        widget.set_read_only(True)
        index = self.tabs.indexOf(widget)
        self.tabs.setTabText(index, self.tabs.tabText(index) + " ✓")
        self.status_label.setText(_("Signed and locked."))
        unsigned = [
            w
            for w in self.notes.values()
            if not w.editors or not next(iter(w.editors.values())).isReadOnly()
        ]
        if unsigned:
            self.tabs.setCurrentWidget(unsigned[0])
            self.sign_button.setEnabled(True)
            return
        self.save_draft_now()
        student_id = self.student_id
        closed = self._reset(delete=False)
        # Closing the editor, switching to the student page and deleting the closed note's
        # widgets are three turns of the event loop, with the GUI's timers (and a repaint)
        # between them: in one slot they were one long frame (issue 23, decisions 0111, 0142).
        self.ctx.tasks.run_steps(
            [
                lambda: self.note_signed.emit(student_id),
                lambda: _delete_later(closed),
            ],
            context=self,
            name="note-signed",
            first_now=False,
        )

    def clear(self) -> None:
        self._autosave.stop()
        self.student_id = None
        self.header.setText(_("Open a student and choose “New note”."))
        self._reset()
