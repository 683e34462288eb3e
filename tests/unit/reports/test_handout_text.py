"""The handout text format: parsing, placeholders, labels and the bundled library's shape."""

from __future__ import annotations

import pytest

from clinician_desk.errors import NotFoundError, ValidationError
from clinician_desk.reports import handout_library as lib
from clinician_desk.reports.handout_text import LABEL_KEYS, parse_handout, parse_labels

GOOD = """---
title: Sleep for {who}
language: en
topic: sleep
status: draft
---
# First heading
One paragraph
over two lines.

- An item
that continues.
- Second item
# Second heading
Last words.
"""

REQUIRED_TOPICS = {
    "counseling-and-confidentiality",
    "anxiety",
    "low-mood",
    "sleep",
    "stress-and-coping",
    "suicide-warning-signs",
}
REQUIRED_LANGUAGES = {"en", "es", "vi", "zh-Hant", "ru", "uk", "hmn", "pa", "ar", "fa-AF"}


def test_parse_blocks_and_placeholders() -> None:
    text = parse_handout(GOOD, source="t.txt", values={"who": "families"})
    assert text.title == "Sleep for families"
    assert text.is_draft
    assert [(b.kind, b.text) for b in text.blocks] == [
        ("heading", "First heading"),
        ("paragraph", "One paragraph over two lines."),
        ("item", "An item that continues."),
        ("item", "Second item"),
        ("heading", "Second heading"),
        ("paragraph", "Last words."),
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (GOOD.replace("---\ntitle", "title", 1), "must start with a '---'"),
        (GOOD.replace("status: draft", "status: final"), "status must be"),
        (GOOD.replace("topic: sleep\n", ""), "needs 'topic:'"),
        (GOOD.replace("\n---\n# First", "\n# First"), "front matter lines are"),
        (GOOD.replace("{who}", "{nobody}"), "unknown placeholder {nobody}"),
        (GOOD.split("---\n# First")[0] + "---\n", "no content"),
        (GOOD.replace("# First heading", "#First heading"), "a heading is '# text'"),
    ],
)
def test_malformed_handouts_name_the_problem(source: str, message: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_handout(source, source="bad.txt", values={"who": "x"})
    assert message in str(err.value)
    assert "bad.txt" in str(err.value)


def test_labels_need_every_key_and_page_placeholders() -> None:
    full = "\n".join(f"{k}: value {{page}} {{pages}}" for k in LABEL_KEYS)
    assert parse_labels(full, source="l.txt")["student"].startswith("value")
    with pytest.raises(ValidationError, match="missing labels: none"):
        parse_labels(full.replace("\nnone:", "\nnope:"), source="l.txt")
    with pytest.raises(ValidationError, match="needs"):
        parse_labels(full.replace("page: value {page} {pages}", "page: Page"), source="l.txt")


def test_every_language_has_every_topic_with_the_right_status() -> None:
    assert REQUIRED_TOPICS <= set(lib.topics())
    assert REQUIRED_LANGUAGES <= set(lib.languages())
    for language in lib.languages():
        lib.labels(language)
        for topic in lib.topics():
            text = lib.load_handout(topic, language)
            assert text.status == ("reviewed" if language == "en" else "draft")
            assert len(text.blocks) >= 4


def test_crisis_line_comes_from_the_contacts_file() -> None:
    for language in lib.languages():
        value = lib.contacts_for(language)["county_crisis_line"]
        text = lib.load_handout("suicide-warning-signs", language).plain_text()
        assert value in text
        assert "988" in text
        assert "{" not in text


def test_unknown_topic_and_language_list_what_exists() -> None:
    with pytest.raises(NotFoundError, match=r"available: .*anxiety"):
        lib.load_handout("homework-tips", "en")
    with pytest.raises(NotFoundError, match="available: en"):
        lib.load_handout("anxiety", "klingon")
