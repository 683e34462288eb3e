"""The print centre: choose a document, preview it from memory, print it, or export it.

Documents are built by the core as PDF bytes on the database worker (the print service audits
every print and export); the preview shows them with ``QPdfView`` over a ``QBuffer`` — no file is
written. "Print…" opens the system dialog and paints the pages through ``ui.print_job`` (one page
per event-loop turn, with progress and cancel). "Export PDF…" warns that the file will not be
encrypted, then asks the core to write it (audited). Refusals — a personalized handout without a
recorded basis, a draft translation not confirmed — are shown in plain words.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressDialog,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.errors import ClinicianDeskError
from ui.context import UiContext
from ui.i18n import N_, _, core_text
from ui.print_job import PrintJob, load_pdf
from ui.theme.apply import set_semantic
from ui.widgets.buttons import named_button
from ui.widgets.confirm import ask
from ui.widgets.empty_state import EmptyState

DOCUMENTS = (
    ("generic_handout", N_("Parent handout (generic)")),
    ("personal_handout", N_("Parent handout (personalized)")),
    ("safety_plan", N_("Safety plan")),
    ("session_summary", N_("Session summary")),
    ("screening_summary", N_("Screening summary")),
)

# Handout topics and document languages are data (folder and file names); their labels here.
TOPIC_TEXT = {
    "anxiety": N_("Anxiety"),
    "counseling-and-confidentiality": N_("Counseling and confidentiality"),
    "low-mood": N_("Low mood"),
    "sleep": N_("Sleep"),
    "stress-and-coping": N_("Stress and coping"),
    "suicide-warning-signs": N_("Suicide warning signs"),
}
LANGUAGE_TEXT = {
    "en": N_("English"),
    "es": N_("Spanish"),
    "vi": N_("Vietnamese"),
    "zh-Hant": N_("Chinese (Traditional)"),
    "ru": N_("Russian"),
    "uk": N_("Ukrainian"),
    "hmn": N_("Hmong"),
    "pa": N_("Punjabi"),
    "ar": N_("Arabic"),
    "fa-AF": N_("Dari"),
}


def _preview_view() -> QPdfView:
    view = QPdfView()
    view.setObjectName("pdf_preview_view")
    view.setAccessibleName(_("Preview"))
    view.setPageMode(QPdfView.PageMode.MultiPage)
    view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
    return view


class PrintCentrePage(QWidget):
    choose_student_requested = Signal()  # the empty state's "Choose a student…"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from clinician_desk.reports import handout_library

        self.setObjectName("print_centre_page")
        self.title = _("Print centre")
        self.ctx = ctx
        self.student_id: Any = None
        self.note_id: Any = None
        self.pdf_bytes: bytes | None = None
        self.accept_draft = False
        self.document_combo = QComboBox()
        self.document_combo.setObjectName("document_combo_box")
        self.document_combo.setAccessibleName(_("Document"))
        for key, text in DOCUMENTS:
            self.document_combo.addItem(_(text), key)
        self.topic_combo = QComboBox()
        self.topic_combo.setObjectName("handout_topic_combo_box")
        self.topic_combo.setAccessibleName(_("Handout topic"))
        for topic in handout_library.topics():
            label = TOPIC_TEXT.get(topic)
            self.topic_combo.addItem(_(label) if label else topic.replace("-", " "), topic)
        self.language_combo = QComboBox()
        self.language_combo.setObjectName("handout_language_combo_box")
        self.language_combo.setAccessibleName(_("Language"))
        self.language_combo.addItem(_("Guardian's language"), None)
        for language in handout_library.languages():
            name = LANGUAGE_TEXT.get(language)
            self.language_combo.addItem(f"{_(name)} ({language})" if name else language, language)
        # Families get no screening result unless the clinician ticks this for the print.
        self.results_check = QCheckBox(_("Include screening results (in words, no scores)"))
        self.results_check.setObjectName("include_results_check_box")
        self.results_check.setAccessibleName(_("Include screening results"))
        self.preview_button = named_button("preview_button", _("Preview"))
        self.print_button = named_button("print_button", _("Print…"))
        self.export_button = named_button("export_pdf_button", _("Export PDF…"))
        self.message = QLabel()
        self.message.setObjectName("print_message_label")
        self.message.setWordWrap(True)
        # Until the county's crisis line is configured, every plan says "ask your counselor".
        self.county_warning = QLabel()
        self.county_warning.setObjectName("county_line_warning_label")
        self.county_warning.setWordWrap(True)
        self.county_warning.setAccessibleName(_("County crisis line warning"))
        set_semantic(self.county_warning, "risk")
        if handout_library.county_line_warning():
            self.county_warning.setText(
                _(
                    "The county crisis line is not set: plans and handouts print “ask your "
                    "school counselor” instead of a number. Ask district IT to set it."
                )
            )
        else:
            self.county_warning.hide()
        self.view = _preview_view()
        form = QFormLayout()
        form.addRow(_("Document"), self.document_combo)
        form.addRow(_("Topic"), self.topic_combo)
        form.addRow(_("Language"), self.language_combo)
        form.addRow(self.results_check)
        buttons = QVBoxLayout()
        buttons.addWidget(self.county_warning)
        buttons.addLayout(form)
        for b in (self.preview_button, self.print_button, self.export_button):
            buttons.addWidget(b)
        buttons.addWidget(self.message)
        buttons.addStretch(1)
        side = QWidget()
        side.setLayout(buttons)
        side.setMaximumWidth(340)
        # Nothing previewed yet: what would be here and the next step, in the preview's place.
        self.empty_state = EmptyState("print", "print", "", "")
        self.empty_choose_button = self.empty_state.add_action(
            "empty_print_choose_student_button", _("Choose a student…"), "caseload"
        )
        self.empty_preview_button = self.empty_state.add_action(
            "empty_print_preview_button", _("Preview"), "print"
        )
        self.empty_state.finish()
        self.empty_choose_button.clicked.connect(self.choose_student_requested)
        self.empty_preview_button.clicked.connect(lambda: self.preview())
        preview = QVBoxLayout()
        preview.addWidget(self.empty_state, 1)
        preview.addWidget(self.view, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(side)
        layout.addLayout(preview, 1)
        self._layout = layout
        self.preview_button.clicked.connect(self.preview)
        self.print_button.clicked.connect(self.print_document)
        self.export_button.clicked.connect(self.export_pdf)
        self.document_combo.currentIndexChanged.connect(self._document_changed)
        self._document: Any = None
        self._buffer: Any = None
        self._job: PrintJob | None = None
        self._document_changed()
        self._show_empty()

    def activate(self) -> None:
        """Nothing to reload; previews are built on request."""

    def _show_empty(self) -> None:
        """The empty state in the preview's place until a document is previewed; without a
        student it offers the caseload (and Preview for the generic handout, which needs none),
        with one, Preview."""
        empty = self.pdf_bytes is None
        no_student = self.student_id is None
        if no_student:
            self.empty_state.title.setText(_("No student chosen"))
            self.empty_state.text.setText(
                _(
                    "Most documents are printed for a student: choose the student in the "
                    "caseload. A generic parent handout prints without one: choose it, then "
                    "Preview."
                )
            )
        else:
            self.empty_state.title.setText(_("Nothing previewed yet"))
            self.empty_state.text.setText(
                _("Choose the document on the left, then Preview to see it before printing.")
            )
        generic = self.document_combo.currentData() == "generic_handout"
        self.empty_choose_button.setVisible(no_student)
        self.empty_preview_button.setVisible(not no_student or generic)
        self.empty_choose_button.setDefault(no_student)
        self.empty_preview_button.setDefault(not no_student)
        self.empty_state.setVisible(empty)
        self.view.setVisible(not empty)

    def select(self, student_id: Any, document: str, note_id: Any = None) -> None:
        self.student_id = student_id
        self.note_id = note_id
        self._show_empty()
        if document:
            self.document_combo.setCurrentIndex(self.document_combo.findData(document))

    def _document_changed(self) -> None:
        if hasattr(self, "empty_state"):  # the first call comes before the empty state exists
            self._show_empty()
        kind = str(self.document_combo.currentData())
        handout = kind.endswith("handout")
        self.topic_combo.setEnabled(handout)
        # Handouts and the safety plan print in the family's languages; summaries in English.
        self.language_combo.setEnabled(handout or kind == "safety_plan")
        self.language_combo.setItemText(
            0, _("Guardian's language") if handout else _("Student's language")
        )
        self._set_pdf(None)
        self.message.clear()
        self.accept_draft = False

    def _set_pdf(self, data: bytes | None) -> None:
        self.pdf_bytes = data
        if self._document is not None:
            # A fresh view for every document: QPdfPageRenderer (Qt 6) keeps a render request
            # pending for ever when its worker meets a document that was swapped out or cleared
            # meanwhile, and then drops every later request for the same page and size — the
            # preview stayed blank after a quick second "Preview". A new view has a new renderer.
            old = self.view
            self.view = _preview_view()
            self._layout.replaceWidget(old, self.view)
            old.hide()
            old.deleteLater()  # its renderer thread finishes the page in hand first
            self._document.deleteLater()
            self._buffer.deleteLater()
            self._document = self._buffer = None
        if data is not None:
            self._document, self._buffer = load_pdf(data, self)
            self.view.setDocument(self._document)
        self.print_button.setEnabled(data is not None)
        self._show_empty()
        self.export_button.setEnabled(data is not None)

    def request(self) -> dict[str, Any]:
        return {
            "document": self.document_combo.currentData(),
            "student_id": self.student_id,
            "topic": self.topic_combo.currentData(),
            "language": self.language_combo.currentData(),
            "note_id": self.note_id,
            "include_results": self.results_check.isChecked(),
        }

    def preview(self, accept_draft: bool = False) -> None:
        from ui.documents import render_document

        services = self.ctx.require_services()
        request = self.request()
        self.message.setText(_("Building the document…"))
        self.preview_button.setEnabled(False)
        self.ctx.tasks.run_db(
            lambda _c: render_document(services, request, accept_draft=accept_draft),
            context=self,
            on_done=self._rendered,
            on_error=lambda exc: self._refused(exc, request),
            name="render",
        )

    def _rendered(self, printed: Any) -> None:
        self.preview_button.setEnabled(True)
        self._set_pdf(bytes(printed.pdf))
        text = _("Preview ready. Nothing has been saved to disk.")
        note = core_text(printed.note) if printed.note else ""  # the core's words, translated
        self.message.setText(f"{note}\n{text}" if note else text)

    def _refused(self, exc: ClinicianDeskError, request: dict[str, Any]) -> None:
        from ui.documents import is_draft_translation_refusal

        self.preview_button.setEnabled(True)
        self._set_pdf(None)
        if is_draft_translation_refusal(exc) and ask(
            self,
            _("Draft translation"),
            # In plain words: the core's message names the command-line options.
            _(
                "This translation is a draft that no qualified translator has reviewed yet. "
                "If you print it, review it with an interpreter; you can also choose English "
                "as the language instead."
            )
            + "\n\n"
            + _("Use the draft translation anyway?"),
            _("Use draft"),
        ):
            self.accept_draft = True
            self.preview(accept_draft=True)
            return
        self.message.setText(exc.message)

    def print_document(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        from ui.print_job import prints_to_file, system_print_dialog

        if self.pdf_bytes is None:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = system_print_dialog(printer, self, "print_dialog")
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return
        if prints_to_file(printer):
            self.message.setText(
                _(
                    "Printing to a file is turned off: a file is not encrypted. "
                    "Use Export PDF, which warns first and is recorded."
                )
            )
            return
        self.start_print(printer)

    def start_print(self, printer: Any) -> PrintJob:
        job = PrintJob(self.pdf_bytes or b"", printer, self, self.ctx.tasks)
        progress = QProgressDialog(_("Printing…"), _("Cancel"), 0, job.page_count, self)
        progress.setObjectName("print_progress_dialog")
        progress.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # not kept once closed
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.canceled.connect(job.cancel)
        job.progress.connect(lambda done, _total: progress.setValue(done))
        job.finished.connect(lambda ok: self._printed(ok, progress, job.error_message))
        self._job = job
        job.start()
        return job

    def _printed(self, ok: bool, progress: QProgressDialog, error: str = "") -> None:
        progress.close()
        if error:  # the printer refused: say so, the preview stays for another try
            self.message.setText(error)
            return
        self.message.setText(_("Sent to the printer.") if ok else _("Printing was cancelled."))
        self._job = None

    def export_pdf(self) -> None:
        from ui.documents import export_document

        if self.pdf_bytes is None:
            return
        if not ask(
            self,
            _("Export PDF"),
            _(
                "An exported PDF is NOT encrypted. Anyone who can open the file can read it. "
                "Only export to a place your district approves, and delete it when done."
            ),
            _("Export anyway…"),
        ):
            return
        path, _filter = QFileDialog.getSaveFileName(self, _("Export PDF"), "", "PDF (*.pdf)")
        if not path:
            return
        services = self.ctx.require_services()
        request, accept = self.request(), self.accept_draft
        self.ctx.tasks.run_db(
            lambda _c: export_document(services, request, path, accept),
            context=self,
            on_done=lambda _r: self.message.setText(_("Exported.")),
            on_error=lambda exc: self.message.setText(exc.message),
            name="export",
        )

    def clear(self) -> None:
        if self._job is not None:
            self._job.cancel()
        self.student_id = None
        self._set_pdf(None)
        self._show_empty()
        self.message.clear()
