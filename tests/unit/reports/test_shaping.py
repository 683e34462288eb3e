"""Bidi runs and HarfBuzz shaping: joiners reach the shaper, marks survive, runs are ordered."""

from __future__ import annotations

from clinician_desk.reports.fonts import ARABIC, LATIN, font_set_for, register_fonts
from clinician_desk.reports.shaping import shape, visual_segments
from clinician_desk.reports.text import _line_segments


def test_zwnj_reaches_harfbuzz_so_dari_words_stay_apart() -> None:
    register_fonts()
    fonts = font_set_for("fa-AF")
    segments = _line_segments("نشانه\u200cهای", fonts, False, "R")
    assert any("\u200c" in text for _, text, _ in segments)
    with_zwnj = str(shape("نشانه\u200cهای", ARABIC, 12, True)[0])
    joined = str(shape("نشانههای", ARABIC, 12, True)[0])
    assert with_zwnj != joined  # the heh before the ZWNJ takes its final form, not medial


def test_marks_stay_with_their_letters_and_runs_are_in_visual_order() -> None:
    register_fonts()

    def face(ch: str) -> str:
        return LATIN if ch.isascii() else ARABIC

    segs = visual_segments("call 988 سمِّ الشعور now", "L", face, {ARABIC}.__contains__)
    texts = [s.text for s in segs]
    assert texts[0].startswith("call 988") and texts[-1].endswith("now")
    arabic = [s for s in segs if s.face == ARABIC]
    assert len(arabic) == 1 and arabic[0].rtl and "\u0651" in arabic[0].text  # shadda kept
