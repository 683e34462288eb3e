"""The safety plan's fixed words per language (``resources/documents/<lang>/safety_plan.txt``).

Apart from the renderer so that the crisis block (``reports.crisis``), which every crisis document
draws, reads the same words without importing the safety plan's renderer.
"""

from __future__ import annotations

from clinician_desk.reports.document_text import (
    DocumentText,
    document_languages,
    load_document_text,
)

DOCUMENT = "safety_plan"
STEP_COUNT = 6
CRISIS_STEP = 5
REQUIRED = (
    "title",
    "name",
    "date",
    "made_with",
    "step",
    *(f"{kind}.{n}" for n in range(1, STEP_COUNT + 1) for kind in ("step", "prompt")),
    "lifeline",
    "county_line",
    "emergency",
    "closing",
    "reason_for_living",
    "draft_notice",
    "confidential",
    "page",
)
_FIELDS = frozenset({"number", "title", "page", "pages"})


def safety_plan_languages() -> tuple[str, ...]:
    """Languages the plan can be printed in, English first."""
    return document_languages(DOCUMENT)


def plan_text(language: str) -> DocumentText:
    """The fixed words in a language; NotFoundError names the languages that exist."""
    return load_document_text(DOCUMENT, language, REQUIRED, _FIELDS)


__all__ = [
    "CRISIS_STEP",
    "DOCUMENT",
    "REQUIRED",
    "STEP_COUNT",
    "DocumentText",
    "plan_text",
    "safety_plan_languages",
]
