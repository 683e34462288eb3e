"""Right-to-left lines: joining, visual order, mirrored brackets, numbers kept left to right."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from clinician_desk.reports.handout_text import parse_handout
from clinician_desk.reports.text import base_direction, visual_line


def _letters(text: str) -> str:
    """Presentation forms back to base letters (what a reader sees, as logical characters)."""
    return unicodedata.normalize("NFKC", text)


def test_arabic_line_is_reversed_and_joined() -> None:
    visual = visual_line("خط مساعدة")
    assert any(0xFE70 <= ord(ch) <= 0xFEFF for ch in visual)  # contextual forms, not isolated
    assert _letters(visual) == "ةدعاسم طخ"
    assert "\ufef5" in visual_line("الآن")  # lam-alef ligature


def test_brackets_are_mirrored_and_phone_numbers_stay_left_to_right() -> None:
    visual = _letters(visual_line("اتصل (مرحبا) على (916) 555-0100 فورا"))
    assert "(916) 555-0100" in visual
    assert "(ابحرم)" in visual
    assert visual.startswith("اروف ")


def test_blank_placeholder_keeps_its_shape() -> None:
    assert "(____) ____-______" in visual_line("خط: (____) ____-______")


def test_latin_value_in_a_right_to_left_document_keeps_its_order() -> None:
    assert base_direction("PHQ-A 2026-10-01: 9 (mild)") == "L"
    assert base_direction("988 خط") == "R"
    assert visual_line("PHQ-A 9 (mild)", base_direction("PHQ-A 9 (mild)")) == "PHQ-A 9 (mild)"


_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
_line = st.lists(_word, min_size=1, max_size=6).map(" ".join)
_block = st.tuples(st.sampled_from(["heading", "paragraph", "item"]), _line)


@settings(max_examples=60, deadline=None)
@given(st.lists(_block, min_size=1, max_size=8))
def test_handout_format_round_trips(blocks: list[tuple[str, str]]) -> None:
    lines = ["---", "title: T", "language: en", "topic: t", "status: draft", "---"]
    for kind, text in blocks:
        if kind == "heading":
            lines += [f"# {text}", ""]
        elif kind == "item":
            lines += [f"- {text}", ""]
        else:
            lines += [text, ""]
    parsed = parse_handout("\n".join(lines), source="gen.txt", values={})
    assert [(b.kind, b.text) for b in parsed.blocks] == blocks
