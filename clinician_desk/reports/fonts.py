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
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from clinician_desk.bundled.paths import resource_path
from clinician_desk.errors import NotFoundError

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


def register_fonts() -> None:
    """Register every bundled font with reportlab (idempotent, thread-safe)."""
    with _lock:
        registered = set(pdfmetrics.getRegisteredFontNames())
        for name, (filename, shapable) in _FILES.items():
            if name in registered:
                continue
            path = resource_path("fonts", filename)
            if not path.is_file():
                raise NotFoundError(
                    f"The font file {filename} is missing from the resources/fonts folder; "
                    "reinstall the application."
                )
            pdfmetrics.registerFont(TTFont(name, str(path), shapable=shapable))


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
    register_fonts()
    font = pdfmetrics.getFont(name)
    return frozenset(font.face.charToGlyph)


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
