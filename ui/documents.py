"""Which print-service request builds each print-centre document, and how an export is written.

Everything goes through ``services.printing`` (``PrintService``): it builds the PDF in memory,
checks the rules (a personalized handout needs a recorded basis; psychotherapy notes never print;
a draft translation needs ``accept_draft``), and audits the print or export. Runs on the database
worker. ``context`` carries what the student page had selected (note, latest screening).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clinician_desk.errors import ClinicianDeskError, NotFoundError
from ui.i18n import _


def build_request(request: dict[str, Any], *, accept_draft: bool = False) -> Any:
    from clinician_desk.services.printing import DocumentRequest

    kind = request["document"]
    student_id = request.get("student_id")
    if kind in ("generic_handout", "personal_handout"):
        personal = kind == "personal_handout"
        if personal and student_id is None:
            raise NotFoundError(
                _("Open a student first: a personalized handout is about one student.")
            )
        from clinician_desk.services.printing_views import FAMILY_RESULT_INSTRUMENTS

        ticked = personal and bool(request.get("include_results"))
        return DocumentRequest(
            "handout",
            topic=request["topic"],
            language=request.get("language"),
            student_id=student_id,
            personalized=personal,
            accept_draft=accept_draft,
            include_results=FAMILY_RESULT_INSTRUMENTS if ticked else frozenset(),
        )
    if student_id is None:
        raise NotFoundError(_("Open a student first: this document is about one student."))
    if kind == "safety_plan":
        return DocumentRequest(
            "safety-plan",
            student_id=student_id,
            language=request.get("language"),
            accept_draft=accept_draft,
        )
    if kind == "session_summary":
        if request.get("note_id") is None:
            raise NotFoundError(_("Select a session with a note on the student's page first."))
        return DocumentRequest("session-summary", note_id=request["note_id"])
    if kind == "screening_summary":
        if request.get("screening_id") is None:
            raise NotFoundError(_("This student has no screening to summarize yet."))
        return DocumentRequest("screening-summary", screening_id=request["screening_id"])
    raise NotFoundError(_("Unknown document {kind}.").format(kind=kind))


def render_document(services: Any, request: dict[str, Any], *, accept_draft: bool = False) -> Any:
    """The printed document (``.pdf`` bytes, ``.note``); audited by the print service."""
    request = dict(request)
    if request["document"] == "screening_summary" and request.get("student_id") is not None:
        history = services.screenings.history(request["student_id"])
        request["screening_id"] = history[-1].id if history else None
    return services.printing.produce(build_request(request, accept_draft=accept_draft))


def export_document(services: Any, request: dict[str, Any], path: str, accept_draft: bool) -> None:
    """Write the document to ``path`` (atomic, audited); refuses to overwrite silently."""
    if request["document"] == "screening_summary" and request.get("student_id") is not None:
        history = services.screenings.history(request["student_id"])
        request = {**request, "screening_id": history[-1].id if history else None}
    services.printing.export(
        build_request(request, accept_draft=accept_draft), Path(path), overwrite=True
    )


def is_draft_translation_refusal(exc: ClinicianDeskError) -> bool:
    from clinician_desk.services.printing import DraftTranslationError

    return isinstance(exc, DraftTranslationError)
