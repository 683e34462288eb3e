"""Fonts are registered face by face when first needed, and built subsets are reused."""

from __future__ import annotations

import subprocess
import sys

from reportlab.pdfbase import pdfmetrics

from clinician_desk.reports.fonts import LATIN, covered, left_to_right, register_font
from clinician_desk.reports.text import markup, needs_bidi

_FRESH = """
from reportlab.pdfbase import pdfmetrics
from clinician_desk.reports.handout import render_handout
render_handout("anxiety", "en")
print(",".join(sorted(n for n in pdfmetrics.getRegisteredFontNames() if n.startswith("Cd"))))
"""


def test_an_english_handout_registers_only_the_latin_faces() -> None:
    # A fresh process: this one may have registered every face for other tests.
    out = subprocess.run(
        [sys.executable, "-c", _FRESH], check=True, capture_output=True, text=True, timeout=120
    )
    assert out.stdout.split()[-1] == "CdNotoSans,CdNotoSans-Bold"


def test_a_subset_already_built_is_reused() -> None:
    register_font(LATIN)
    face = pdfmetrics.getFont(LATIN).face
    subset = [ord(c) for c in "Fictional handout"]
    first = face.makeSubset(subset)
    assert face.makeSubset(list(subset)) is first
    assert face.makeSubset([ord(c) for c in "Another text"]) != first


def test_the_whole_text_checks_agree_with_the_character_checks() -> None:
    latin = covered(LATIN)
    assert latin.issuperset("Zephyrine Testcase, 988 (555) 010-0000\n")
    assert not latin.issuperset("王小明")
    assert "\u0627" not in left_to_right(LATIN)  # alef is right to left, and not in NotoSans
    from clinician_desk.reports.fonts import font_set_for

    en = font_set_for("en")
    assert not needs_bidi("Plain fictional text.", en)
    assert needs_bidi("Zephyrine فرشته", en)
    assert markup("Plain & fictional <text>", en) == "Plain &amp; fictional &lt;text&gt;"
    assert 'face="CdWenQuanYiMicroHei"' in markup("Zephyrine 王小明", en)


def test_a_cached_subset_is_embedded_deflated_and_reads_back() -> None:
    import io
    import zlib

    import pypdf

    from clinician_desk.reports.handout import render_handout

    first = render_handout("anxiety", "en")
    again = render_handout("anxiety", "en")
    assert again == first  # the cached, deflated subsets are the bytes reportlab would write
    reader = pypdf.PdfReader(io.BytesIO(again))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descriptors = [f.get_object()["/FontDescriptor"] for f in fonts.values()]
    assert len(descriptors) == 2  # the Latin regular and bold subsets
    for descriptor in descriptors:
        stream = descriptor.get_object()["/FontFile2"].get_object()
        assert stream["/Filter"] in ("/FlateDecode", ["/FlateDecode"])
        raw = zlib.decompress(stream._data)
        assert len(raw) == stream["/Length1"] and raw[:4] == b"\x00\x01\x00\x00"
    assert "anxiety" in reader.pages[0].extract_text().lower()
