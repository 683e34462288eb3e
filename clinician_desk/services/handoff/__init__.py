"""Caseload handoff between two clinicians' vaults (docs/design/handoff.md)."""

from clinician_desk.services.handoff.package import PackageRefused
from clinician_desk.services.handoff.service import Exported, HandoffService, Imported, Whoami

__all__ = ["Exported", "HandoffService", "Imported", "PackageRefused", "Whoami"]
