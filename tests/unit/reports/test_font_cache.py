"""The parsed-font cache: the same face as reportlab's parse, bad caches ignored, font data only."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from reportlab.pdfbase.ttfonts import TTFont

from clinician_desk.bundled.paths import resource_path
from clinician_desk.reports import font_cache
from clinician_desk.reports.font_cache import cache_file, load_font, read_tables, write_cache

LATIN_FILE = "NotoSans-Regular.ttf"


def _comparable_face(font: TTFont) -> dict[str, Any]:
    face = dict(font.face.__dict__)
    face.pop("_pos")  # where reportlab's reader stopped; every reader seeks before reading
    scale = face.pop("_pdfScale")  # a lambda built per parse: compared by what it returns
    face["_pdfScale(1234)"] = scale(1234)
    return face


def _comparable_font(font: TTFont) -> dict[str, Any]:
    attrs = {k: v for k, v in font.__dict__.items() if k not in ("face", "state", "encoding")}
    attrs["encoding"] = font.encoding.name
    attrs["state"] = dict(font.state)
    return attrs


@pytest.mark.parametrize(
    "filename", [LATIN_FILE, "NotoSansGurmukhi-Bold.ttf", "NotoNaskhArabic-Regular.ttf"]
)
def test_a_face_from_the_cache_is_the_face_reportlab_parses(tmp_path: Path, filename: str) -> None:
    path = resource_path("fonts", filename)
    parsed = TTFont("CdTestFace", str(path), shapable=True)
    written = load_font("CdTestFace", path, True, tmp_path)  # parses and writes the cache
    assert cache_file(path, tmp_path).is_file()
    cached = load_font("CdTestFace", path, True, tmp_path)
    assert cached.face is not written.face
    # Attribute by attribute, types included (ints stay ints: a PDF writes 600, not 600.0).
    for font in (written, cached):
        assert _comparable_face(font) == _comparable_face(parsed)
        assert _comparable_font(font) == _comparable_font(parsed)
    for name in ("charWidths", "hmetrics"):
        ours, theirs = getattr(cached.face, name), getattr(parsed.face, name)
        values = ours.values() if isinstance(ours, dict) else [aw for aw, _ in ours]
        expected = theirs.values() if isinstance(theirs, dict) else [aw for aw, _ in theirs]
        assert [type(v) for v in values] == [type(v) for v in expected]
    subset = [ord(c) for c in "Fictional handout, 988"]
    assert cached.face.makeSubset(subset) == parsed.face.makeSubset(subset)


# A fresh process renders with the faces parsed (no cache folder yet), then another renders with
# them rebuilt from the cache: the documents are byte for byte the same (invariant PDFs).
_RENDER = """
import hashlib, sys
from clinician_desk.reports.handout import render_handout
from clinician_desk.reports.models import PersonalDetails
from clinician_desk.reports.safety_plan import render_safety_plan
from bench.bench_documents import longest_plan
who = PersonalDetails("Zephyrine Testcase", ("Individual counseling",), 6)
docs = [render_handout("suicide-warning-signs", lang, who) for lang in ("en", "pa", "ar")]
docs.append(render_safety_plan(longest_plan(), "en"))
print(" ".join(hashlib.sha256(d).hexdigest() for d in docs))
"""


def _render_in_fresh_process(cache: Path) -> list[str]:
    env = {**os.environ, font_cache.ENV: str(cache)}
    out = subprocess.run(
        [sys.executable, "-c", _RENDER],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=Path(__file__).resolve().parents[3],
    )
    return out.stdout.split()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A cache folder filled by a fresh process that rendered personalized documents, and the
    documents' hashes (the faces parsed: the folder was empty)."""
    cache = tmp_path_factory.mktemp("font-cache")
    return cache, _render_in_fresh_process(cache)


def test_documents_are_the_same_bytes_with_faces_from_the_cache(
    rendered: tuple[Path, list[str]],
) -> None:
    cache, parsed = rendered
    written = sorted(p.name for p in (cache / "fonts").iterdir())
    assert "NotoSans-Regular.cdfont" in written and "NotoSansGurmukhi-Regular.cdfont" in written
    assert all(name.endswith(".cdfont") for name in written)  # no temporary file left behind
    assert _render_in_fresh_process(cache) == parsed


def _written(tmp_path: Path, filename: str = LATIN_FILE) -> tuple[Path, Path]:
    path = resource_path("fonts", filename)
    load_font("CdTestFace", path, True, tmp_path)
    return path, cache_file(path, tmp_path)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _corruptions(blob: bytes) -> dict[str, bytes]:
    magic_end = len(font_cache.MAGIC)
    return {
        "empty": b"",
        "garbage": os.urandom(4096),
        "truncated": blob[: len(blob) // 2],
        "one byte flipped in the tables": blob[:-100] + bytes([blob[-100] ^ 0x55]) + blob[-99:],
        "padded": blob + b"\0" * 8,
        "huge header length": blob[:magic_end] + (1 << 31).to_bytes(4, "little") + blob[12:],
        "header not JSON": blob[: magic_end + 4] + b"{" * 20 + blob[magic_end + 24 :],
        "deeply nested header": blob[:magic_end]
        + (16000).to_bytes(4, "little")
        + b"[" * 16000
        + blob[magic_end + 4 :],
        "other format": blob.replace(b'"format": 1', b'"format": 9', 1),
    }


def test_a_corrupt_cache_file_is_ignored_and_written_again(tmp_path: Path) -> None:
    path, target = _written(tmp_path)
    good = target.read_bytes()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert read_tables(good, digest) is not None
    parsed = TTFont("CdTestFace", str(path))
    for what, bad in _corruptions(good).items():
        assert read_tables(bad, digest) is None, what
        target.write_bytes(bad)
        font = load_font("CdTestFace", path, True, tmp_path)
        assert _comparable_face(font) == _comparable_face(parsed), what
        assert target.read_bytes() == good, what  # parsed again and the cache rewritten


def test_a_cache_that_passes_the_checksum_but_not_the_font_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tables rewritten with a matching payload checksum but glyph numbers past the font's
    glyph count (a crafted file) are refused before reportlab could index with them."""
    import json

    path, target = _written(tmp_path)
    blob = target.read_bytes()
    start = len(font_cache.MAGIC) + 4
    size = int.from_bytes(blob[len(font_cache.MAGIC) : start], "little")
    header = json.loads(blob[start : start + size])
    tables = read_tables(blob, header["font_sha256"])
    assert tables is not None
    face: Any = TTFont("CdTestFace", str(path)).face
    face.charToGlyph = {**face.charToGlyph, 0x41: face.numGlyphs + 7}
    forged = font_cache.encode_face(face, header["font_sha256"])
    assert forged is None  # never written: it does not fit the font
    # Built by hand around the checks of encode_face: still refused when read.
    digest = header["font_sha256"]
    with monkeypatch.context() as m:
        m.setattr(font_cache, "_fits", lambda _face, _tables: True)
        forged = font_cache.encode_face(face, digest)
    assert forged is not None
    target.write_bytes(forged)
    font = load_font("CdTestFace", path, True, tmp_path)
    assert font.face.charToGlyph[0x41] < font.face.numGlyphs
    assert target.read_bytes() == blob


def test_a_changed_font_file_is_parsed_again(tmp_path: Path) -> None:
    fonts = tmp_path / "fonts-folder"
    fonts.mkdir()
    path = fonts / "Face.ttf"
    shutil.copyfile(resource_path("fonts", LATIN_FILE), path)
    cache = tmp_path / "cache"
    load_font("CdTestFace", path, True, cache)
    first = cache_file(path, cache).read_bytes()
    # The file is replaced by another face under the same name (an update, a bad copy).
    shutil.copyfile(resource_path("fonts", "NotoSansGurmukhi-Regular.ttf"), path)
    font = load_font("CdTestFace", path, True, cache)
    parsed = TTFont("CdTestFace", str(path))
    assert _comparable_face(font) == _comparable_face(parsed)
    assert cache_file(path, cache).read_bytes() != first
    assert _sha(path) in cache_file(path, cache).read_bytes().decode("latin-1")


def test_another_reportlab_version_is_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, target = _written(tmp_path)
    before = target.read_bytes()
    import reportlab

    monkeypatch.setattr(reportlab, "Version", reportlab.Version + ".post9")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert read_tables(before, digest) is None
    load_font("CdTestFace", path, True, tmp_path)
    assert target.read_bytes() != before  # rewritten for this reportlab


def test_a_cache_folder_that_cannot_be_written_only_costs_the_parse(tmp_path: Path) -> None:
    """The folder's parent is a file (the test runs as root, which ignores permission bits, so
    a read-only mode alone would not stop it): the face is parsed, nothing raises, nothing is
    left behind."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"fictional")
    path = resource_path("fonts", LATIN_FILE)
    font = load_font("CdTestFace", path, True, blocker / "fonts")
    assert _comparable_face(font) == _comparable_face(TTFont("CdTestFace", str(path)))
    assert blocker.read_bytes() == b"fictional"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores modes")
def test_a_read_only_cache_folder_only_costs_the_parse(tmp_path: Path) -> None:
    folder = tmp_path / "fonts"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        path = resource_path("fonts", LATIN_FILE)
        font = load_font("CdTestFace", path, True, folder)
        assert font.face.numGlyphs > 0
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_concurrent_writers_leave_one_complete_cache_file(tmp_path: Path) -> None:
    path = resource_path("fonts", LATIN_FILE)
    parsed = TTFont("CdTestFace", str(path))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    target = cache_file(path, tmp_path)
    results: list[bool] = []
    start = threading.Barrier(6)

    def writer() -> None:
        start.wait()
        for _ in range(5):
            results.append(write_cache(parsed.face, digest, target))

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 30
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left
    assert read_tables(target.read_bytes(), digest) is not None
    font = load_font("CdTestFace", path, True, tmp_path)
    assert _comparable_face(font) == _comparable_face(parsed)


def test_no_document_text_reaches_the_cache(
    rendered: tuple[Path, list[str]], tmp_path: Path
) -> None:
    """The cache is written from the font file alone, before any text meets the face: after
    personalized documents in three scripts (HarfBuzz adds private glyph entries to shaped
    faces while drawing), each cache file is byte for byte what the font file alone gives."""
    cache, _hashes = rendered
    for written in (cache / "fonts").iterdir():
        font_path = resource_path("fonts", written.stem + ".ttf")
        alone = tmp_path / "alone"
        shutil.rmtree(alone, ignore_errors=True)
        load_font("CdTestFace", font_path, True, alone)
        assert written.read_bytes() == cache_file(font_path, alone).read_bytes(), written.name
        for name in ("Zephyrine", "Testcase"):
            for encoding in ("utf-8", "utf-16-be", "utf-16-le", "utf-32-le"):
                assert name.encode(encoding) not in written.read_bytes()
