"""Which core call builds each print-centre document, and how an export is written.

Every document is produced by the core as PDF bytes in memory. Documents about a student go
through the print service (``services.printing``), which checks the rules (a personalized
handout needs a recorded basis; psychotherapy notes never print; a draft translation needs
``accept_draft``) and audits the print. A generic handout carries no student information and is
built by the reports layer directly for preview. Runs on the database worker.
"""

from __future__ import annotations

from typing import Any

from clinician_desk.errors import ClinicianDeskError, NotFoundError


def _printing(services: Any) -> Any:
    printing = getattr(services, "printing", None)
    if printing is None:
        raise NotFoundError("Printing documents about a student is not available in this build.")
    return printing


def render_document(services: Any, request: dict[str, Any], *, accept_draft: bool = False) -> bytes:
    kind = request["document"]
    student_id = request.get("student_id")
    if kind == "generic_handout":
        printing = getattr(services, "printing", None)
        if printing is not None and hasattr(printing, "generic_handout"):
            return bytes(
                printing.generic_handout(
                    request["topic"], request["language"], accept_draft=accept_draft
                )
            )
        from clinician_desk.reports.handout import render_handout

        return render_handout(request["topic"], request["language"])
    if student_id is None:
        raise NotFoundError("Open a student first: this document is about one student.")
    printing = _printing(services)
    if kind == "personal_handout":
        return bytes(
            printing.personalized_handout(
                student_id, request["topic"], request["language"], accept_draft=accept_draft
            )
        )
    if kind == "safety_plan":
        return bytes(printing.safety_plan(student_id))
    if kind == "session_summary":
        return bytes(printing.session_summary(student_id))
    if kind == "screening_summary":
        return bytes(printing.screening_summary(student_id))
    raise NotFoundError(f"Unknown document {kind!r}.")


def export_document(services: Any, request: dict[str, Any], data: bytes, path: str) -> None:
    """Write the previewed PDF to ``path`` through the print service (atomic, audited)."""
    _printing(services).export(request, data, path)


def is_draft_translation_refusal(exc: ClinicianDeskError) -> bool:
    return "draft" in exc.message.lower() and "translation" in exc.message.lower()
