"""Helpers for the document tests: text extraction, metadata and first-page pictures."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pypdf

PDFTOPPM = shutil.which("pdftoppm")
LETTER = (612.0, 792.0)


def reader(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def text_of(pdf: bytes) -> str:
    """All pages' text, NFKC-normalized (Arabic presentation forms -> letters), spaces squeezed."""
    raw = "\n".join(page.extract_text() for page in reader(pdf).pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", raw))


def font_names(pdf: bytes) -> set[str]:
    names: set[str] = set()
    for page in reader(pdf).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            names.add(str(ref.get_object()["/BaseFont"]))
    return names


def save_first_page_png(pdf: bytes, out_dir: Path, name: str) -> Path | None:
    """Render page 1 to ``out_dir/name.png`` with pdftoppm (None when it is not installed)."""
    if PDFTOPPM is None:
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{name}.pdf").write_bytes(pdf)
    prefix = out_dir / name
    subprocess.run(
        [PDFTOPPM, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", "-", str(prefix)],
        input=pdf,
        check=True,
        timeout=60,
    )
    png = prefix.with_suffix(".png")
    assert png.stat().st_size > 5000, "the rendered page is (nearly) empty"
    return png
