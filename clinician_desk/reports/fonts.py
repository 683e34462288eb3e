"""Bundled fonts: registration with reportlab (once per process) and the font set of a language.

Every document uses only fonts from ``resources/fonts/`` (TrueType, embedded as subsets), never
reportlab's standard-14 fonts, so every script prints with real glyphs. A ``FontSet`` names the
regular and bold face for a language's script, whether text in it is right to left (Arabic,
Dari), whether HarfBuzz shaping is on (Gurmukhi and other complex scripts), whether lines may
break between any two characters (Chinese), and a Latin fallback used for characters the primary
face lacks (a Latin name inside a Gurmukhi handout, for instance).
"""

from __future__ import annotations

import threading
import unicodedata
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFArray, PDFName
from reportlab.pdfbase.ttfonts import TTFont

from clinician_desk.bundled.paths import resource_path
from clinician_desk.errors import NotFoundError
from clinician_desk.reports.font_cache import cache_dir, load_font

LATIN = "CdNotoSans"
LATIN_BOLD = "CdNotoSans-Bold"
GURMUKHI = "CdNotoSansGurmukhi"
GURMUKHI_BOLD = "CdNotoSansGurmukhi-Bold"
ARABIC = "CdNotoNaskhArabic"
ARABIC_BOLD = "CdNotoNaskhArabic-Bold"
HANT = "CdWenQuanYiMicroHei"

# reportlab name -> (file in resources/fonts, HarfBuzz shaping allowed)
_FILES: dict[str, tuple[str, bool]] = {
    LATIN: ("NotoSans-Regular.ttf", False),
    LATIN_BOLD: ("NotoSans-Bold.ttf", False),
    GURMUKHI: ("NotoSansGurmukhi-Regular.ttf", True),
    GURMUKHI_BOLD: ("NotoSansGurmukhi-Bold.ttf", True),
    # Arabic and Dari are shaped by HarfBuzz run by run (``shaping``), after the bidi algorithm
    # has cut the line into directional runs: joined letters, lam-alef, harakat and hamza.
    ARABIC: ("NotoNaskhArabic-Regular.ttf", True),
    ARABIC_BOLD: ("NotoNaskhArabic-Bold.ttf", True),
    HANT: ("WenQuanYiMicroHei.ttf", False),
}

_lock = threading.Lock()
_registered: set[str] = set()


@dataclass(frozen=True)
class FontSet:
    """The faces and text direction for one language."""

    regular: str
    bold: str
    rtl: bool = False
    shaping: bool = False
    cjk: bool = False
    fallback: str = LATIN
    fallback_bold: str = LATIN_BOLD

    def face(self, bold: bool) -> str:
        return self.bold if bold else self.regular

    def fallback_face(self, bold: bool) -> str:
        return self.fallback_bold if bold else self.fallback


LATIN_SET = FontSet(LATIN, LATIN_BOLD)
_GURMUKHI_SET = FontSet(GURMUKHI, GURMUKHI_BOLD, shaping=True)
_ARABIC_SET = FontSet(ARABIC, ARABIC_BOLD, rtl=True)
_HANT_SET = FontSet(HANT, HANT, cjk=True)

# Language code (folder name under resources/handouts) -> font set.
_LANGUAGE_FONTS: dict[str, FontSet] = {
    "en": LATIN_SET,
    "es": LATIN_SET,
    "vi": LATIN_SET,
    "hmn": LATIN_SET,
    "ru": LATIN_SET,
    "uk": LATIN_SET,
    "zh-Hant": _HANT_SET,
    "pa": _GURMUKHI_SET,
    "ar": _ARABIC_SET,
    "fa-AF": _ARABIC_SET,
}


def font_file(name: str) -> Path:
    """Path of the TrueType file behind a registered font name."""
    try:
        return resource_path("fonts", _FILES[name][0])
    except KeyError:
        raise NotFoundError(f"No bundled font is called {name!r}.") from None


def register_font(name: str) -> None:
    """Register one bundled face with reportlab (idempotent, thread-safe).

    Faces are registered when first needed, not all at once: parsing a TrueType file is pure
    Python (WenQuanYi alone takes ~350 ms), and an English handout needs only the Latin pair."""
    if name in _registered:
        return
    with _lock:
        if name in _registered or name in pdfmetrics.getRegisteredFontNames():
            _registered.add(name)
            return
        try:
            filename, shapable = _FILES[name]
        except KeyError:
            raise NotFoundError(f"No bundled font is called {name!r}.") from None
        path = resource_path("fonts", filename)
        if not path.is_file():
            raise NotFoundError(
                f"The font file {filename} is missing from the resources/fonts folder; "
                "reinstall the application."
            )
        # Parsed once per machine: later sessions rebuild the face from the font cache.
        font = load_font(name, path, shapable, cache_dir())
        _cache_subsets(font)
        pdfmetrics.registerFont(font)
        _registered.add(name)


def register_font_set(fonts: FontSet) -> None:
    """Register the faces a document in this font set draws with before any fallback."""
    for name in (fonts.regular, fonts.bold, fonts.fallback, fonts.fallback_bold):
        register_font(name)


def register_fonts() -> None:
    """Register every bundled font with reportlab (idempotent, thread-safe)."""
    for name in _FILES:
        register_font(name)


# Subsets already built, per face, with their compressed form: a document embeds each face as
# subsets of at most 256 glyphs (parsed out of the font and deflated for every document), and
# documents of one language mostly ask for the same ones. Font data only (which glyphs a subset
# holds is kept in this process only); bounded, least recently used out first.
_SUBSETS_PER_FACE = 64


class _SubsetCache:
    def __init__(self, font: TTFont) -> None:
        self.face = font.face
        self._make = self.face.makeSubset
        self._add = self.face.addSubsetObjects
        self._items: OrderedDict[tuple[int, ...], list[bytes | None]] = OrderedDict()
        self._lock = threading.Lock()
        self.face.makeSubset = self.make_subset
        self.face.addSubsetObjects = self.add_subset_objects

    def _entry(self, subset: list[int]) -> list[bytes | None]:
        key = tuple(subset)
        with self._lock:
            entry = self._items.get(key)
            if entry is not None:
                self._items.move_to_end(key)
                return entry
        entry = [self._make(subset), None]
        with self._lock:
            self._items[key] = entry
            while len(self._items) > _SUBSETS_PER_FACE:
                self._items.popitem(last=False)
        return entry

    def make_subset(self, subset: list[int]) -> bytes:
        data = self._entry(subset)[0]
        assert data is not None
        return data

    def add_subset_objects(self, doc: Any, fontname: str, subset: list[int]) -> Any:
        """reportlab's own, then the font file stream gets its deflated bytes from the cache
        (reportlab would compress the same subset again for every document)."""
        ref = self._add(doc, fontname, subset)
        stream = doc.idToObject.get(f"fontFile:{self.face.filename}({fontname})")
        if doc.compression and stream is not None and "Filter" not in stream.dictionary.dict:
            entry = self._entry(subset)
            if entry[0] == stream.content:
                if entry[1] is None:
                    entry[1] = zlib.compress(stream.content)
                stream.content = entry[1]
                stream.dictionary["Filter"] = PDFArray([PDFName("FlateDecode")])
        return ref


_SUBSET_CACHES: list[_SubsetCache] = []


def _cache_subsets(font: TTFont) -> None:
    _SUBSET_CACHES.append(_SubsetCache(font))


def forget_subsets() -> None:
    """Drop the built subsets: their keys are the glyphs a document used, so after a
    personalized document they hint at the characters of a student's name. Called with the
    layout caches when the vault locks; the next document builds its subsets again."""
    for subsets in _SUBSET_CACHES:
        with subsets._lock:
            subsets._items.clear()


def font_set_for(language: str) -> FontSet:
    """The font set for a handout language; English's for anything unknown is not allowed."""
    try:
        return _LANGUAGE_FONTS[language]
    except KeyError:
        raise NotFoundError(
            f"No font is configured for language {language!r}; "
            f"known: {', '.join(sorted(_LANGUAGE_FONTS))}."
        ) from None


def known_languages() -> tuple[str, ...]:
    return tuple(_LANGUAGE_FONTS)


@cache
def _cmap(name: str) -> frozenset[int]:
    register_font(name)
    font = pdfmetrics.getFont(name)
    return frozenset(font.face.charToGlyph)


@cache
def covered(name: str) -> frozenset[str]:
    """Every character the face draws, as one-character strings (plus newline and tab), so a
    whole text is checked at once: ``covered(face).issuperset(text)``."""
    return frozenset(map(chr, _cmap(name))) | {"\n", "\t"}


@cache
def left_to_right(name: str) -> frozenset[str]:
    """The characters of ``covered`` that are never right to left (bidi class not R, AL, AN)."""
    return frozenset(
        ch for ch in covered(name) if unicodedata.bidirectional(ch) not in ("R", "AL", "AN")
    )


def has_glyph(name: str, char: str) -> bool:
    """Whether the registered font maps this character to a glyph (whitespace always does)."""
    return char in "\n\t" or ord(char) in _cmap(name)


# Faces HarfBuzz shapes when our own flowables draw them (joining, conjuncts, mark positions).
SHAPED_FACES = frozenset({ARABIC, ARABIC_BOLD, GURMUKHI, GURMUKHI_BOLD})
# Every bundled face, in the order a character missing from the document's face is looked for.
_CHAIN = (LATIN, ARABIC, GURMUKHI, HANT)
_CHAIN_BOLD = (LATIN_BOLD, ARABIC_BOLD, GURMUKHI_BOLD, HANT)


def fallback_chain(fonts: FontSet, bold: bool) -> tuple[str, ...]:
    """The faces tried for a character, in order: the document's, its fallback, then the rest."""
    first = (fonts.face(bold), fonts.fallback_face(bold))
    rest = _CHAIN_BOLD if bold else _CHAIN
    return tuple(dict.fromkeys((*first, *rest)))


def face_for(char: str, fonts: FontSet, bold: bool = False) -> str | None:
    """The first face of the chain that has the character's glyph, or None (unprintable)."""
    for face in fallback_chain(fonts, bold):
        if has_glyph(face, char):
            return face
    return None


def printable(char: str) -> bool:
    """Whether some bundled face draws the character (whitespace and format controls pass)."""
    if char.isspace() or unicodedata.category(char) in ("Cf", "Cc"):
        return True
    return any(has_glyph(face, char) for face in (*_CHAIN, *_CHAIN_BOLD))
