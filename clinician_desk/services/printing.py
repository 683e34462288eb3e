"""``PrintService``: printable documents and explicit exports (``services.printing``).

Guarantees:

* Every document is built in memory; ``produce`` returns the PDF bytes (for preview and the
  printer) and writes one audit entry ``<document>.printed`` (who and when are filled in by the
  unit of work; the entry names the student id, document and language — never names or text).
* ``export`` is the only path that writes a file: it builds the document, writes it next to the
  target as a private temporary file, fsyncs and renames it into place, and audits
  ``<document>.exported`` in the same transaction. An unwritable target raises ``ExportError``
  and leaves nothing behind (no partial file, no audit entry).
* A personalized parent handout is produced only when the student's record holds the basis
  docs/design/domain-rules.md names (parent-consented care or the student's written
  authorization); otherwise ``PermissionRefusedError`` says why. A draft translation needs
  ``accept_draft=True`` (``DraftTranslationError`` otherwise, so the UI can ask for confirmation).
* A parent handout's language defaults to the primary guardian's preferred language (English
  when that language has no handout; ``PrintedDocument.note`` says so). The safety plan (the
  student keeps it) defaults to the student's language, else the guardian's, else English; a
  draft translation of it needs ``accept_draft`` too. Session and screening summaries, the
  caseload report and the hours log are clinical records: English only.

Calls must be serialized by the caller (the UI's single database worker), like every service.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from clinician_desk.bundled.instruments import load_instruments
from clinician_desk.domain.screenings import Instrument
from clinician_desk.errors import ExportError, PermissionRefusedError, UsageError
from clinician_desk.messages import M
from clinician_desk.reports import handout_library as handouts
from clinician_desk.reports.handout import render_handout
from clinician_desk.reports.month_reports import render_caseload_report, render_hours_log
from clinician_desk.reports.safety_plan import plan_text, render_safety_plan, safety_plan_languages
from clinician_desk.reports.screening_summary import render_screening_summary
from clinician_desk.reports.session_summary import render_session_summary
from clinician_desk.services import printing_views as views
from clinician_desk.services.record.views import student_view
from clinician_desk.storage import Database
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.database import UnitOfWork

DOCUMENTS = (
    "handout",
    "session-summary",
    "screening-summary",
    "safety-plan",
    "caseload-report",
    "hours-log",
)


class DraftTranslationError(PermissionRefusedError):
    """The chosen translation is a draft; printing it needs an explicit confirmation."""


@dataclass(frozen=True)
class DocumentRequest:
    """What to print. Fields a document does not use are ignored."""

    document: str
    topic: str = ""
    language: str | None = None
    student_id: int | None = None
    personalized: bool = False
    accept_draft: bool = False
    note_id: int | None = None
    screening_id: int | None = None
    year: int | None = None
    month: int | None = None
    week_of: date | None = None
    license_type: str = ""
    # Instruments whose latest result the clinician ticked for a personalized handout.
    include_results: frozenset[str] = frozenset()


@dataclass(frozen=True)
class HandoutInfo:
    """One handout in one language, for pickers (title in its own language)."""

    topic: str
    language: str
    title: str
    status: str


@dataclass(frozen=True)
class PrintedDocument:
    document: str
    pdf: bytes
    language: str
    student_id: int | None
    audit_details: Mapping[str, object]
    note: str = ""


class PrintService:
    """Builds documents from the vault, audits prints, and writes explicit exports."""

    def __init__(self, db: Database, instruments: Mapping[str, Instrument] | None = None) -> None:
        self.db = db
        self._instruments = instruments

    @property
    def instruments(self) -> Mapping[str, Instrument]:
        if self._instruments is None:
            self._instruments = load_instruments()
        return self._instruments

    @staticmethod
    def handout_catalog() -> list[HandoutInfo]:
        """Every topic in every language with its title and translation status (no audit)."""
        return [
            HandoutInfo(topic, language, text.title, text.status)
            for language in handouts.languages()
            for topic in handouts.topics()
            for text in (handouts.load_handout(topic, language),)
        ]

    def default_handout_language(self, student_id: int) -> tuple[str, str]:
        """The language a parent handout for this student defaults to, and a note if English
        replaces a guardian language that has no handout."""
        with self.db.read() as conn:
            return _default_language(student_view(conn, student_id))

    # -- building ---------------------------------------------------------------------------
    def _handout(self, conn: Connection, req: DocumentRequest) -> PrintedDocument:
        handouts.check_topic(req.topic)
        note = ""
        language = req.language
        if req.personalized and req.student_id is None:
            raise UsageError("A personalized handout needs the student (--student ID).")
        student = student_view(conn, req.student_id) if req.student_id is not None else None
        if language is None:
            language, note = _default_language(student)
        else:  # a code ("es") or a name as rosters write it ("Spanish")
            language = handouts.resolve_language(language) or handouts.check_language(language)
        text = handouts.load_handout(req.topic, language)
        if text.is_draft and not req.accept_draft:
            raise DraftTranslationError(
                M(
                    "The {language} translation of '{topic}' is a draft that no qualified "
                    "translator has reviewed yet. Confirm to print it anyway (--accept-draft), or "
                    "print the English handout.",
                    language=language,
                    topic=req.topic,
                )
            )
        personal = None
        if req.personalized:
            assert student is not None
            if not student.personalized_handout_allowed:
                raise PermissionRefusedError(student.personalized_handout_reason)
            words = handouts.labels(language)
            personal = views.personal_details(
                conn, student.id, self.instruments, words, frozenset(req.include_results)
            )
        pdf = render_handout(req.topic, language, personal)
        details = {
            "document": "handout",
            "topic": req.topic,
            "language": language,
            "personalized": req.personalized,
            "draft_translation": text.is_draft,
        }
        sid = student.id if (student is not None and req.personalized) else req.student_id
        return PrintedDocument("handout", pdf, language, sid, details, note)

    def _build(self, conn: Connection, req: DocumentRequest) -> PrintedDocument:
        kind = req.document
        if kind == "handout":
            return self._handout(conn, req)
        if kind == "session-summary":
            if req.note_id is None:
                raise UsageError("A session summary needs the note (--note ID).")
            doc, sid = views.session_doc(conn, req.note_id)
            pdf = render_session_summary(doc)
            return PrintedDocument(kind, pdf, "en", sid, {"document": kind, "note": req.note_id})
        if kind == "screening-summary":
            if req.screening_id is None:
                raise UsageError("A screening summary needs the screening (--screening ID).")
            sdoc = views.screening_doc(conn, req.screening_id, self.instruments)
            sid = int(sdoc.student_ref.removeprefix("S-"))
            pdf = render_screening_summary(sdoc)
            details = {"document": kind, "screening": req.screening_id}
            return PrintedDocument(kind, pdf, "en", sid, details)
        if kind == "safety-plan":
            return self._safety_plan(conn, req)
        if kind == "caseload-report":
            if req.year is None or req.month is None or not 1 <= req.month <= 12:
                raise UsageError("A caseload report needs the month (--month YYYY-MM).")
            pdf = render_caseload_report(views.caseload_doc(conn, req.year, req.month))
            details = {"document": kind, "month": f"{req.year}-{req.month:02d}"}
            return PrintedDocument(kind, pdf, "en", None, details)
        if kind == "hours-log":
            if req.week_of is None or not req.license_type:
                raise UsageError(
                    "An hours log needs --week YYYY-MM-DD and --license AMFT|ASW|APCC."
                )
            hdoc = views.hours_doc(conn, req.license_type, req.week_of)
            details = {"document": kind, "week": hdoc.week_start.isoformat()}
            return PrintedDocument(kind, render_hours_log(hdoc), "en", None, details)
        raise UsageError(f"Unknown document {kind!r}; choose one of: {', '.join(DOCUMENTS)}.")

    def _safety_plan(self, conn: Connection, req: DocumentRequest) -> PrintedDocument:
        if req.student_id is None:
            raise UsageError("A safety plan needs the student (--student ID).")
        doc = views.safety_plan_doc(conn, req.student_id)
        note = ""
        if req.language is None:
            language, note = _default_plan_language(student_view(conn, req.student_id))
        else:
            codes = safety_plan_languages()
            language = handouts.resolve_language(req.language, codes) or req.language
        words = plan_text(language)  # NotFoundError listing the languages for an unknown one
        if words.is_draft and not req.accept_draft:
            raise DraftTranslationError(
                M(
                    "The {language} safety plan is a draft translation that no qualified "
                    "translator has reviewed yet. Confirm to print it anyway (--accept-draft) and "
                    "review it with an interpreter, or print it in English (--language en).",
                    language=language,
                )
            )
        pdf = render_safety_plan(doc, language)
        details = {"document": "safety-plan", "draft_translation": words.is_draft}
        return PrintedDocument("safety-plan", pdf, language, req.student_id, details, note)

    # -- use cases --------------------------------------------------------------------------
    def produce(self, req: DocumentRequest) -> PrintedDocument:
        """Build the document in memory for preview/printing; audited as ``<document>.printed``."""
        with self.db.unit_of_work() as uow:
            printed = self._build(uow.conn, req)
            _audit(uow, printed, "printed")
            return printed

    def export(
        self, req: DocumentRequest, target: Path, *, overwrite: bool = False
    ) -> PrintedDocument:
        """Build the document and write it to ``target`` atomically; audited as ``.exported``."""
        target = Path(target)
        if target.exists() and (target.is_dir() or not overwrite):
            raise ExportError(
                M("{target} already exists; choose another file name", target=target)
                if target.is_dir()
                else M(
                    "{target} already exists; choose another file name or allow overwriting "
                    "(--force).",
                    target=target,
                )
            )
        written = False
        try:
            with self.db.unit_of_work() as uow:
                printed = self._build(uow.conn, req)
                _write_atomically(target, printed.pdf)
                written = True
                _audit(uow, printed, "exported", {"file": target.name})
        except BaseException:
            if written:
                target.unlink(missing_ok=True)  # the audit did not commit: take the file back
            raise
        return printed


def _default_language(student: Any) -> tuple[str, str]:
    if student is None:
        return "en", ""
    guardians = sorted(student.guardians, key=lambda g: not g.is_primary)
    for g in guardians:
        if g.preferred_language.strip():
            code = handouts.resolve_language(g.preferred_language)
            if code is not None:
                return code, ""
            return "en", M(
                "There is no handout in the guardian's language ({language}); printing in English.",
                language=g.preferred_language,
            )
    return "en", ""


def _default_plan_language(student: Any) -> tuple[str, str]:
    """The student's language, else the primary guardian's (then other guardians'), else
    English; the note names a recorded language that has no safety plan."""
    guardians = sorted(student.guardians, key=lambda g: not g.is_primary)
    recorded = [student.language, *(g.preferred_language for g in guardians)]
    missing: list[str] = []
    for value in (v.strip() for v in recorded if v and v.strip()):
        if value.casefold() in (m.casefold() for m in missing):
            continue  # "Tagalog" for the student and the guardian is named once
        code = handouts.resolve_language(value, safety_plan_languages())
        if code is not None:
            break
        missing.append(value)
    else:
        code = "en"
    note = (
        M(
            "There is no safety plan in {languages}; printing in {language}.",
            languages=" or ".join(missing),
            language=M("English") if code == "en" else code,
        )
        if missing
        else ""
    )
    return code, note


def _audit(
    uow: UnitOfWork, printed: PrintedDocument, verb: str, extra: Mapping[str, object] | None = None
) -> None:
    details = {**printed.audit_details, "language": printed.language, **(extra or {})}
    entity, entity_id = (
        ("student", str(printed.student_id))
        if printed.student_id is not None
        else ("document", None)
    )
    uow.audit(f"{printed.document}.{verb}", entity, entity_id, details)


def _write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` via a private temp file in the same folder, then rename."""
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(
            M("The folder {folder} does not exist; nothing was exported.", folder=folder)
        )
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=folder)
    except OSError as exc:
        raise ExportError(
            M(
                "Cannot write in {folder} ({reason}); choose another folder. Nothing was exported.",
                folder=folder,
                reason=exc.strerror or exc.__class__.__name__,
            )
        ) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ExportError(
            M(
                "Cannot write {name} ({reason}); nothing was exported.",
                name=target.name,
                reason=exc.strerror or exc.__class__.__name__,
            )
        ) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
