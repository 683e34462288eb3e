"""The page every document shares: US Letter, styles per script, metadata, footer, page numbers.

``build_pdf`` lays out a story in memory and returns the PDF bytes; nothing touches the disk.
The footer carries "Page N of M" (in the document's language) and, on clinical documents, the
"Confidential health information" line. Body text is 11 pt or larger.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from io import BytesIO
from typing import Any

from reportlab.lib import colors
from reportlab.lib import textsplit as rl_textsplit
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfdoc import PDFStream, PDFZCompress
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate
from reportlab.platypus import paragraph as rl_paragraph
from reportlab.platypus.doctemplate import LayoutError

from clinician_desk.errors import ValidationError
from clinician_desk.messages import M
from clinician_desk.reports.fonts import LATIN_SET, FontSet, register_font_set
from clinician_desk.reports.text import paragraph

PAGE_WIDTH, PAGE_HEIGHT = LETTER
MARGIN = 0.8 * inch
BODY_SIZE = 11.5
CONFIDENTIAL = "Confidential health information"
AUTHOR = "clinician-desk"


@dataclass(frozen=True)
class Styles:
    """Paragraph styles for one font set."""

    title: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    body: ParagraphStyle
    item: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    banner: ParagraphStyle
    crisis: ParagraphStyle
    crisis_footer: ParagraphStyle


# Chinese punctuation that must never start a line. reportlab's kinsoku list (used when wordWrap
# is "CJK") lacks the full-width comma, colon, semicolon, marks and closing brackets; it is read
# from two module globals, so both are extended (once per process; only adds characters).
_CANNOT_START = "，：；！？）」』】〕》〉"


def _extend_cjk_line_rules() -> None:
    for module in (rl_paragraph, rl_textsplit):
        missing = "".join(ch for ch in _CANNOT_START if ch not in module.ALL_CANNOT_START)
        if missing:
            module.ALL_CANNOT_START += missing


@cache
def styles_for(fonts: FontSet) -> Styles:
    register_font_set(fonts)
    if fonts.cjk:
        _extend_cjk_line_rules()
    align = TA_RIGHT if fonts.rtl else TA_LEFT
    # Arabic-script and Gurmukhi glyphs reach far above and below the Latin line: more leading.
    extra = 1.25 if (fonts.rtl or fonts.shaping) else 1.0
    word_wrap = "CJK" if fonts.cjk else None

    def style(name: str, size: float, bold: bool = False, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(
            name,
            fontName=fonts.face(bold),
            fontSize=size,
            leading=round(size * 1.35 * extra, 1),
            alignment=align,
            shaping=1 if fonts.shaping else 0,
            wordWrap=word_wrap,
            bulletFontName=fonts.fallback,
            **kw,
        )

    return Styles(
        title=style("title", 20, True, spaceAfter=8),
        h1=style("h1", 15, True, spaceBefore=10, spaceAfter=4),
        h2=style("h2", 13, True, spaceBefore=6, spaceAfter=2),
        body=style("body", BODY_SIZE, spaceAfter=6),
        item=style("item", BODY_SIZE, spaceAfter=3, leftIndent=16, bulletIndent=4),
        small=style("small", 9, textColor=colors.HexColor("#444444")),
        cell=style("cell", 10),
        banner=style(
            "banner",
            BODY_SIZE,
            True,
            textColor=colors.HexColor("#7a2e00"),
            backColor=colors.HexColor("#fff1d6"),
            borderPadding=4,
            spaceAfter=10,
        ),
        crisis=style("crisis", BODY_SIZE, True, textColor=colors.HexColor("#8a1c1c")),
        crisis_footer=style("crisis_footer", 9.5, True, textColor=colors.HexColor("#8a1c1c")),
    )


@dataclass(frozen=True)
class DocMeta:
    """What the PDF says about itself, and what its footer shows."""

    title: str
    language: str = "en-US"
    subject: str = ""
    confidential: bool = False
    page_label: str = "Page {page} of {pages}"
    fonts: FontSet = LATIN_SET
    footer_note: str = ""
    # Drawn in bold above the footer line of every page (988 / county line / 911).
    crisis_footer: str = ""
    # Drawn at the top of every page after the first (whose page the document is).
    running_header: str = ""
    # Drawn across every page, e.g. "DRAFT — not signed" on an unsigned note.
    watermark: str = ""


def _deflate_only(pages: list[Any]) -> None:
    """Page streams deflated without reportlab's ASCII85 layer on top (``rl_config.useA85``):
    a PDF is binary anyway, the layer makes each page stream a quarter larger, and encoding it
    in pure Python costs about a millisecond a page. Set per document, not process-wide."""
    for page in pages:
        if page.compression and not page.Contents and page.stream:
            stream = PDFStream(content=page.stream, filters=[PDFZCompress])
            stream.__Comment__ = "page stream"
            page.Contents = stream


def _canvas_class(meta: DocMeta) -> type[Canvas]:
    styles = styles_for(meta.fonts)

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        """Keeps each page until the end so the footer can say "of M"."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            _deflate_only(self._doc.Pages.pages)
            super().save()

        def _watermark(self) -> None:
            self.saveState()
            self.setFillColor(colors.HexColor("#b42318"))
            self.setFillAlpha(0.16)
            self.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
            self.rotate(35)
            self.setFont(LATIN_SET.bold, 54)
            self.drawCentredString(0, -18, meta.watermark)
            self.restoreState()

        def _footer(self, total: int) -> None:
            if meta.watermark:
                self._watermark()
            width = PAGE_WIDTH - 2 * MARGIN
            label = meta.page_label.format(page=self._pageNumber, pages=total)
            parts = [label]
            if meta.footer_note:
                parts.insert(0, meta.footer_note)
            y = 0.45 * inch
            # Footers and the crisis line are bundled words and numbers (their parse is kept);
            # the running header may name the student and is never kept.
            line = paragraph("   ·   ".join(parts), styles.small, meta.fonts, bundled=True)
            _, h = line.wrap(width, PAGE_HEIGHT)
            line.drawOn(self, MARGIN, y)
            if meta.confidential:
                conf = paragraph(
                    CONFIDENTIAL, styles_for(LATIN_SET).small, LATIN_SET, bold=True, bundled=True
                )
                conf.wrap(width, PAGE_HEIGHT)
                conf.drawOn(self, MARGIN, y + h + 2)
            self.setStrokeColor(colors.HexColor("#999999"))
            self.setLineWidth(0.5)
            top = y + h + (14 if meta.confidential else 2) + 4
            if meta.crisis_footer:
                crisis = paragraph(
                    meta.crisis_footer, styles.crisis_footer, meta.fonts, bold=True, bundled=True
                )
                _, ch = crisis.wrap(width, PAGE_HEIGHT)
                crisis.drawOn(self, MARGIN, top + 3)
                top += ch + 5
            self.line(MARGIN, top, PAGE_WIDTH - MARGIN, top)
            if meta.running_header and self._pageNumber > 1:
                head = paragraph(
                    f"{meta.running_header} — {label}", styles.small, meta.fonts, bold=True
                )
                _, hh = head.wrap(width, PAGE_HEIGHT)
                head.drawOn(self, MARGIN, PAGE_HEIGHT - 0.5 * inch - hh + 4)

    return NumberedCanvas


def build_pdf(story: list[Flowable], meta: DocMeta) -> bytes:
    """Lay out the story on US Letter pages and return the PDF bytes (in memory only).

    The Latin faces draw the canvas's initial font, headers and footers; every other face in
    the story was registered when text was given to it (``fonts.has_glyph``)."""
    register_font_set(LATIN_SET)
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=0.75 * inch,
        bottomMargin=(1.45 if meta.crisis_footer else 1.1) * inch,
        title=meta.title,
        author=AUTHOR,
        subject=meta.subject,
        creator="clinician-desk",
        lang=meta.language,
        invariant=1,
        # Never reference a standard-14 font, not even as the canvas's unused initial font.
        initialFontName=LATIN_SET.regular,
        initialFontSize=BODY_SIZE,
    )
    try:
        doc.build(story, canvasmaker=_canvas_class(meta))
    except LayoutError:
        # Only a single unbreakable piece taller than a page gets here (say, a 3,000-character
        # "word" pasted into a table cell). Say so without echoing the content.
        raise ValidationError(
            M(
                "'{title}' cannot be laid out on US Letter pages: one entry is far too "
                "long to fit a page. Shorten it (add spaces or line breaks) and print "
                "again.",
                title=meta.title,
            )
        ) from None
    return out.getvalue()
