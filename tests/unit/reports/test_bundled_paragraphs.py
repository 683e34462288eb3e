"""Bundled texts (handout titles, headings, crisis lines) are parsed into reportlab fragments
once per process; text the clinician typed or the student's details never enter that cache."""

from __future__ import annotations

import unicodedata

import pytest

from clinician_desk.reports import text as rtext
from clinician_desk.reports.fonts import LATIN_SET, covered, font_set_for, left_to_right
from clinician_desk.reports.handout import render_handout
from clinician_desk.reports.layout import styles_for
from clinician_desk.reports.models import PersonalDetails

NAME = "Zephyrine Cachecheckovna"


def test_bundled_text_is_parsed_once_and_each_document_gets_its_own_flowable() -> None:
    rtext.clear_bundled_cache()
    style = styles_for(LATIN_SET).body
    first = rtext.paragraph("Call 988 — any hour.", style, LATIN_SET, bundled=True)
    parsed = rtext.bundled_cache_info()
    second = rtext.paragraph("Call 988 — any hour.", style, LATIN_SET, bundled=True)
    assert rtext.bundled_cache_info() == (parsed[0] + 1, parsed[1])  # one more hit, no new parse
    assert first is not second
    assert first.frags is second.frags  # the parse is shared, the flowable is not


def test_a_changed_text_is_parsed_again_not_served_stale() -> None:
    rtext.clear_bundled_cache()
    style = styles_for(LATIN_SET).body
    old = rtext.paragraph("Text of the old edition.", style, LATIN_SET, bundled=True)
    new = rtext.paragraph("Text of the new edition.", style, LATIN_SET, bundled=True)
    assert rtext.bundled_cache_info()[1] == 2
    assert "new edition" in "".join(f.text for f in new.frags)
    assert "old edition" in "".join(f.text for f in old.frags)
    # Another style (size, face) is another entry too.
    rtext.paragraph("Text of the new edition.", styles_for(LATIN_SET).h1, LATIN_SET, bundled=True)
    assert rtext.bundled_cache_info()[1] == 3


def test_student_details_never_enter_the_cache() -> None:
    rtext.clear_bundled_cache()
    who = PersonalDetails(NAME, ("Individual counseling",), 6)
    for language in ("en", "es"):
        render_handout("suicide-warning-signs", language, who)
    texts = rtext.bundled_cache_texts()
    assert texts, "the handout's own texts are cached"
    assert not any(NAME in t or "Zephyrine" in t for t in texts)
    assert not any("Individual counseling" in t for t in texts)


def test_the_same_pdf_with_a_cold_and_a_warm_cache() -> None:
    who = PersonalDetails("Testcase Example", ("Group",), 3)
    rtext.clear_bundled_cache()
    cold = render_handout("suicide-warning-signs", "en", who)
    warm = render_handout("suicide-warning-signs", "en", who)
    again = render_handout("suicide-warning-signs", "en", who)
    assert cold == warm == again
    generic_cold = render_handout("suicide-warning-signs", "es")
    assert render_handout("suicide-warning-signs", "es") == generic_cold


def test_the_cache_is_bounded() -> None:
    rtext.clear_bundled_cache()
    style = styles_for(LATIN_SET).body
    for i in range(rtext.BUNDLED_PARAGRAPHS + 10):
        rtext.paragraph(f"Line {i}", style, LATIN_SET, bundled=True)
    assert rtext.bundled_cache_info()[1] == rtext.BUNDLED_PARAGRAPHS + 10
    assert len(rtext.bundled_cache_texts()) == rtext.BUNDLED_PARAGRAPHS


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("Plain English text, 988 and 911.", False),
        ("Đi dạo với em họ của tôi sau giờ học", False),
        ("Гулять с двоюродной сестрой", False),
        ("Curly “quotes” – dashes … ellipsis", False),
        ("", False),
        ("A Dari name: فرشته in a Latin line", True),
        ("Hebrew שלום here", True),
        ("Arabic digits ٣٤٥", True),
        ("ਆਪਣੀ ਚਚੇਰੀ in English", True),
    ],
)
def test_needs_bidi_on_an_english_document(sample: str, expected: bool) -> None:
    fonts = font_set_for("en")
    for bold in (False, True):
        assert rtext.needs_bidi(sample, fonts, bold) is expected


def test_nothing_below_u0590_is_right_to_left() -> None:
    """What lets ``needs_bidi`` skip the per-face set of left-to-right characters."""
    for face in (LATIN_SET.regular, LATIN_SET.bold):
        assert all(ch in left_to_right(face) for ch in covered(face) if ch < "\u0590")
    assert not [c for c in range(0x590) if unicodedata.bidirectional(chr(c)) in ("R", "AL", "AN")]
