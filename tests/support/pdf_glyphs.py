"""Glyph coverage helpers for the handout and safety-plan PDF tests."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

import arabic_reshaper
from fontTools.ttLib import TTFont

from clinician_desk.reports.fonts import font_file, font_set_for
from clinician_desk.reports.text import normalize

INVISIBLE = {"Zs", "Cf", "Cc"}


HARAKAT = re.compile("[\u064b-\u065f\u0670]")


@cache
def cmap(font_name: str) -> frozenset[int]:
    return frozenset(TTFont(str(font_file(font_name)), lazy=True).getBestCmap())


def drawn_text(language: str, text: str) -> str:
    """The characters that reach the font: NFC, and for Arabic script the joined forms."""
    fonts = font_set_for(language)
    return arabic_reshaper.reshape(normalize(text)) if fonts.rtl else normalize(text)


def split_words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s:;,.!?()\"«»“”„،؛؟。，、：；！？（）「」]+", text) if w]


def chars_and_unknown(word: str) -> tuple[Counter[str], int]:
    known = Counter(ch for ch in word if not 0xE000 <= ord(ch) <= 0xF8FF)
    return known, len(word) - sum(known.values())


def could_be(logical: str, known: Counter[str], unknown: int) -> bool:
    want = Counter(logical)
    if unknown == 0:
        return want == known
    return not (known - want) and sum((want - known).values()) <= 3 * unknown
