"""Import a district roster: choose the file and layout, check it (dry run), then import it.

Three pages. *Source*: a OneRoster 1.1/1.2 bundle (a zip file, or a folder chosen with *Folder…*)
or a single CSV file with its layout (detected from the header, the template preset, or a custom
JSON mapping file), and an optional school for rows without one. *Check*: a dry run of
``services.record.import_roster`` on the database worker (``ui.tasks``) with per-row progress (the
core reports every 200 rows) and a cancel that takes effect within those rows; the report lists
every problem with its file and line, and the wizard only goes on when there is none. *Import*:
commits the very bytes that were checked — all rows or none, as the core guarantees — and says how
many students were added and updated, with per-row progress and *Cancel import*: a cancel before
the last row rolls the whole transaction back, and the page says which of the two happened (the
result of the worker, never a guess); ``roster_imported`` then lets the caseload refresh. Problem
texts come from the core, which names lines and fields but never the values (they may be student
data).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget, QWizard

from ui.context import UiContext
from ui.dialogs.roster_import_pages import CheckPage, ImportPage, SourcePage
from ui.dialogs.roster_import_work import CheckedRoster, RosterChoice
from ui.i18n import _


class RosterImportWizard(QWizard):
    roster_imported = Signal(int, int)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("roster_import_wizard")
        self.setWindowTitle(_("Import roster"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        # Closed means gone: the checked roster bytes (student data) are not kept around.
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage)
        self.ctx = ctx
        self.checked: CheckedRoster | None = None
        self.source_page = SourcePage(self)
        self.check_page = CheckPage(self)
        self.import_page = ImportPage(self)
        for page in (self.source_page, self.check_page, self.import_page):
            self.addPage(page)
        self.setButtonText(QWizard.WizardButton.CommitButton, _("Import"))
        for which, name, text in (
            (QWizard.WizardButton.NextButton, "roster_next_button", _("Next")),
            (QWizard.WizardButton.BackButton, "roster_back_button", _("Back")),
            (QWizard.WizardButton.CommitButton, "roster_import_button", _("Import")),
            (QWizard.WizardButton.FinishButton, "roster_finish_button", _("Finish")),
            (QWizard.WizardButton.CancelButton, "roster_cancel_button", _("Cancel")),
            (QWizard.WizardButton.HelpButton, "roster_help_button", _("Help")),
        ):
            button = self.button(which)
            button.setObjectName(name)
            button.setAccessibleName(text)
        self.resize(720, 540)

    def choice(self) -> RosterChoice:
        choice: RosterChoice = self.source_page.choice()
        return choice

    def imported(self, created: int, updated: int) -> None:
        self.roster_imported.emit(created, updated)

    def done(self, result: int) -> None:
        self.check_page.cancel_check()
        self.checked = None
        super().done(result)
