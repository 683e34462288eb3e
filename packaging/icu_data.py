"""A smaller ICU data library for the Linux bundle: the same ICU, only the data Qt can reach.

Qt Core links ICU (``libicuuc``, ``libicui18n`` and ``libicudata``, the last a 32 MB library that
holds nothing but one symbol, ``icudt<NN>_dat``: ICU's "common data" package of about 3,900 items).
Qt 6 calls ICU for four things only (the ``U`` symbols of ``libQt6Core``): code conversion
(``ucnv_*``), collation (``ucol_*``, behind ``QCollator`` and ``localeAwareCompare``), case
mapping (``u_strToUpper``/``u_strToLower``, behind ``QLocale::toUpper``) and time-zone display
names (``ucal_*``). ``QLocale`` itself, text layout and line breaking use Qt's own tables and
HarfBuzz, not ICU.

``reduce_library`` rebuilds that library with the same symbol and soname, keeping:

* every item that is not tied to one locale (converters, aliases, properties, supplemental data,
  time-zone rules, the root locale, each tree's ``pool.res`` and ``res_index.res``);
* every locale item (in every tree: locales, collation, zone, language, region, currency and
  unit names, number spelling) of the languages the app shows or prints: its UI languages and
  every handout language (``keep_languages``), with all their regional variants;

and dropping the rest: locale items of other languages (ICU falls back to root for them, as it
does for any locale it has no data for) and the two trees only ICU services Qt never calls use:
the break-iterator dictionaries (``brkitr/*.dict``) and transliteration (``translit/``).

Run by the spec during a Linux build (needs only binutils' ``nm``, ``as`` and ``ld``, which
PyInstaller needs on Linux anyway); ``tests/integration/packaging/test_icu_data.py`` proves the
reduced library answers exactly like the full one for every kept language.
"""

from __future__ import annotations

import re
import struct
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

# Trees whose items only ICU services Qt never imports read (ubrk_*, utrans_*).
_UNUSED_ITEMS = re.compile(r"^(brkitr/[^/]+\.dict|translit/.*)$")
_LOCALE_ITEM = re.compile(r"^(?:[a-z]+/)?([a-z]{2,3})(?:_[A-Za-z0-9_]+)?\.res$")


def _symbol(lib: Path) -> tuple[str, int, int]:
    """(name, file offset, size) of the ``icudt<NN>_dat`` symbol in ``lib``."""
    out = subprocess.run(
        ["nm", "-D", "-S", "--defined-only", str(lib)], capture_output=True, text=True, check=True
    ).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and re.fullmatch(r"icudt\d+_dat", parts[3]):
            address, size = int(parts[0], 16), int(parts[1], 16)
            return parts[3], _file_offset(lib, address), size
    raise ValueError(f"{lib}: no icudt<NN>_dat symbol (not an ICU data library)")


def _file_offset(lib: Path, address: int) -> int:
    data = lib.read_bytes()[:4096]
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError(f"{lib}: not a little-endian 64-bit ELF library")
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, _flags, offset, vaddr, _paddr, filesz = struct.unpack_from(
            "<IIQQQQ", data, phoff + i * phentsize
        )
        if p_type == 1 and vaddr <= address < vaddr + filesz:  # PT_LOAD
            return address - vaddr + offset
    raise ValueError(f"{lib}: address {address:#x} is in no loaded segment")


def read_package(blob: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """(header, [(item name, item bytes)]) of an ICU common-data (``CmnD``) package."""
    header_size, magic1, magic2 = struct.unpack_from("<HBB", blob, 0)
    if (magic1, magic2) != (0xDA, 0x27) or blob[12:16] != b"CmnD" or blob[8] != 0:
        raise ValueError("not a little-endian ICU common-data package")
    toc = blob[header_size:]
    (count,) = struct.unpack_from("<I", toc, 0)
    entries = [struct.unpack_from("<II", toc, 4 + 8 * i) for i in range(count)]
    items = []
    for i, (name_at, data_at) in enumerate(entries):
        end = entries[i + 1][1] if i + 1 < count else len(toc)
        name = toc[name_at : toc.index(b"\0", name_at)].decode("ascii")
        items.append((name, toc[data_at:end]))
    return blob[:header_size], items


def write_package(header: bytes, items: list[tuple[str, bytes]]) -> bytes:
    """The package bytes for ``items`` (names sorted, as ICU's binary search needs)."""
    items = sorted(items, key=lambda item: item[0].encode("ascii"))
    names = b"".join(name.encode("ascii") + b"\0" for name, _ in items)
    names_at = 4 + 8 * len(items)
    data_at = (names_at + len(names) + 15) // 16 * 16
    toc, name_offsets, data_offsets = bytearray(), [], []
    position = names_at
    for name, _ in items:
        name_offsets.append(position)
        position += len(name) + 1
    position = data_at
    body = bytearray()
    for _name, data in items:
        data_offsets.append(position)
        padded = data + b"\xaa" * (-len(data) % 16)
        body += padded
        position += len(padded)
    toc += struct.pack("<I", len(items))
    for n, d in zip(name_offsets, data_offsets, strict=True):
        toc += struct.pack("<II", n, d)
    toc += names
    toc += b"\xaa" * (data_at - len(toc))
    return header + bytes(toc) + bytes(body)


def kept(name: str, keep_languages: Iterable[str]) -> bool:
    """Whether the package item ``name`` (without the ``icudtNNl/`` prefix) stays."""
    if _UNUSED_ITEMS.match(name):
        return False
    match = _LOCALE_ITEM.match(name)
    if match is None or Path(name).name in ("pool.res", "res_index.res"):
        return True
    return match.group(1) == "root" or match.group(1) in set(keep_languages)


def reduce_package(blob: bytes, keep_languages: Iterable[str]) -> bytes:
    header, items = read_package(blob)
    languages = set(keep_languages)
    out = []
    for name, data in items:
        _tree, _, rest = name.partition("/")
        if kept(rest, languages):
            out.append((name, data))
    return write_package(header, out)


def extract_package(lib: Path) -> bytes:
    """The common-data package an ICU data library carries."""
    _name, offset, size = _symbol(lib)
    return lib.read_bytes()[offset : offset + size]


def reduce_library(lib: Path, target: Path, keep_languages: Iterable[str]) -> Path:
    """Write ``target``: ``lib`` (an ICU data library) with only what ``kept`` keeps."""
    symbol, _offset, _size = _symbol(lib)
    blob = extract_package(lib)
    reduced = reduce_package(blob, keep_languages)
    soname = lib.name
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="icudata-") as tmp:
        dat = Path(tmp) / "data.dat"
        dat.write_bytes(reduced)
        asm = Path(tmp) / "data.s"
        asm.write_text(
            "\t.section .rodata\n"
            f"\t.globl {symbol}\n\t.type {symbol}, @object\n\t.balign 16\n"
            f'{symbol}:\n\t.incbin "{dat}"\n\t.size {symbol}, . - {symbol}\n'
            '\t.section .note.GNU-stack,"",@progbits\n',
            encoding="ascii",
        )
        obj = Path(tmp) / "data.o"
        subprocess.run(["as", "-o", str(obj), str(asm)], check=True)
        subprocess.run(
            ["ld", "-shared", "-soname", soname, "-o", str(target), str(obj)], check=True
        )
    return target


def languages_of(tags: Iterable[str]) -> set[str]:
    """ICU language codes of BCP 47 tags: ``fa-AF`` → ``fa``, ``zh-Hant`` → ``zh``."""
    return {tag.replace("_", "-").split("-")[0].lower() for tag in tags}


def ui_languages(root: Path) -> list[str]:
    """The UI languages: English (the source strings) and each catalogue under resources/."""
    base = root / "resources" / "translations"
    found = {p.name for p in base.iterdir() if p.is_dir() and any(p.rglob("*.po"))}
    return sorted(found | {"en"})


def bundle_languages(root: Path) -> list[str]:
    """Every language the app shows (UI) or prints (a folder under resources/handouts)."""
    handouts = root / "resources" / "handouts"
    return sorted(set(ui_languages(root)) | {p.name for p in handouts.iterdir() if p.is_dir()})
