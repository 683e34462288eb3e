"""The smaller findings of the page-by-page review (issue 19): list separators per language, the
confidentiality line in the family's language, Hmong and Chinese wording, the Stanley–Brown
closing question, room to write after entries, and a missing language named once."""

from __future__ import annotations

from dataclasses import replace

import pytest

from clinician_desk.reports import handout_library as lib
from clinician_desk.reports.handout import render_handout
from clinician_desk.reports.safety_plan import plan_text, render_safety_plan
from clinician_desk.services.printing import DocumentRequest
from tests.support.pdf_tools import text_of

from .conftest import Vault, _student
from .report_samples import personal, safety_plan_doc


@pytest.mark.parametrize(("language", "mark"), [("ar", "،"), ("fa-AF", "،"), ("zh-Hant", "、")])
def test_lists_use_the_languages_separator(language: str, mark: str) -> None:
    who = replace(personal(), services=("ألف", "باء") if language != "zh-Hant" else ("甲", "乙"))
    text = text_of(render_handout("sleep", language, who))
    assert mark in text
    assert "ألف, باء" not in text and "甲, 乙" not in text


@pytest.mark.parametrize("language", ["es", "vi", "zh-Hant", "ar"])
def test_personalized_handout_says_confidential_in_the_language(language: str) -> None:
    text = text_of(render_handout("sleep", language, personal())).replace(" ", "")
    assert plan_text(language)["confidential"].replace(" ", "") in text
    assert "Confidentialhealthinformation" in text


def test_hmong_and_chinese_wording() -> None:
    every = " ".join(lib.load_handout(topic, "hmn").plain_text() for topic in lib.topics())
    for leftover in ("snoring", "social media", "them xov tooj"):
        assert leftover not in every
    assert "可以陪伴我的人" in plan_text("zh-Hant")["prompt.3"]


@pytest.mark.parametrize("language", ["en", "es", "ar", "pa"])
def test_plan_has_the_stanley_brown_question_and_room_to_write(language: str) -> None:
    text = text_of(render_safety_plan(safety_plan_doc(), language))
    question = plan_text(language)["reason_for_living"]
    assert question.split()[0] in text
    # Every step with entries leaves a line to write one more by hand, plus the question's.
    assert text.count("_" * 52) >= 6 + 1


def test_a_missing_language_is_named_once(vault: Vault) -> None:
    data = replace(_student(9, "Tagalog", district_student_number="900909"), language="Tagalog")
    sid = vault.record.create_student(data)
    vault.record.save_safety_plan(sid, {"warning_signs": ("Cannot sleep",)})
    printed = vault.printing.produce(DocumentRequest("safety-plan", student_id=sid))
    assert printed.note == "There is no safety plan in Tagalog; printing in English."


def test_traditional_chinese_headings_are_bold() -> None:
    """WenQuanYi has no bold face: headings are drawn filled and stroked (text mode 2)."""
    from tests.support.pdf_tools import reader

    pdf = render_safety_plan(safety_plan_doc(), "zh-Hant")
    content = reader(pdf).pages[0].get_contents()
    assert content is not None and b" 2 Tr" in content.get_data()
    assert plan_text("zh-Hant")["title"] in text_of(pdf)
    latin = reader(render_safety_plan(safety_plan_doc(), "en")).pages[0].get_contents()
    assert latin is not None and b" 2 Tr" not in latin.get_data()  # Noto Sans has a bold face
