"""Text in any supported script as reportlab flowables: font fallback, shaping, right to left.

Left-to-right text becomes a reportlab ``Paragraph``: characters the primary face lacks are
wrapped in a ``<font>`` tag naming the Latin fallback, Gurmukhi is shaped by HarfBuzz (the
paragraph style's ``shaping``), Chinese may break between any two characters.

Right-to-left text (Arabic, Dari) is laid out by ``RtlParagraph``: lines are filled in *logical*
order (so the first line holds the first words), then each line is joined with
``arabic_reshaper`` (contextual presentation forms, lam-alef ligatures) and put in visual order
with ``python-bidi`` (digits and Latin words keep their left-to-right order), and drawn right
aligned run by run, each run in the face that has its glyphs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from xml.sax.saxutils import escape

import arabic_reshaper
from bidi.algorithm import get_display
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph

from clinician_desk.reports.fonts import FontSet, has_glyph, register_fonts

BULLET = "•"


def normalize(text: str) -> str:
    """Composed form (NFC): Vietnamese diacritics map to the fonts' precomposed glyphs."""
    return unicodedata.normalize("NFC", text)


def font_runs(text: str, primary: str, fallback: str) -> Iterator[tuple[str, str]]:
    """Split text into (font name, run) pieces: the primary face where it has the glyph."""
    current: str | None = None
    buf: list[str] = []
    for ch in text:
        face = primary if (ch == " " or has_glyph(primary, ch)) else fallback
        if face != current and buf:
            assert current is not None
            yield current, "".join(buf)
            buf = []
        current = face
        buf.append(ch)
    if buf and current is not None:
        yield current, "".join(buf)


def _word_runs(text: str, primary: str, fallback: str) -> Iterator[tuple[str, str]]:
    """Font runs decided word by word: a word the primary face cannot draw whole goes to the
    fallback whole (with its punctuation), so a shaped word never mixes two fonts."""
    for token in re.split(r"(\s+)", text):
        if not token:
            continue
        if token.isspace() or all(has_glyph(primary, ch) for ch in token):
            yield primary, token
        elif all(has_glyph(fallback, ch) for ch in token):
            yield fallback, token
        else:
            yield from font_runs(token, primary, fallback)


def markup(text: str, fonts: FontSet, bold: bool = False) -> str:
    """Paragraph markup for plain text; words the primary face lacks get the fallback face."""
    primary = fonts.face(bold)
    fallback = fonts.fallback_face(bold)
    parts = []
    for face, run in _word_runs(normalize(text), primary, fallback):
        if face == primary:
            parts.append(escape(run))
        else:
            parts.append(f'<font face="{face}">{escape(run)}</font>')
    return "".join(parts)


def _width(text: str, primary: str, fallback: str, size: float) -> float:
    return float(
        sum(stringWidth(run, face, size) for face, run in font_runs(text, primary, fallback))
    )


# Phone numbers and blanks such as "(916) 555-0100" or "(____) ____" read left to right even
# inside right-to-left text: they are wrapped in a left-to-right embedding before reordering.
_LTR_NUMBER = re.compile(r"\(?[0-9_][0-9_() \-]*[0-9_)]")
_LRE, _PDF = "\u202a", "\u202c"


@lru_cache(maxsize=65536)
def _reshape(text: str) -> str:
    """Joined (presentation) forms; cached because the reshaper re-reads its configuration on
    every call and the same words recur across paragraphs and documents."""
    return str(arabic_reshaper.reshape(text))


def base_direction(text: str) -> str:
    """'L' or 'R': the direction of the first strong character (Unicode rules P2/P3), 'R' if none.

    A Latin-only value (a name, "PHQ-A 9 (mild)") inside a right-to-left document keeps its own
    left-to-right order; anything starting with Arabic script is right to left.
    """
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return "L"
        if kind in ("R", "AL"):
            return "R"
    return "R"


def visual_line(logical: str, base: str = "R") -> str:
    """One line of right-to-left text, joined and in visual (left-to-right drawing) order.

    Uses python-bidi's reference implementation, which mirrors brackets in right-to-left runs
    and honours explicit embeddings (its faster implementation does neither).
    """
    embedded = _LTR_NUMBER.sub(lambda m: f"{_LRE}{m.group(0)}{_PDF}", logical)
    return str(get_display(_reshape(embedded), base_dir=base))


class RtlParagraph(Flowable):  # type: ignore[misc]
    """A right-to-left paragraph (optionally a list item with its bullet on the right)."""

    def __init__(
        self,
        text: str,
        style: ParagraphStyle,
        fonts: FontSet,
        bold: bool = False,
        bullet: bool = False,
        base: str | None = None,
    ) -> None:
        super().__init__()
        self.text = normalize(text)
        self.base = base or base_direction(self.text)
        self.fonts = fonts
        self.bold = bold
        self.style = style
        self.primary = fonts.face(bold)
        self.fallback = fonts.fallback_face(bold)
        self.bullet = bullet
        self.indent = style.fontSize * 1.4 if bullet else 0.0
        self.lines: list[str] = []
        self.spaceBefore = style.spaceBefore
        self.spaceAfter = style.spaceAfter

    def _fill(self, avail: float) -> list[str]:
        size = self.style.fontSize
        space = _width(" ", self.primary, self.fallback, size)
        lines: list[str] = []
        current: list[str] = []
        used = 0.0
        for word in self._pieces(avail):
            # Width does not depend on order: joining is enough to measure a word.
            w = _width(_reshape(word), self.primary, self.fallback, size)
            if current and used + space + w > avail:
                lines.append(" ".join(current))
                current, used = [], 0.0
            used = used + space + w if current else w
            current.append(word)
        if current:
            lines.append(" ".join(current))
        return lines

    def _pieces(self, avail: float) -> Iterator[str]:
        """The words, with any word wider than a line cut into pieces that fit (long links)."""
        size = self.style.fontSize
        for word in self.text.split():
            if _width(_reshape(word), self.primary, self.fallback, size) <= avail:
                yield word
                continue
            piece = ""
            for ch in word:
                if (
                    piece
                    and _width(_reshape(piece + ch), self.primary, self.fallback, size) > avail
                ):
                    yield piece
                    piece = ""
                piece += ch
            if piece:
                yield piece

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self.lines = self._fill(availWidth - self.indent)
        self.height = max(1, len(self.lines)) * self.style.leading
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        """Split between lines; the rest continues (same direction, no bullet) on the next page."""
        lines = self._fill(availWidth - self.indent)
        fit = int(availHeight // self.style.leading)
        if fit < 1 or fit >= len(lines):
            return []
        first = RtlParagraph(" ".join(lines[:fit]), self.style, self.fonts, self.bold, self.bullet)
        first.base = self.base
        first.spaceAfter = 0
        rest = RtlParagraph(
            " ".join(lines[fit:]), self.style, self.fonts, self.bold, False, self.base
        )
        rest.indent = self.indent
        rest.spaceBefore = 0
        return [first, rest]

    def draw(self) -> None:
        canvas: Canvas = self.canv
        size = self.style.fontSize
        leading = self.style.leading
        right = self.width - self.indent
        y = self.height - size
        if self.style.backColor is not None:
            pad = self.style.borderPadding or 0
            canvas.setFillColor(self.style.backColor)
            canvas.rect(-pad, -pad, self.width + 2 * pad, self.height + 2 * pad, stroke=0, fill=1)
        canvas.setFillColor(self.style.textColor)
        if self.bullet:
            canvas.setFont(self.fallback, size)
            canvas.drawRightString(self.width, y, BULLET)
        for line in self.lines:
            visual = visual_line(line, self.base)
            x = right - _width(visual, self.primary, self.fallback, size)
            for face, run in font_runs(visual, self.primary, self.fallback):
                canvas.setFont(face, size)
                canvas.drawString(x, y, run)
                x += stringWidth(run, face, size)
            y -= leading


def paragraph(
    text: str, style: ParagraphStyle, fonts: FontSet, *, bold: bool = False, bullet: bool = False
) -> Flowable:
    """A flowable for plain text in the language's script (never interpreted as markup)."""
    register_fonts()
    if fonts.rtl:
        return RtlParagraph(text, style, fonts, bold=bold, bullet=bullet)
    body = markup(text, fonts, bold=bold)
    if bullet:
        return Paragraph(body, style, bulletText=BULLET)
    return Paragraph(body, style)
