"""Helpers for the roster-import wizard tests: a roster header, the wizard, the caseload size."""

from __future__ import annotations

HEAD = "Student_Number^Last_Name^First_Name^DOB^Grade_Level^School_CDS^Home_Language\n"


def open_roster_wizard(qtbot, window, path, preset="template"):
    from ui.dialogs.roster_import_wizard import RosterImportWizard

    assert window.import_roster_action.isEnabled()
    window.import_roster_action.trigger()
    wizard = [w for w in window.findChildren(RosterImportWizard) if w.isVisible()][-1]
    source = wizard.source_page
    assert not source.isComplete()
    source.file_edit.setText(str(path))
    source.preset_combo.setCurrentIndex(source.preset_combo.findData(preset))
    return wizard


def caseload_size(window) -> int:
    services = window.ctx.services
    overview = window.ctx.tasks.call_db_blocking(lambda: services.record.caseload())
    return len(overview.caseload)
