"""Bidi runs and HarfBuzz shaping for text our own flowables draw (any script, any document).

``visual_segments`` splits one line of logical text into segments in *visual* (left to right
drawing) order: the Unicode bidi algorithm (python-bidi's reference implementation) resolves
each character's level, each level run is split by face (the first face of the chain that has
the character's glyph; combining marks and joiners stay with their base), and the runs are
reordered by rule L2. A right-to-left segment in a shaping face (Arabic, Dari) is shaped by
HarfBuzz with direction RTL, which both joins the letters and puts them in visual order, and keeps
every mark (harakat, hamza) positioned by the font's GPOS tables; Gurmukhi is shaped LTR.

A shaped glyph with no character of its own (a ligature of two marks, a Gurmukhi conjunct)
gets a private code point from reportlab; ``ACTUAL`` remembers the source characters behind
it and the PDF's ToUnicode map is written with them, so copying or extracting the text gives
back exactly what was typed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import uharfbuzz as hb
from bidi import algorithm as bidi_algorithm
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import ShapeData, ShapedStr

# (font face PostScript name, private code point) -> the source characters the glyph stands for.
ACTUAL: dict[tuple[str, int], str] = {}
# Characters that never need a glyph of their own: joiners, bidi controls, other format chars.
_FORMAT = frozenset({"Cf", "Cc"})


def is_invisible(ch: str) -> bool:
    """Whitespace and format controls (ZWJ, ZWNJ, bidi marks): nothing is drawn for them."""
    return ch.isspace() or unicodedata.category(ch) in _FORMAT


def _attaches(ch: str) -> bool:
    """Combining marks and joiners belong to the face of the character before them."""
    return unicodedata.category(ch) in ("Mn", "Me", "Mc") or ch in "\u200c\u200d"


@dataclass(frozen=True)
class Segment:
    """A piece of one line in a single face and direction, in visual order among its line."""

    face: str
    text: str  # logical order
    rtl: bool


def _levels(text: str, base: str) -> list[tuple[str, int]]:
    """(character, resolved bidi level) for each character that survives rule X9."""
    storage = bidi_algorithm.get_empty_storage()
    level = bidi_algorithm.PARAGRAPH_LEVELS[base]
    storage["base_level"] = level
    storage["base_dir"] = base
    bidi_algorithm.get_embedding_levels(text, storage)
    bidi_algorithm.explicit_embed_and_overrides(storage)
    bidi_algorithm.resolve_weak_types(storage)
    bidi_algorithm.resolve_neutral_types(storage, False)
    bidi_algorithm.resolve_implicit_levels(storage, False)
    kept = [(c["ch"], int(c["level"])) for c in storage["chars"]]
    # Rule X9 also removes the joiners (ZWNJ, ZWJ: class BN), which HarfBuzz needs to keep
    # "می‌کنم" unjoined where it must be: put them back with their neighbour's level.
    out: list[tuple[str, int]] = []
    j = 0
    for ch in text:
        if j < len(kept) and kept[j][0] == ch:
            out.append(kept[j])
            j += 1
        elif ch in "\u200c\u200d":
            level = out[-1][1] if out else (kept[j][1] if j < len(kept) else level)
            out.append((ch, level))
    return out


def visual_segments(
    text: str, base: str, face_of: Callable[[str], str], shaped: Callable[[str], bool]
) -> list[Segment]:
    """One line of text as segments in drawing order (see the module docstring)."""
    logical: list[tuple[int, str, list[str]]] = []  # (level, face, characters)
    for ch, level in _levels(text, base):
        if logical and (_attaches(ch) or ch.isspace()) and logical[-1][0] == level:
            logical[-1][2].append(ch)
            continue
        face = face_of(ch)
        if logical and logical[-1][0] == level and logical[-1][1] == face:
            logical[-1][2].append(ch)
        else:
            logical.append((level, face, [ch]))
    if not logical:
        return []
    order = list(range(len(logical)))
    levels = [run[0] for run in logical]
    top = max(levels)
    lowest_odd = min((lv for lv in levels if lv % 2), default=top + 1)
    for k in range(top, lowest_odd - 1, -1):  # rule L2 at the granularity of runs
        i = 0
        while i < len(order):
            if levels[order[i]] >= k:
                j = i
                while j < len(order) and levels[order[j]] >= k:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    out = []
    for idx in order:
        level, face, chars = logical[idx]
        rtl = level % 2 == 1
        piece = "".join(chars)
        if rtl and not shaped(face):
            # A face HarfBuzz does not shape: mirror brackets and reverse by hand.
            piece = "".join(bidi_algorithm.MIRRORED.get(c, c) for c in reversed(piece))
            out.append(Segment(face, piece, False))
        else:
            out.append(Segment(face, piece, rtl))
    # Neighbouring left-to-right pieces in one face ("GAD-" and "7", levels 0 and 2) are one
    # run to draw: a reader extracting the text then sees "GAD-7", not "GAD- 7".
    merged: list[Segment] = []
    for seg in out:
        last = merged[-1] if merged else None
        if last is not None and not last.rtl and not seg.rtl and last.face == seg.face:
            merged[-1] = Segment(seg.face, last.text + seg.text, False)
        else:
            merged.append(seg)
    return merged


def _install_actual_text() -> None:
    """Write the source characters behind private glyph codes into every ToUnicode map."""
    original = ttfonts.makeToUnicodeCMap
    if getattr(original, "_clinician_desk", False):
        return

    def make(fontname: str, subset: Sequence[int]) -> str:
        cmap = str(original(fontname, subset))
        face = fontname.split("+", 1)[-1]
        for i, code in enumerate(subset):
            text = ACTUAL.get((face, code))
            if text:
                utf16 = text.encode("utf-16-be").hex().upper()
                cmap = cmap.replace(f"<{i:02X}> <{code:04X}>", f"<{i:02X}> <{utf16}>", 1)
        return cmap

    make._clinician_desk = True  # type: ignore[attr-defined]
    ttfonts.makeToUnicodeCMap = make


_install_actual_text()


@lru_cache(maxsize=32768)
def shape(text: str, face: str, size: float, rtl: bool) -> tuple[ShapedStr, float]:
    """HarfBuzz-shaped text for reportlab's ``drawString`` (glyphs in visual order) and its width.

    Cached per (text, face, size, direction): the same words recur across lines and documents.
    """
    font: Any = pdfmetrics.getFont(face)
    hbf = font.hbFont(size)
    buf = hb.Buffer()
    buf.cluster_level = hb.BufferClusterLevel.MONOTONE_CHARACTERS
    buf.add_str(text)
    buf.guess_segment_properties()
    buf.direction = "rtl" if rtl else "ltr"
    hb.shape(hbf, buf, {"kern": True, "liga": True})
    infos, positions = buf.glyph_infos, buf.glyph_positions
    clusters = sorted({info.cluster for info in infos})
    following = dict(zip(clusters, [*clusters[1:], len(text)], strict=True))
    scale = font.pdfScale
    name = font.face.name
    face_name = name.decode("latin-1") if isinstance(name, bytes) else str(name)
    by_cluster: dict[int, list[int]] = {}
    for info in infos:
        by_cluster.setdefault(info.cluster, []).append(info.codepoint)
    chars: list[str] = []
    data: list[ShapeData] = []
    width = 0.0
    for info, pos in zip(infos, positions, strict=True):
        gid, cluster = info.codepoint, info.cluster
        source = text[cluster : following[cluster]]
        natural = font.face.glyphToChar.get(gid) or []
        glyphs = by_cluster[cluster]
        if natural and (
            len(glyphs) > 1
            or unicodedata.normalize("NFKC", chr(natural[0]))
            == unicodedata.normalize("NFKC", source)
        ):
            code = natural[0]
        elif gid == glyphs[0]:
            # No character of its own, or one that reads back as another letter (a Dari yeh
            # drawn with the alef maksura's final glyph): a private code carrying the source.
            code = font.hbAddPrivate(f"{hbf.glyph_to_string(gid)}#{source}", gid, pos.x_advance)
            ACTUAL.setdefault((face_name, code), source)
        else:
            code = font.hbAddPrivate(hbf.glyph_to_string(gid), gid, pos.x_advance)
        advance = scale(pos.x_advance)
        width += advance * size / 1000
        chars.append(chr(code))
        data.append(
            ShapeData(
                cluster,
                advance,
                scale(pos.y_advance),
                scale(pos.x_offset),
                scale(pos.y_offset),
                font.face.charWidths.get(code, advance),
            )
        )
    return ShapedStr("".join(chars), shapeData=data), width
