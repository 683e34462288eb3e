"""Text in any supported script as reportlab flowables: font fallback, shaping, bidi.

Every character is drawn by the first bundled face that has its glyph (``fonts.face_for``): the
document's face, then Noto Sans, Noto Naskh Arabic, Noto Sans Gurmukhi, WenQuanYi. A character
no bundled face has is never dropped: ``UnprintableError`` names its code point (never the text).

Text in the document's own script (the common case) becomes a reportlab ``Paragraph``: runs in
another face are wrapped in ``<font>`` tags, Gurmukhi documents are shaped by HarfBuzz (the
style's ``shaping``), Chinese may break between any two characters.

Text that needs the bidi algorithm or shaping in a face other than the document's (every
paragraph of an Arabic or Dari document; a Dari name on an English plan; a Punjabi entry in a
Spanish plan) is laid out by ``BidiParagraph``: lines are filled in *logical* order, then each
line is cut into visual segments (``shaping.visual_segments``) and drawn segment by segment,
right aligned in a right-to-left document; Arabic-script and Gurmukhi segments are shaped by
HarfBuzz with every mark kept.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterator
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

import arabic_reshaper
from bidi.algorithm import get_display
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph

from clinician_desk.errors import ValidationError
from clinician_desk.reports.fonts import (
    HANT,
    SHAPED_FACES,
    FontSet,
    covered,
    face_for,
    forget_subsets,
    has_glyph,
    register_font_set,
)
from clinician_desk.reports.shaping import is_invisible, shape, visual_segments

BULLET = "•"
_FIRST_RTL = "\u0590"  # Hebrew; nothing below it has bidi class R, AL or AN


def normalize(text: str) -> str:
    """Composed form (NFC): Vietnamese diacritics map to the fonts' precomposed glyphs."""
    return unicodedata.normalize("NFC", text)


class UnprintableError(ValidationError):
    """A character no bundled font can draw; the message names its code point, never the text."""

    def __init__(self, char: str, field: str = "") -> None:
        self.char = char
        self.field = field
        name = unicodedata.name(char, "unnamed character")
        where = f"The {field}" if field else "This document"
        super().__init__(
            f"{where} contains a character no bundled font can print: U+{ord(char):04X} "
            f"({name}). Replace or remove it and print again; nothing was printed."
        )


def check_printable(text: str, field: str = "") -> None:
    """Raise ``UnprintableError`` for the first character no bundled face can draw."""
    from clinician_desk.reports.fonts import printable

    for ch in normalize(text):
        if not printable(ch):
            raise UnprintableError(ch, field)


def check_fields(model: object, path: str = "") -> None:
    """Check every text of a document model (a frozen dataclass, recursively) before rendering;
    ``UnprintableError`` names the field (``steps[5].items[2]``) and the code point."""
    if isinstance(model, str):
        check_printable(model, f"field {path}" if path else "")
    elif dataclasses.is_dataclass(model) and not isinstance(model, type):
        for f in dataclasses.fields(model):
            name = f"{path}.{f.name}" if path else f.name
            check_fields(getattr(model, f.name), name)
    elif isinstance(model, tuple | list):
        for i, item in enumerate(model, start=1):
            check_fields(item, f"{path}[{i}]")


def _face(ch: str, fonts: FontSet, bold: bool, current: str | None = None) -> str:
    primary = fonts.face(bold)
    if is_invisible(ch) or unicodedata.category(ch).startswith("M"):
        # Spaces, joiners and marks stay with the face of the run they are in.
        if current is not None and (ch == " " or has_glyph(current, ch) or is_invisible(ch)):
            return current
        if ch == " " or is_invisible(ch) or has_glyph(primary, ch):
            return primary
    latin = fonts.fallback_face(bold)
    if latin != primary and ord(ch) < 0x2B0 and has_glyph(latin, ch):
        # Digits, Latin letters and ASCII punctuation in an Arabic-script or Gurmukhi document:
        # all in the Latin face, so "988lifeline.org", "PHQ-A" or "(916) 555-0100" is one run.
        return latin
    face = face_for(ch, fonts, bold)
    if face is None:
        raise UnprintableError(ch)
    return face


def font_runs(text: str, fonts: FontSet, bold: bool = False) -> Iterator[tuple[str, str]]:
    """Split text into (font name, run) pieces, each character in the first face that has it."""
    current: str | None = None
    buf: list[str] = []
    for ch in text:
        face = _face(ch, fonts, bold, current)
        if face != current and buf:
            assert current is not None
            yield current, "".join(buf)
            buf = []
        current = face
        buf.append(ch)
    if buf and current is not None:
        yield current, "".join(buf)


def _word_runs(text: str, fonts: FontSet, bold: bool) -> Iterator[tuple[str, str]]:
    """Font runs decided word by word: a word the primary face cannot draw whole goes to one
    other face whole when one has it all (so a shaped word never mixes two fonts)."""
    primary = fonts.face(bold)
    if covered(primary).issuperset(text):  # the common case: one run, no word to look at
        if text:
            yield primary, text
        return
    for token in re.split(r"(\s+)", text):
        if not token:
            continue
        if token.isspace() or all(has_glyph(primary, ch) or is_invisible(ch) for ch in token):
            yield primary, token
            continue
        faces = {_face(ch, fonts, bold) for ch in token if not is_invisible(ch)}
        whole = [f for f in faces if all(has_glyph(f, ch) or is_invisible(ch) for ch in token)]
        if whole:
            yield whole[0], token
        else:
            yield from font_runs(token, fonts, bold)


def needs_bidi(text: str, fonts: FontSet, bold: bool = False) -> bool:
    """Whether plain reportlab paragraphs would misdraw the text: right-to-left characters, or
    characters needing a shaped face that is not the document's own."""
    if bold and fonts.bold == fonts.regular:
        # No bold face (WenQuanYi): our flowable draws bold by stroking the outline.
        return True
    if fonts.rtl or fonts.shaping:
        # Our own HarfBuzz path writes the source characters of every conjunct into the PDF
        # (reportlab's own shaping leaves private code points), so Gurmukhi copies back intact.
        return True
    primary = fonts.face(bold)
    # The common case, checked at once: every character in the face and none right to left
    # (no character below U+0590 is; the face's own left-to-right set costs ~5 ms to build).
    if covered(primary).issuperset(text) and (not text or max(text) < _FIRST_RTL):
        return False
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL", "AN"):
            return True
        if ord(ch) > 0x2FF and not has_glyph(primary, ch) and not is_invisible(ch):
            face = face_for(ch, fonts, bold)
            if face in SHAPED_FACES:
                return True
    return False


def markup(text: str, fonts: FontSet, bold: bool = False) -> str:
    """Paragraph markup for plain text; words the primary face lacks get the fallback face."""
    primary = fonts.face(bold)
    parts = []
    for face, run in _word_runs(normalize(text), fonts, bold):
        if face == primary:
            parts.append(escape(run))
        else:
            parts.append(f'<font face="{face}">{escape(run)}</font>')
    return "".join(parts)


@lru_cache(maxsize=16384)
def _line_segments(
    text: str, fonts: FontSet, bold: bool, base: str
) -> tuple[tuple[str, str, bool], ...]:
    embedded = _LTR_NUMBER.sub(lambda m: f"{_LRE}{m.group(0)}{_PDF}", text) if fonts.rtl else text
    current: list[str | None] = [None]

    def face_of(ch: str) -> str:
        face = _face(ch, fonts, bold, current[0])
        current[0] = face
        return face

    return tuple(
        (seg.face, seg.text, seg.rtl)
        for seg in visual_segments(embedded, base, face_of, SHAPED_FACES.__contains__)
    )


def _segment_width(face: str, text: str, rtl: bool, size: float) -> float:
    if face in SHAPED_FACES:
        return shape(text, face, size, rtl)[1]
    return float(stringWidth(_visible(text), face, size))


def _visible(text: str) -> str:
    return "".join(ch for ch in text if not is_invisible(ch) or ch == " ")


@lru_cache(maxsize=65536)
def _width(text: str, fonts: FontSet, bold: bool, base: str, size: float) -> float:
    """Width of one word or line; cached (the bidi pass is pure Python and words recur)."""
    return sum(
        _segment_width(face, run, rtl, size)
        for face, run, rtl in _line_segments(text, fonts, bold, base)
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


# Faces with no bold variant among the bundled fonts: bold is drawn by stroking the outline.
_NO_BOLD_FACE = frozenset({HANT})


class BidiParagraph(Flowable):  # type: ignore[misc]
    """A paragraph laid out with the bidi algorithm and HarfBuzz (optionally a list item).

    Right aligned with its bullet on the right in a right-to-left document, left aligned
    otherwise; the base direction is the document's unless the text's first strong character
    says otherwise (a Latin-only value in an Arabic document keeps its left-to-right order).
    """

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
        self.base = base or (base_direction(self.text) if fonts.rtl else "L")
        self.fonts = fonts
        self.bold = bold
        self.style = style
        self.bullet = bullet
        self.indent = style.fontSize * 1.4 if bullet else 0.0
        self.lines: list[str] = []
        self.spaceBefore = style.spaceBefore
        self.spaceAfter = style.spaceAfter

    def _w(self, text: str) -> float:
        return _width(text, self.fonts, self.bold, self.base, self.style.fontSize)

    def _fill(self, avail: float) -> list[str]:
        space = self._w(" ") or self.style.fontSize * 0.25
        lines: list[str] = []
        current: list[str] = []
        used = 0.0
        for word in self._pieces(avail):
            w = self._w(word)
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
        for word in self.text.split():
            if self._w(word) <= avail:
                yield word
                continue
            piece = ""
            for ch in word:
                if piece and not unicodedata.category(ch).startswith("M"):
                    if self._w(piece + ch) > avail:
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
        first = BidiParagraph(
            " ".join(lines[:fit]), self.style, self.fonts, self.bold, self.bullet, self.base
        )
        first.spaceAfter = 0
        rest = BidiParagraph(
            " ".join(lines[fit:]), self.style, self.fonts, self.bold, False, self.base
        )
        rest.indent = self.indent
        rest.spaceBefore = 0
        return [first, rest]

    def draw(self) -> None:
        canvas: Canvas = self.canv
        size = self.style.fontSize
        leading = self.style.leading
        rtl_layout = self.fonts.rtl
        y = self.height - size
        if self.style.backColor is not None:
            pad = self.style.borderPadding or 0
            canvas.setFillColor(self.style.backColor)
            canvas.rect(-pad, -pad, self.width + 2 * pad, self.height + 2 * pad, stroke=0, fill=1)
        canvas.setFillColor(self.style.textColor)
        if self.bullet:
            canvas.setFont(self.fonts.fallback, size)
            if rtl_layout:
                canvas.drawRightString(self.width, y, BULLET)
            else:
                canvas.drawString(self.style.bulletIndent or 0, y, BULLET)
        for line in self.lines:
            segments = _line_segments(line, self.fonts, self.bold, self.base)
            widths = [_segment_width(f, t, r, size) for f, t, r in segments]
            if rtl_layout:
                x = self.width - self.indent - sum(widths)
            else:
                x = max(self.indent, self.style.leftIndent or 0)
            # One text object per line (one BT…ET): readers see one line, not one per run.
            obj = canvas.beginText(x, y)
            mode = 0
            for (face, run, rtl), w in zip(segments, widths, strict=True):
                text = shape(run, face, size, rtl)[0] if face in SHAPED_FACES else _visible(run)
                fake_bold = self.bold and face in _NO_BOLD_FACE
                if fake_bold != (mode == 2):
                    # Bold without a bold face: fill and stroke the outline (text mode 2).
                    mode = 2 if fake_bold else 0
                    obj.setTextRenderMode(mode)
                obj.setTextOrigin(x, y)
                obj.setFont(face, size)
                obj.textOut(text)
                x += w
            if mode == 2:
                obj.setTextRenderMode(0)
            if any(self.bold and f in _NO_BOLD_FACE for f, _, _ in segments):
                canvas.setStrokeColor(self.style.textColor)
                canvas.setLineWidth(size * 0.035)
            canvas.drawText(obj)
            y -= leading


def forget_document_text() -> None:
    """Drop what the layout caches keep of documents' words: the lines and words measured by
    ``BidiParagraph`` (``_line_segments``, ``_width``), reshaped Arabic-script text and HarfBuzz
    runs (``shaping.shape``), and the fonts' built subsets, whose keys are the glyphs a document
    used. They hold a student's name or a safety plan's entries for as long
    as they stay cached, so the vault's lock calls this (``Services.close``); the next document
    measures its words again. Bundled paragraphs (``bundled=True``, resources/ text only) stay."""
    _line_segments.cache_clear()
    _width.cache_clear()
    _reshape.cache_clear()
    shape.cache_clear()
    forget_subsets()  # which glyphs a document's subsets hold (a name's letters)


# The name kept for callers of the right-to-left layout.
RtlParagraph = BidiParagraph


# Bundled texts (a handout's title, headings and paragraphs, the crisis lines, labels) parsed
# into reportlab's fragments, keyed by the text, its style and its faces: every document of a
# language asks for the same ones, and parsing the markup is a tenth of a handout's build. Only
# callers passing ``bundled=True`` use it, and they pass only text read from resources/ — never
# a student's details or anything typed in the app. Bounded, least recently used out first; a
# changed text is another key (parsed again), and the entries hold no reference to a document.
BUNDLED_PARAGRAPHS = 512
_ParseKey = tuple[str, int, FontSet, bool, bool]
_parsed: OrderedDict[_ParseKey, tuple[ParagraphStyle, str, Any, Any]] = OrderedDict()
_parsed_lock = threading.Lock()
_parsed_counts = [0, 0]  # hits, parses


def clear_bundled_cache() -> None:
    with _parsed_lock:
        _parsed.clear()
        _parsed_counts[:] = [0, 0]


def bundled_cache_info() -> tuple[int, int]:
    """(hits, parses) since the cache was last cleared."""
    with _parsed_lock:
        return _parsed_counts[0], _parsed_counts[1]


def bundled_cache_texts() -> list[str]:
    """The texts the cache holds (for tests and audits)."""
    with _parsed_lock:
        return [key[0] for key in _parsed]


def _bundled_paragraph(
    text: str, style: ParagraphStyle, fonts: FontSet, bold: bool, bullet: bool
) -> Paragraph:
    key = (text, id(style), fonts, bold, bullet)
    with _parsed_lock:
        entry = _parsed.get(key)
        if entry is not None and entry[0] is style:
            _parsed.move_to_end(key)
            _parsed_counts[0] += 1
        else:
            entry = None
    if entry is None:
        made = _plain_paragraph(text, style, fonts, bold, bullet)
        if not isinstance(made, Paragraph):
            return made  # BidiParagraph: laid out by our own code, nothing parsed to keep
        entry = (style, made.text, made.frags, made.bulletText)
        with _parsed_lock:
            _parsed[key] = entry
            _parsed_counts[1] += 1
            while len(_parsed) > BUNDLED_PARAGRAPHS:
                _parsed.popitem(last=False)
        return made
    _, clean, frags, bullet_text = entry
    # A new flowable per document over the shared fragments: reportlab reads the parsed
    # fragments while wrapping and drawing and keeps what it derives on the flowable.
    return Paragraph(clean, style, bulletText=bullet_text, frags=frags)


def _plain_paragraph(
    text: str, style: ParagraphStyle, fonts: FontSet, bold: bool, bullet: bool
) -> Flowable:
    if needs_bidi(text, fonts, bold):
        return BidiParagraph(text, style, fonts, bold=bold, bullet=bullet)
    body = markup(text, fonts, bold=bold)
    if bullet:
        return Paragraph(body, style, bulletText=BULLET)
    return Paragraph(body, style)


def paragraph(
    text: str,
    style: ParagraphStyle,
    fonts: FontSet,
    *,
    bold: bool = False,
    bullet: bool = False,
    bundled: bool = False,
) -> Flowable:
    """A flowable for plain text in any script (never interpreted as markup).

    ``bundled=True`` is for text read from the application's resources only (never a
    student's details or anything typed): its parse is kept for the next document.
    Raises ``UnprintableError`` for a character no bundled face can draw.
    """
    register_font_set(fonts)
    text = normalize(text)
    if bundled:
        return _bundled_paragraph(text, style, fonts, bold, bullet)
    return _plain_paragraph(text, style, fonts, bold, bullet)
