"""Handouts as real PDFs in every language: words, glyph coverage, metadata, pictures."""

from __future__ import annotations

import itertools
import re
import unicodedata

import pytest

from clinician_desk.errors import NotFoundError
from clinician_desk.reports import handout_library as lib
from clinician_desk.reports.fonts import font_set_for
from clinician_desk.reports.handout import language_tag, render_handout
from clinician_desk.reports.layout import styles_for
from clinician_desk.reports.text import normalize
from tests.support.pdf_glyphs import (
    INVISIBLE,
    chars_and_unknown,
    cmap,
    could_be,
    drawn_text,
    split_words,
)
from tests.support.pdf_tools import LETTER, font_names, reader, save_first_page_png, text_of

from .report_samples import STUDENT, personal

# Characters that are not drawn: spaces and format controls (ZWNJ/ZWJ, bidi marks).


@pytest.mark.parametrize("language", lib.languages())
def test_every_character_of_every_handout_has_a_glyph(language: str) -> None:
    fonts = font_set_for(language)
    texts = [lib.load_handout(t, language).plain_text() for t in lib.topics()]
    texts += list(lib.labels(language).values())
    missing: set[str] = set()
    for bold in (False, True):
        primary, fallback = cmap(fonts.face(bold)), cmap(fonts.fallback_face(bold))
        for text in texts:
            for ch in drawn_text(language, text):
                if unicodedata.category(ch) in INVISIBLE:
                    continue
                if ord(ch) not in primary and ord(ch) not in fallback:
                    missing.add(f"U+{ord(ch):04X} {ch}")
    assert not missing, f"{language}: no glyph for {sorted(missing)}"


@pytest.mark.parametrize("language", lib.languages())
def test_handout_pdf_text_metadata_and_picture(language: str, artifacts_dir) -> None:
    topic = "suicide-warning-signs"
    handout = lib.load_handout(topic, language)
    pdf = render_handout(topic, language)
    doc = reader(pdf)
    meta = doc.metadata
    assert meta is not None
    assert meta.title == handout.title
    assert meta.author == "clinician-desk"
    assert doc.trailer["/Root"]["/Lang"] == language_tag(language)
    box = doc.pages[0].mediabox
    assert (float(box.width), float(box.height)) == LETTER
    # Only bundled TrueType fonts, embedded as subsets: never a standard-14 font.
    names = font_names(pdf)
    assert names and all(re.fullmatch(r"/[A-Z]{6}\+(Noto|WenQuanYi)\S+", n) for n in names), names

    extracted = text_of(pdf)
    assert "988" in extracted
    assert lib.contacts_for(language)["county_crisis_line"].replace(" ", "") in extracted.replace(
        " ", ""
    )
    fonts = font_set_for(language)
    logical = normalize(handout.plain_text())
    # Arabic script: harakat are kept (HarfBuzz positions them) and so is the ZWNJ
    # ("نشانه‌های"): the extracted words must match the source exactly.
    words = split_words(logical)
    if fonts.cjk:
        # No spaces between Chinese words: compare character runs instead.
        found = [w for w in words if w in extracted.replace(" ", "")]
    elif fonts.shaping:
        # Gurmukhi: extraction returns glyphs in visual order (a vowel sign may move before its
        # consonant), so compare each word's characters rather than their order; a ligature glyph
        # with no single character behind it comes back as a private-use code point.
        # pypdf puts a space where a vowel sign is drawn with an offset ("ਨੰ ਬਰ"): a word
        # may come back in two pieces, so neighbouring pieces are candidates too.
        pieces = split_words(extracted)
        pieces += [a + b for a, b in itertools.pairwise(pieces)]
        pool = [chars_and_unknown(w) for w in pieces]
        found = [w for w in words if any(could_be(w, *p) for p in pool)]
    else:
        found = [w for w in words if w in extracted]
    assert len(found) >= 0.97 * len(words), sorted(set(words) - set(found))[:20]
    if handout.is_draft:
        notice = unicodedata.normalize("NFKC", lib.labels(language)["draft_notice"])
        assert notice.split()[0].strip(":") in extracted
    save_first_page_png(pdf, artifacts_dir / "reports", f"handout-{topic}-{language}")


@pytest.mark.parametrize("language", ["en", "vi", "zh-Hant", "pa", "ar", "fa-AF"])
def test_personalized_handout_shows_the_student_section(language: str, artifacts_dir) -> None:
    pdf = render_handout("anxiety", language, personal())
    extracted = text_of(pdf)
    assert STUDENT.split()[0] in extracted
    assert "PHQ-A" in extracted
    assert "Confidential health information" in extracted
    for key in ("student", "services"):
        label = lib.labels(language)[key]
        if not font_set_for(language).shaping:
            assert label.split("/")[0] in extracted
    save_first_page_png(pdf, artifacts_dir / "reports", f"handout-personal-anxiety-{language}")


def test_body_text_is_at_least_11_points() -> None:
    for language in lib.languages():
        styles = styles_for(font_set_for(language))
        assert styles.body.fontSize >= 11
        assert styles.item.fontSize >= 11


def test_bad_topic_or_language_is_refused() -> None:
    with pytest.raises(NotFoundError):
        render_handout("nope", "en")
    with pytest.raises(NotFoundError):
        render_handout("sleep", "xx")


def test_a_long_right_to_left_paragraph_flows_over_pages() -> None:
    from reportlab.platypus import Flowable

    from clinician_desk.reports.layout import DocMeta, build_pdf
    from clinician_desk.reports.text import paragraph

    fonts = font_set_for("ar")
    sentence = "يمكن منع الانتحار. اتصل بالرقم 988 في أي وقت."
    story: list[Flowable] = [paragraph(" ".join([sentence] * 150), styles_for(fonts).body, fonts)]
    pdf = build_pdf(story, DocMeta(title="t", language="ar", fonts=fonts))
    assert len(reader(pdf).pages) >= 2
    assert text_of(pdf).count("988") == 150


def test_no_chinese_line_starts_with_closing_punctuation() -> None:
    for topic in lib.topics():
        pdf = render_handout(topic, "zh-Hant")
        for page in reader(pdf).pages:
            for line in page.extract_text().splitlines():
                assert not line.startswith(("，", "。", "、", "：", "；", "）", "」")), (
                    topic,
                    line,
                )


@pytest.mark.parametrize("language", ["en", "pa", "zh-Hant", "ar"])
def test_odd_text_never_breaks_a_document(language: str) -> None:
    from dataclasses import replace

    from clinician_desk.errors import ValidationError

    odd = ["<b>x</b> & <font name=y>", "\x07 bell", "مرحبا <i> 王 ਸਤਿ", "&amp; ]]>"]
    for text in odd:
        render_handout("sleep", language, replace(personal(), student_name=text, results=(text,)))
    # A character no bundled font has is refused, named by code point, never silently dropped.
    for text, code in (("emoji 😀", "U+1F600"), ("مرحبا שלום", "U+05E9")):
        with pytest.raises(ValidationError, match=re.escape(code)) as refused:
            render_handout("sleep", language, replace(personal(), student_name=text))
        assert text not in str(refused.value)
        assert "student_name" in str(refused.value)  # the field, not its content
    with pytest.raises(ValidationError, match="far too long"):
        render_handout("sleep", language, replace(personal(), results=("a" * 6000,)))
