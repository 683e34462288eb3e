"""Parsed TrueType faces kept on disk between sessions: font data only, never document text.

reportlab parses a TrueType file in pure Python: the character map, the horizontal metrics and
the glyph locations of Noto Sans take ~30 ms per face on a laptop, paid by the first document of
every session. This module keeps those four tables, as reportlab parsed them, in one file per
face in the per-user cache folder (``platformdirs.user_cache_dir``, or
``CLINICIAN_DESK_CACHE_DIR``), and rebuilds the face from that file in about a millisecond.

What is cached is derived from the bundled font file alone, written right after the parse and
before any text is given to the face: no document, no student and no text typed in the app ever
reaches it. The file is a plain binary format read defensively (no pickle): a magic line, a JSON
header (format, reportlab version, byte order, the font file's SHA-256, the table sizes and the
payload's SHA-256), then arrays of numbers. Anything unexpected — another reportlab, a changed
font file, a truncated or altered cache, sizes or glyph numbers that do not fit the font — and
the cache is ignored: the font is parsed as before and the cache written again. A cache folder
that cannot be written is skipped silently; writers never collide (each writes its own temporary
file and renames it into place).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from array import array
from fnmatch import fnmatch
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import reportlab
from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTEncoding, TTFont, TTFontFace, TTFontFile
from reportlab.rl_config import unShapedFontGlob

FORMAT = 1
MAGIC = b"CDFONT1\n"
ENV = "CLINICIAN_DESK_CACHE_DIR"
_MAX_HEADER = 16 * 1024
_MAX_FILE = 64 * 1024 * 1024  # WenQuanYi's is ~2 MB; anything far bigger is not ours
_MAX_ITEMS = 1 << 22  # more entries than any bundled face has (WenQuanYi: ~30,000 glyphs)
# 4-byte unsigned/signed items whatever the platform's C int is.
_U32 = "I" if array("I").itemsize == 4 else "L"
_I32 = "i" if array("i").itemsize == 4 else "l"

# name -> (array type code, how its length is named in the header)
_ARRAYS: tuple[tuple[str, str], ...] = (
    ("char_codes", _U32),  # charToGlyph keys, in reportlab's order
    ("char_glyphs", _U32),  # charToGlyph values
    ("width_codes", _U32),  # charWidths keys
    ("widths", "d"),  # charWidths values
    ("width_is_float", "B"),  # whether reportlab's value was a float (scaled) or an int
    ("glyph_ids", _U32),  # glyphToChar keys
    ("glyph_char_counts", _U32),  # how many characters each of those glyphs has
    ("glyph_chars", _U32),  # the characters, concatenated
    ("advances", "d"),  # hmetrics advance widths
    ("advance_is_float", "B"),
    ("side_bearings", _I32),  # hmetrics left side bearings
    ("glyph_pos", _U32),  # glyph locations in the glyf table
)
_HEADER_KEYS = frozenset(
    {
        "format",
        "reportlab",
        "byteorder",
        "font_sha256",
        "payload_sha256",
        "default_width",
        "default_width_is_float",
        "counts",
    }
)


def cache_dir() -> Path:
    """The folder for cached faces: ``CLINICIAN_DESK_CACHE_DIR``, else the user cache dir."""
    env = os.environ.get(ENV)
    if env:
        return Path(env) / "fonts"
    import platformdirs

    from clinician_desk.config import APP_AUTHOR, APP_NAME

    return Path(platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR)) / "fonts"


def cache_file(font_path: Path, directory: Path) -> Path:
    """The one cache file of a face (its contents say which font file and reportlab it fits)."""
    return directory / f"{font_path.stem}.cdfont"


def load_font(name: str, font_path: Path, shapable: bool, directory: Path | None) -> TTFont:
    """The reportlab ``TTFont`` for a bundled file: rebuilt from the cache when the cache fits
    this file and this reportlab, else parsed (and the cache written, if ``directory`` can be).
    ``directory=None`` parses and writes nothing."""
    data = font_path.read_bytes()
    if directory is None:
        return _parse(name, font_path, data, shapable)
    digest = hashlib.sha256(data).hexdigest()
    target = cache_file(font_path, directory)
    try:
        blob = target.read_bytes() if target.stat().st_size <= _MAX_FILE else None
    except OSError:
        blob = None
    if blob is not None:
        tables = read_tables(blob, digest)
        if tables is not None:
            font = _from_tables(name, font_path, data, shapable, tables)
            if font is not None:
                return font
    font = _parse(name, font_path, data, shapable)
    write_cache(font.face, digest, target)
    return font


def _parse(name: str, font_path: Path, data: bytes, shapable: bool) -> TTFont:
    return TTFont(name, str(font_path), shapable=shapable)


# -- writing ---------------------------------------------------------------------------------


def _numbers(values: list[Any]) -> tuple[array[float], array[int]]:
    is_float = array("B", (isinstance(v, float) for v in values))
    return array("d", (float(v) for v in values)), is_float


def encode_face(face: TTFontFace, font_sha256: str) -> bytes | None:
    """The cache file for a freshly parsed face, or None when the face's tables do not pass the
    checks a cache file must pass (such a face is simply parsed every time)."""
    try:
        glyph_ids = list(face.glyphToChar)
        widths, width_is_float = _numbers(list(face.charWidths.values()))
        advances, advance_is_float = _numbers([aw for aw, _ in face.hmetrics])
        arrays: dict[str, array[Any]] = {
            "char_codes": array(_U32, face.charToGlyph.keys()),
            "char_glyphs": array(_U32, face.charToGlyph.values()),
            "width_codes": array(_U32, face.charWidths.keys()),
            "widths": widths,
            "width_is_float": width_is_float,
            "glyph_ids": array(_U32, glyph_ids),
            "glyph_char_counts": array(_U32, (len(face.glyphToChar[g]) for g in glyph_ids)),
            "glyph_chars": array(_U32, (c for g in glyph_ids for c in face.glyphToChar[g])),
            "advances": advances,
            "advance_is_float": advance_is_float,
            "side_bearings": array(_I32, (lsb for _, lsb in face.hmetrics)),
            "glyph_pos": array(_U32, face.glyphPos),
        }
    except (OverflowError, TypeError, ValueError, AttributeError):
        return None
    payload = b"".join(arrays[key].tobytes() for key, _ in _ARRAYS)
    header = {
        "format": FORMAT,
        "reportlab": reportlab.Version,
        "byteorder": sys.byteorder,
        "font_sha256": font_sha256,
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "default_width": float(face.defaultWidth),
        "default_width_is_float": isinstance(face.defaultWidth, float),
        "counts": {key: len(arrays[key]) for key, _ in _ARRAYS},
    }
    head = json.dumps(header, sort_keys=True).encode("ascii")
    blob = MAGIC + len(head).to_bytes(4, "little") + head + payload
    # Only a face whose tables the reader accepts is worth writing.
    if not _fits(face, read_tables(blob, font_sha256)):
        return None
    return blob


def write_cache(face: TTFontFace, font_sha256: str, target: Path) -> bool:
    """Write the face's cache file atomically; False (and nothing left behind) when the folder
    cannot be created or written. Concurrent writers each rename a complete file into place."""
    blob = encode_face(face, font_sha256)
    if blob is None:
        return False
    tmp: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(blob)
        os.replace(tmp, target)
        tmp = None
        return True
    except OSError:
        return False
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


# -- reading ---------------------------------------------------------------------------------


def read_tables(blob: bytes, font_sha256: str) -> dict[str, Any] | None:
    """The face tables in a cache file, or None if the file is not one this process may use:
    wrong magic or format, another reportlab or byte order, another font file, a payload that is
    truncated, padded or altered, or sizes that do not add up. Never raises."""
    try:
        return _read_tables(blob, font_sha256)
    except (ValueError, TypeError, KeyError, OverflowError, RecursionError):
        return None  # UnicodeDecodeError and json's errors are ValueErrors


def _read_tables(blob: bytes, font_sha256: str) -> dict[str, Any] | None:
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + 4:
        return None
    start = len(MAGIC) + 4
    size = int.from_bytes(blob[len(MAGIC) : start], "little")
    if size > _MAX_HEADER or start + size > len(blob):
        return None
    header = json.loads(blob[start : start + size].decode("ascii"))
    if not isinstance(header, dict) or set(header) != _HEADER_KEYS:
        return None
    if (
        header["format"] != FORMAT
        or header["reportlab"] != reportlab.Version
        or header["byteorder"] != sys.byteorder
        or header["font_sha256"] != font_sha256
    ):
        return None
    counts = header["counts"]
    if not isinstance(counts, dict) or set(counts) != {key for key, _ in _ARRAYS}:
        return None
    payload = memoryview(blob)[start + size :]
    if hashlib.sha256(payload).hexdigest() != header["payload_sha256"]:
        return None
    tables: dict[str, Any] = {}
    offset = 0
    for key, code in _ARRAYS:
        count = counts[key]
        if type(count) is not int or not 0 <= count <= _MAX_ITEMS:
            return None
        values = array(code)
        end = offset + count * values.itemsize
        if end > len(payload):
            return None
        values.frombytes(payload[offset:end])
        tables[key] = values
        offset = end
    if offset != len(payload):
        return None
    default = header["default_width"]
    if type(default) is not float or type(header["default_width_is_float"]) is not bool:
        return None
    tables["default_width"] = default if header["default_width_is_float"] else int(default)
    return tables if _consistent(tables) else None


def _consistent(t: dict[str, Any]) -> bool:
    """Sizes that agree with each other (the font's own numbers are checked in ``_fits``)."""
    n_chars = len(t["char_codes"])
    n_glyphs = len(t["advances"])
    return (
        len(t["char_glyphs"]) == n_chars
        and len(t["widths"]) == len(t["width_codes"]) == len(t["width_is_float"])
        and len(t["glyph_char_counts"]) == len(t["glyph_ids"])
        and sum(t["glyph_char_counts"]) == len(t["glyph_chars"])
        and len(t["advance_is_float"]) == len(t["side_bearings"]) == n_glyphs
        and len(t["glyph_pos"]) == n_glyphs + 1
        and _ascending(t["glyph_pos"].tolist())
    )


def _ascending(values: list[int]) -> bool:
    return values == sorted(values)  # linear for a sorted list (timsort finds one run)


def _fits(face: TTFontFace, tables: dict[str, Any] | None) -> bool:
    """Whether the tables fit the font file's own numbers (glyph count, glyf table size)."""
    if tables is None:
        return False
    n = face.numGlyphs
    glyf = face.get_table_pos("glyf")[1]
    return (
        len(tables["advances"]) == n
        and (not tables["char_glyphs"] or max(tables["char_glyphs"]) < n)
        and (not tables["glyph_ids"] or max(tables["glyph_ids"]) < n)
        and (not tables["glyph_pos"] or tables["glyph_pos"][-1] <= glyf)
    )


def _restore(values: array[float], is_float: array[int]) -> list[float | int]:
    """reportlab's numbers with their types: ints stay ints (a PDF writes 600, not 600.0)."""
    if not any(is_float):
        return list(map(int, values))
    if all(is_float):
        return values.tolist()
    return [v if f else int(v) for v, f in zip(values, is_float, strict=True)]


def _from_tables(
    name: str, font_path: Path, data: bytes, shapable: bool, tables: dict[str, Any]
) -> TTFont | None:
    """A ``TTFont`` as ``TTFont(name, path, shapable=...)`` builds it, with reportlab reading
    only the small header tables (``charInfo=0``) and the big ones coming from the cache."""
    face: Any = TTFontFace.__new__(TTFontFace)
    pdfmetrics.TypeFace.__init__(face, None)
    face.filename = str(font_path)
    face._ttf_data = data  # reportlab's reader takes the bytes already read (no second read)
    TTFontFile.__init__(face, str(font_path), charInfo=0)
    if not _fits(face, tables):
        return None
    counts = tables["glyph_char_counts"].tolist()
    chars = tables["glyph_chars"].tolist()
    glyph_to_char: dict[int, list[int]] = {}
    at = 0
    for glyph, count in zip(tables["glyph_ids"].tolist(), counts, strict=True):
        glyph_to_char[glyph] = chars[at : at + count]
        at += count
    face.charToGlyph = dict(zip(tables["char_codes"], tables["char_glyphs"], strict=True))
    face.glyphToChar = glyph_to_char
    face.charWidths = dict(
        zip(
            tables["width_codes"],
            _restore(tables["widths"], tables["width_is_float"]),
            strict=True,
        )
    )
    face.defaultWidth = tables["default_width"]
    face.hmetrics = list(
        zip(
            _restore(tables["advances"], tables["advance_is_float"]),
            tables["side_bearings"].tolist(),
            strict=True,
        )
    )
    face.glyphPos = tables["glyph_pos"].tolist()
    face._pos = 0
    # What TTFont.__init__ does around the face it parses (reportlab 4.x/5.x; the cache is
    # keyed by reportlab's version and a test compares both objects attribute by attribute).
    font: Any = TTFont.__new__(TTFont)
    font.fontName = name
    font.face = face
    font.encoding = TTEncoding()
    font.state = WeakKeyDictionary()
    font._asciiReadable = rl_config.ttfAsciiReadable
    font.shapable = shapable and not any(fnmatch(name, glob) for glob in unShapedFontGlob)
    return font
