"""One of every dialog the app has, built for checks that walk them all.

``every_dialog(ctx, parent)`` yields ``(name, dialog)`` for each ``QDialog`` subclass defined in
``ui/dialogs`` (wizards included), built with fictional arguments; ``dialog_classes()`` lists the
classes found there, so a test can fail when a new dialog is not in the walk. A dialog that
needs a row from the vault (a referral, a safety flag) gets the real row type with fictional
values.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from datetime import date
from typing import Any

from PySide6.QtWidgets import QDialog, QWidget


def dialog_classes() -> set[str]:
    import ui.dialogs

    found: set[str] = set()
    for info in pkgutil.iter_modules(ui.dialogs.__path__):
        module = importlib.import_module(f"ui.dialogs.{info.name}")
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, QDialog)
                and value.__module__ == module.__name__
            ):
                found.add(name)
    return found


def every_dialog(ctx: Any, parent: QWidget) -> Iterator[tuple[str, QDialog]]:
    from clinician_desk.services.students import ReferralSummary
    from clinician_desk.storage.repositories.caseload import SafetyFlagRow
    from ui.dialogs.addendum_dialog import AddendumDialog
    from ui.dialogs.clinician_check_dialog import ClinicianCheckDialog
    from ui.dialogs.drafts_dialog import DraftsDialog
    from ui.dialogs.handoff_dialog import HandoffDialog
    from ui.dialogs.handoff_export_dialog import HandoffExportDialog
    from ui.dialogs.handoff_lookup_dialog import HandoffLookupDialog
    from ui.dialogs.mandated_report_dialog import MandatedReportDialog
    from ui.dialogs.note_search_dialog import NoteSearchDialog
    from ui.dialogs.profile_dialog import ProfileDialog
    from ui.dialogs.recovery_dialog import RecoveryKeyDialog
    from ui.dialogs.referral_dialog import ReferralDialog
    from ui.dialogs.referral_status_dialog import ReferralStatusDialog
    from ui.dialogs.retention_dialog import RetentionDialog
    from ui.dialogs.roster_import_wizard import RosterImportWizard
    from ui.dialogs.safety_flag_dialog import CloseSafetyFlagDialog
    from ui.dialogs.safety_plan_dialog import SafetyPlanDialog
    from ui.dialogs.safety_workflow_dialog import SafetyWorkflowDialog
    from ui.dialogs.setup_wizard import SetupWizard
    from ui.dialogs.student_dialog import StudentDialog
    from ui.dialogs.vault_care_dialogs import (
        BackupDialog,
        ChangePassphraseDialog,
        HelpDialog,
        NewRecoveryKeyDialog,
        RecoveryKeyShownDialog,
        RestoreDialog,
    )

    name = "Zorba Quixxo"  # fictional
    referral = ReferralSummary(
        id=1,
        destination="county_mhp",
        destination_name="",
        referral_date=date(2026, 11, 2),
        reason="anxiety",
        status="sent",
        follow_up_on=date(2026, 12, 2),
    )
    flag = SafetyFlagRow(1, 1, name, "clinician", "Fictional concern", "2026-11-30T10:00:00+00:00")
    builders: list[tuple[str, Any]] = [
        ("AddendumDialog", lambda: AddendumDialog(ctx, 1, parent)),
        ("ClinicianCheckDialog", lambda: ClinicianCheckDialog(ctx, parent)),
        ("DraftsDialog", lambda: DraftsDialog(ctx, parent)),
        ("HandoffDialog", lambda: HandoffDialog(ctx, parent)),
        ("HandoffExportDialog", lambda: HandoffExportDialog(ctx, [(1, name)], parent)),
        ("HandoffLookupDialog", lambda: HandoffLookupDialog(ctx, parent)),
        ("MandatedReportDialog", lambda: MandatedReportDialog(ctx, 1, name, (), parent)),
        ("NoteSearchDialog", lambda: NoteSearchDialog(ctx, parent)),
        ("ProfileDialog", lambda: ProfileDialog(ctx, parent)),
        ("RecoveryKeyDialog", lambda: RecoveryKeyDialog(ctx, "default", parent)),
        ("ReferralDialog", lambda: ReferralDialog(ctx, 1, name, parent)),
        ("ReferralStatusDialog", lambda: ReferralStatusDialog(ctx, referral, parent, 1)),
        ("RetentionDialog", lambda: RetentionDialog(ctx, 1, "2030-06-30", parent)),
        ("RosterImportWizard", lambda: RosterImportWizard(ctx, parent)),
        ("CloseSafetyFlagDialog", lambda: CloseSafetyFlagDialog(ctx, 1, flag, parent)),
        ("SafetyPlanDialog", lambda: SafetyPlanDialog(ctx, 1, name, None, parent)),
        ("SafetyWorkflowDialog", lambda: SafetyWorkflowDialog(ctx, 1, 1, None, parent)),
        ("SetupWizard", lambda: SetupWizard(ctx, parent)),
        ("StudentDialog", lambda: StudentDialog(ctx, parent)),
        ("ChangePassphraseDialog", lambda: ChangePassphraseDialog(ctx, parent)),
        ("BackupDialog", lambda: BackupDialog(ctx, parent)),
        ("HelpDialog", lambda: HelpDialog(parent)),
        ("NewRecoveryKeyDialog", lambda: NewRecoveryKeyDialog(ctx, parent)),
        ("RecoveryKeyShownDialog", lambda: RecoveryKeyShownDialog("FICT-IONA-L000", parent)),
        ("RestoreDialog", lambda: RestoreDialog(ctx, parent)),
    ]
    for dialog_name, build in builders:
        yield dialog_name, build()
