"""Parent handouts: a topic in a language, generic or with a personalized section.

A **generic** handout carries no student information. A **personalized** one adds a boxed section
(the student's name, services, sessions attended, and only the results the clinician ticked, as
translated words) — whether it may be printed at all is decided by the print service from the
student's consent basis, never here. A handout that names 988 or 911 carries the crisis box on
page 1 and the crisis line in every footer. A draft translation carries a visible notice in its
own language.
"""

from __future__ import annotations

import threading

from reportlab.lib import colors
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from clinician_desk.reports.crisis import (
    confidential_words,
    crisis_block,
    crisis_footer,
    mentions_crisis,
)
from clinician_desk.reports.fonts import FontSet, font_set_for
from clinician_desk.reports.handout_library import labels as load_labels
from clinician_desk.reports.handout_library import load_handout
from clinician_desk.reports.handout_text import HandoutText
from clinician_desk.reports.layout import DocMeta, Styles, build_pdf, styles_for
from clinician_desk.reports.models import PersonalDetails
from clinician_desk.reports.text import check_fields, paragraph

LANGUAGE_TAGS = {"en": "en-US", "zh-Hant": "zh-Hant-TW", "hmn": "hmn-US"}


def language_tag(language: str) -> str:
    """BCP 47 tag written in the PDF's /Lang entry."""
    return LANGUAGE_TAGS.get(language, language)


def _separator(words: dict[str, str], key: str, default: str) -> str:
    """The language's list separator: "، " in Arabic and Dari, "、" in Chinese (no space)."""
    mark = words.get(key, default)
    return mark if mark in ("、", "；") else f"{mark} "


def _personal_box(
    personal: PersonalDetails, words: dict[str, str], fonts: FontSet, styles: Styles, width: float
) -> Flowable:
    none = words["none"]
    rows: list[tuple[str, str]] = [(words["student"], personal.student_name)]
    sep = _separator(words, "list_separator", ",")
    rows.append((words["services"], sep.join(personal.services) or none))
    if personal.sessions_attended is not None:
        attended = str(personal.sessions_attended)
        if personal.attendance_period:
            attended += f" ({personal.attendance_period})"
        rows.append((words["attendance"], attended))
    if personal.results:
        results = _separator(words, "results_separator", ";").join(personal.results)
        if personal.results_note:
            results += f" — {personal.results_note}"
        rows.append((words["results"], results))
    # The labels are bundled words (their parse is kept); the values are the student's (never).
    cells = [
        [
            paragraph(label, styles.body, fonts, bold=True, bundled=True),
            paragraph(value, styles.body, fonts),
        ]
        for label, value in rows
    ]
    if fonts.rtl:
        cells = [[value, label] for label, value in cells]
        widths = [width * 0.68, width * 0.32]
    else:
        widths = [width * 0.32, width * 0.68]
    table = Table(cells, colWidths=widths, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                # A Table sets its own cell font (Helvetica) even around flowables.
                ("FONT", (0, 0), (-1, -1), fonts.regular),
                ("BOX", (0, 0), (-1, -1), 0.8, colors.HexColor("#4a6b8a")),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f2f6fa")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def handout_story(
    text: HandoutText,
    words: dict[str, str],
    fonts: FontSet,
    personal: PersonalDetails | None = None,
    width: float = 468.0,
) -> list[Flowable]:
    """The flowables of a handout (shared by single documents and batches)."""
    styles = styles_for(fonts)
    story: list[Flowable] = [paragraph(text.title, styles.title, fonts, bold=True, bundled=True)]
    if text.is_draft:
        notice = words["draft_notice"]
        story.append(paragraph(notice, styles.banner, fonts, bold=True, bundled=True))
    if mentions_crisis(text.plain_text()):
        story += [crisis_block(text.language, fonts), Spacer(1, 8)]
    if personal is not None:
        story.append(
            paragraph(words["personal_heading"], styles.h2, fonts, bold=True, bundled=True)
        )
        story.append(_personal_box(personal, words, fonts, styles, width))
        story.append(Spacer(1, 8))
    for block in text.blocks:
        if block.kind == "heading":
            story.append(paragraph(block.text, styles.h1, fonts, bold=True, bundled=True))
        elif block.kind == "item":
            story.append(paragraph(block.text, styles.item, fonts, bullet=True, bundled=True))
        else:
            story.append(paragraph(block.text, styles.body, fonts, bundled=True))
    return story


def render_handout(topic: str, language: str, personal: PersonalDetails | None = None) -> bytes:
    """A handout as PDF bytes. Raises NotFoundError for an unknown topic or language."""
    if personal is not None:
        check_fields(personal)
    text = load_handout(topic, language)
    words = load_labels(language)
    fonts = font_set_for(language)
    meta = DocMeta(
        title=text.title,
        language=language_tag(language),
        subject=f"handout:{topic}",
        confidential=personal is not None,
        page_label=words["page"],
        fonts=fonts,
        crisis_footer=crisis_footer(language) if mentions_crisis(text.plain_text()) else "",
        # The confidentiality line in the family's language too (the English one stays).
        footer_note="" if personal is None or language == "en" else confidential_words(language),
        running_header=(
            f"{text.title} — {personal.student_name}" if personal is not None else text.title
        ),
    )
    pdf = build_pdf(handout_story(text, words, fonts, personal), meta)
    _warmed.add(language)  # its faces, subsets and paragraphs are now warm in this process
    return pdf


WARM_UP_TOPIC = "suicide-warning-signs"
_warmed: set[str] = set()
_warm_lock = threading.Lock()


def warm_up(language: str = "en") -> None:
    """Render the generic crisis handout in ``language`` and throw the bytes away, so the first
    real document of the session finds the faces registered, their first subsets built, the
    texts loaded and the bundled paragraphs parsed. Touches no student data (a generic handout
    carries none) and writes nothing; meant for the app's worker before or after unlock.
    Raises NotFoundError for an unknown language."""
    render_handout(WARM_UP_TOPIC, language)


def warm_up_once(language: str = "en") -> bool:
    """``warm_up(language)`` unless this process has already rendered a handout in that
    language (warmed up or printed); True if it rendered. The app's worker calls it while the
    unlock screen waits for the passphrase (``ui/main_window.py``), so it costs one generic
    handout per process, however many times the vault is locked and unlocked. Thread-safe."""
    with _warm_lock:
        if language in _warmed:
            return False
        warm_up(language)
        return True


def warmed_languages() -> frozenset[str]:
    """The languages whose handout this process has rendered (for tests and audits)."""
    return frozenset(_warmed)
