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
