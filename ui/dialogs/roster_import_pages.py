"""The three pages of the roster import wizard (``roster_import_wizard``): source, check, import.

Each page keeps the GUI thread free: the check and the import run on the database worker via
``ui.tasks`` and report progress. A result that arrives after *Cancel* (or after the source was
changed and checked again) is recognised by its run number and ignored, so a stale dry run can
never unlock the import.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QVBoxLayout,
    QWizardPage,
)

from clinician_desk.errors import ClinicianDeskError
from ui.dialogs import roster_import_work as work
from ui.i18n import _, core_text
from ui.theme.apply import set_semantic
from ui.widgets.buttons import named_button
from ui.widgets.progress import show_progress

CUSTOM = "custom"


def report_text(parsed: Any) -> str:
    """The dry run's report in the UI language: what was read, then every problem with its
    file, line and column (the core's ``RosterParseResult.report`` is the CLI's English)."""
    separators = {
        ",": _("comma"),
        "\t": _("tab"),
        "^": _("caret"),
        ";": _("semicolon"),
        "|": _("pipe"),
    }
    head = _("{rows} student row(s); preset {preset}; encoding {encoding}; separator {sep}").format(
        rows=len(parsed.rows),
        preset=parsed.preset,
        encoding=parsed.encoding,
        sep=separators.get(parsed.delimiter, parsed.delimiter),
    )
    if parsed.skipped_non_students:
        head += _("; {n} non-student row(s) skipped").format(n=parsed.skipped_non_students)
    if parsed.skipped_deleted:
        head += _("; {n} row(s) marked tobedeleted skipped").format(n=parsed.skipped_deleted)
    lines = [head]
    if parsed.problems:
        lines.append(_("{n} problem(s); nothing will be imported:").format(n=len(parsed.problems)))
        for p in parsed.problems:
            where = " ".join(
                w for w in (p.file, _("line {n}").format(n=p.line) if p.line else "") if w
            )
            text = core_text(p.message)
            lines.append(f"  {where}: {text}" if where else f"  {text}")
    return "\n".join(lines)


def _line(name: str, accessible: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    return edit


class SourcePage(QWizardPage):
    def __init__(self, wizard: Any) -> None:
        super().__init__()
        from clinician_desk.domain.roster import PRESET_NAMES

        self.setTitle(_("Choose the roster file"))
        self.setSubTitle(
            _(
                "A OneRoster export from the student information system (a zip file or its "
                "folder), or a single CSV file."
            )
        )
        self.file_edit = _line("roster_file_line_edit", _("Roster file"))
        self.browse_button = named_button("browse_roster_button", _("Browse…"))
        self.folder_button = named_button("browse_roster_folder_button", _("Folder…"))
        self.preset_combo = QComboBox()
        self.preset_combo.setObjectName("roster_preset_combo_box")
        self.preset_combo.setAccessibleName(_("Layout"))
        self.preset_combo.addItem(_("Detect from the header line"), None)
        preset_text = {"template": _("Single CSV in the template layout")}
        for name in PRESET_NAMES:
            self.preset_combo.addItem(preset_text.get(name, name), name)
        self.preset_combo.addItem(_("Custom mapping file…"), CUSTOM)
        self.mapping_edit = _line("mapping_file_line_edit", _("Mapping file"))
        self.mapping_browse_button = named_button("browse_mapping_button", _("Browse…"))
        self.school_edit = _line("default_school_line_edit", _("School for rows without one"))
        self.school_edit.setPlaceholderText(_("14-digit CDS code (optional)"))
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.browse_button)
        file_row.addWidget(self.folder_button)
        mapping_row = QHBoxLayout()
        mapping_row.addWidget(self.mapping_edit, 1)
        mapping_row.addWidget(self.mapping_browse_button)
        form = QFormLayout(self)
        form.addRow(_("Roster file"), file_row)
        form.addRow(_("Layout"), self.preset_combo)
        self.mapping_label = QLabel(_("Mapping file (JSON)"))
        form.addRow(self.mapping_label, mapping_row)
        form.addRow(_("Default school"), self.school_edit)
        self.file_edit.textChanged.connect(lambda *_a: self.completeChanged.emit())
        self.mapping_edit.textChanged.connect(lambda *_a: self.completeChanged.emit())
        self.preset_combo.currentIndexChanged.connect(self._preset_changed)
        self.browse_button.clicked.connect(self._browse_file)
        self.folder_button.clicked.connect(self._browse_folder)
        self.mapping_browse_button.clicked.connect(self._browse_mapping)
        self._preset_changed()

    def _preset_changed(self) -> None:
        custom = self.preset_combo.currentData() == CUSTOM
        for widget in (self.mapping_label, self.mapping_edit, self.mapping_browse_button):
            widget.setEnabled(custom)
        self.completeChanged.emit()

    def _browse_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("Roster file"),
            "",
            _("Roster exports (*.zip *.csv *.txt);;All files (*)"),
        )
        if path:
            self.file_edit.setText(path)

    def _browse_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, _("Folder of the OneRoster export"))
        if path:
            self.file_edit.setText(path)

    def _browse_mapping(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Mapping file"), "", _("Mapping files (*.json);;All files (*)")
        )
        if path:
            self.mapping_edit.setText(path)

    def isComplete(self) -> bool:
        if not self.file_edit.text().strip():
            return False
        return self.preset_combo.currentData() != CUSTOM or bool(self.mapping_edit.text().strip())

    def choice(self) -> Any:

        custom = self.preset_combo.currentData() == CUSTOM
        return work.RosterChoice(
            path=Path(self.file_edit.text().strip()),
            preset=None if custom else self.preset_combo.currentData(),
            mapping_path=Path(self.mapping_edit.text().strip()) if custom else None,
            default_school_cds=self.school_edit.text().strip() or None,
        )


class CheckPage(QWizardPage):
    """The dry run: progress, cancel, and the full problem report; complete only when clean."""

    def __init__(self, wizard: Any) -> None:
        super().__init__()
        self.roster_wizard = wizard
        self.setTitle(_("Check the roster"))
        self.setSubTitle(_("Nothing is imported yet. Every line is checked first."))
        self.setCommitPage(True)
        self.progress = QProgressBar()
        self.progress.setObjectName("roster_check_progress_bar")
        self.progress.setAccessibleName(_("Check progress"))
        self.status_label = QLabel()
        self.status_label.setObjectName("roster_check_status_label")
        self.status_label.setWordWrap(True)
        self.report_edit = QPlainTextEdit()
        self.report_edit.setObjectName("roster_report_plain_text_edit")
        self.report_edit.setAccessibleName(_("Check report"))
        self.report_edit.setReadOnly(True)
        self.cancel_button = named_button("cancel_roster_check_button", _("Cancel check"))
        self.again_button = named_button("check_roster_again_button", _("Check again"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.again_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addWidget(self.report_edit, 1)
        layout.addLayout(buttons)
        self.clean = False
        self._run = 0
        self._handle: Any = None
        self.cancel_button.clicked.connect(self.cancel_check)
        self.again_button.clicked.connect(self.start_check)

    def initializePage(self) -> None:
        self.start_check()

    def isComplete(self) -> bool:
        return self.clean

    def start_check(self) -> None:

        wizard = self.roster_wizard
        services = wizard.ctx.require_services()
        choice = wizard.choice()
        self._run += 1
        run = self._run
        self._set_clean(False)
        wizard.checked = None
        self.report_edit.clear()
        self.progress.setRange(0, 0)  # busy until the core reports its first rows
        self.progress.setValue(0)
        set_semantic(self.status_label, None)
        self.status_label.setText(_("Checking {name}…").format(name=choice.path.name))
        self.cancel_button.setEnabled(True)
        self.again_button.setEnabled(False)
        self._handle = wizard.ctx.tasks.run_db(
            lambda control: work.check_roster(services, choice, control),
            context=self,
            on_done=lambda checked: self._checked(run, checked),
            on_error=lambda exc: self._failed(run, exc),
            on_progress=lambda done, total, text: self._progress(run, done, total, text),
            on_cancelled=lambda: None,
            name="roster-check",
        )

    def cancel_check(self) -> None:
        if self._handle is None or self._handle.done():
            return
        self._handle.cancel()
        self._handle = None
        self._run += 1  # whatever the worker still delivers is now stale
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status_label.setText(_("Check cancelled. Nothing was imported."))
        self.cancel_button.setEnabled(False)
        self.again_button.setEnabled(True)

    def _progress(self, run: int, done: int, total: int, text: str) -> None:
        if run == self._run and (show_progress(self.progress, done, total) or total <= 0):
            self.status_label.setText(text)  # with the bar: a relabel relayouts the page

    def _checked(self, run: int, checked: Any) -> None:
        if run != self._run:
            return
        parsed, result = checked.result.parsed, checked.result
        self.progress.setRange(0, max(1, len(parsed.rows)))
        self.progress.setValue(self.progress.maximum())
        self.report_edit.setPlainText(report_text(parsed))
        if parsed.ok:
            self.roster_wizard.checked = checked
            self.status_label.setText(
                _(
                    "No problems. Importing will add {c} student(s), update {u} and leave {n} "
                    "unchanged."
                ).format(c=result.created, u=result.updated, n=result.unchanged)
            )
        else:
            set_semantic(self.status_label, "risk")
            self.status_label.setText(
                _(
                    "{n} problem(s) found — nothing can be imported until the file is fixed. "
                    "Fix the lines named below in the export and check again."
                ).format(n=len(parsed.problems))
            )
        self._finish(clean=parsed.ok)

    def _failed(self, run: int, exc: ClinicianDeskError) -> None:
        if run != self._run:
            return
        set_semantic(self.status_label, "risk")
        self.status_label.setText(_("The roster cannot be imported. Nothing was imported."))
        self.report_edit.setPlainText(exc.message)
        self._finish(clean=False)

    def _finish(self, *, clean: bool) -> None:
        self._handle = None
        self.cancel_button.setEnabled(False)
        self.again_button.setEnabled(True)
        self._set_clean(clean)

    def _set_clean(self, clean: bool) -> None:
        self.clean = clean
        self.completeChanged.emit()


class ImportPage(QWizardPage):
    """Commits the checked roster and reports how many students were added and updated."""

    def __init__(self, wizard: Any) -> None:
        super().__init__()
        self.roster_wizard = wizard
        self.setTitle(_("Import"))
        self.setSubTitle(_("The checked file is imported in one step: every student or none."))
        self.progress = QProgressBar()
        self.progress.setObjectName("roster_import_progress_bar")
        self.progress.setAccessibleName(_("Import progress"))
        self.result_label = QLabel()
        self.result_label.setObjectName("roster_import_result_label")
        self.result_label.setWordWrap(True)
        self.cancel_button = named_button("cancel_roster_import_button", _("Cancel import"))
        cancel_row = QHBoxLayout()
        cancel_row.addStretch(1)
        cancel_row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.progress)
        layout.addWidget(self.result_label)
        layout.addLayout(cancel_row)
        layout.addStretch(1)
        self.finished_import = False
        self.result: Any = None
        self._stop = threading.Event()
        self.cancel_button.clicked.connect(self.cancel_import)

    def initializePage(self) -> None:

        wizard = self.roster_wizard
        checked = wizard.checked
        services = wizard.ctx.require_services()
        stop = self._stop = threading.Event()
        self.progress.setRange(0, 0)  # busy until the core reports its first rows
        self.result_label.setText(_("Importing…"))
        self.cancel_button.setEnabled(True)
        wizard.ctx.tasks.run_db(
            lambda control: work.commit_roster(services, checked, control, stop),
            context=self,
            on_done=self._imported,
            on_error=self._failed,
            on_progress=self._progress,
            name="roster-import",
        )

    def cancel_import(self) -> None:
        """Ask the worker to stop; the worker's answer says whether it rolled back."""
        self._stop.set()
        self.cancel_button.setEnabled(False)
        self.result_label.setText(_("Cancelling…"))

    def _progress(self, done: int, total: int, text: str) -> None:
        if self.finished_import:
            return
        moved = show_progress(self.progress, done, total)  # in steps: each repaints at once
        if (moved or total <= 0) and not self._stop.is_set():
            self.result_label.setText(text)

    def isComplete(self) -> bool:
        return self.finished_import

    def _imported(self, result: Any) -> None:
        self.result = result
        self.cancel_button.setEnabled(False)
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.result_label.setText(
            _("Imported: {c} student(s) added, {u} updated, {n} unchanged.").format(
                c=result.created, u=result.updated, n=result.unchanged
            )
        )
        self.finished_import = True
        self.completeChanged.emit()
        self.roster_wizard.imported(result.created, result.updated)

    def _failed(self, exc: ClinicianDeskError) -> None:
        from clinician_desk.services.roster import RosterImportCancelled

        self.cancel_button.setEnabled(False)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        if isinstance(exc, RosterImportCancelled):
            self.result_label.setText(_("Import cancelled. Nothing was imported."))
        else:
            set_semantic(self.result_label, "risk")
            self.result_label.setText(
                _("Nothing was imported: {message}").format(message=exc.message)
            )
        self.finished_import = True
        self.completeChanged.emit()
