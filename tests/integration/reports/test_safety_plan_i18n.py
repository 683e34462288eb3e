"""The safety plan in every family language: glyphs, extracted words, order, defaults, refusals.

Every name and entry here is synthetic and obviously fictional.
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest

from clinician_desk.errors import NotFoundError, ValidationError
from clinician_desk.reports import handout_library as lib
from clinician_desk.reports.document_text import parse_document_text
from clinician_desk.reports.fonts import font_set_for
from clinician_desk.reports.handout import language_tag
from clinician_desk.reports.safety_plan import render_safety_plan
from clinician_desk.reports.safety_plan_text import REQUIRED, plan_text, safety_plan_languages
from clinician_desk.reports.text import normalize
from clinician_desk.services.printing import DocumentRequest, DraftTranslationError
from tests.support.pdf_glyphs import (
    INVISIBLE,
    chars_and_unknown,
    cmap,
    could_be,
    drawn_text,
    split_words,
)
from tests.support.pdf_tools import LETTER, font_names, reader, save_first_page_png, text_of

from .conftest import Vault, _student
from .report_samples import safety_plan_doc

LANGUAGES = ("en", "es", "vi", "zh-Hant", "ru", "uk", "hmn", "pa", "ar", "fa-AF")
# Entries as a student might type them, in the plan's own script (fictional).
OWN_ENTRY = {
    "en": "Walk the dog with my cousin",
    "es": "Caminar con mi prima después de clase",
    "vi": "Đi dạo với em họ của tôi",
    "zh-Hant": "和表妹一起去公園散步",
    "ru": "Гулять с двоюродной сестрой",
    "uk": "Гуляти з двоюрідною сестрою",
    "hmn": "Mus taug kev nrog kuv tus npawg",
    "pa": "ਆਪਣੀ ਚਚੇਰੀ ਭੈਣ ਨਾਲ ਸੈਰ ਕਰਨਾ",
    "ar": "المشي مع ابنة عمي",
    "fa-AF": "قدم زدن با دختر کاکایم",
}
PHONE = "(555) 010-0000"


def _doc(language: str):  # type: ignore[no-untyped-def]
    doc = safety_plan_doc(empty_step=3)
    steps = tuple(
        replace(s, items=(OWN_ENTRY[language], *s.items)) if s.number == 2 else s for s in doc.steps
    )
    return replace(doc, steps=steps)


def test_every_language_of_the_handouts_has_the_plan() -> None:
    assert set(safety_plan_languages()) == set(LANGUAGES) == set(lib.languages())
    assert plan_text("en").status == "reviewed"
    assert all(plan_text(lang).is_draft for lang in LANGUAGES if lang != "en")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_character_of_the_plan_has_a_glyph(language: str) -> None:
    fonts = font_set_for(language)
    texts = [*plan_text(language).words.values(), OWN_ENTRY[language]]
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


def _found(language: str, logical: str, extracted: str) -> tuple[list[str], list[str]]:
    fonts = font_set_for(language)
    logical = normalize(logical)
    # Harakat and ZWNJ are kept: Arabic script is compared with the source as typed.
    words = split_words(logical)
    if fonts.cjk:
        found = [w for w in words if w in extracted.replace(" ", "")]
    elif fonts.shaping:
        # pypdf puts a space where a vowel sign is drawn with an offset ("ਨੰ ਬਰ"): a word
        # may come back in two pieces, so neighbouring pieces are candidates too.
        pieces = split_words(extracted)
        pieces += [a + b for a, b in itertools.pairwise(pieces)]
        pool = [chars_and_unknown(w) for w in pieces]
        found = [w for w in words if any(could_be(w, *p) for p in pool)]
    else:
        found = [w for w in words if w in extracted]
    return words, found


@pytest.mark.parametrize("language", LANGUAGES)
def test_plan_pdf_words_numbers_metadata_and_picture(language: str, artifacts_dir: Path) -> None:
    words = plan_text(language)
    pdf = render_safety_plan(_doc(language), language)
    doc = reader(pdf)
    assert doc.metadata is not None and doc.metadata.title == words["title"]
    assert doc.trailer["/Root"]["/Lang"] == language_tag(language)
    box = doc.pages[0].mediabox
    assert (float(box.width), float(box.height)) == LETTER
    names = font_names(pdf)
    assert names and all(re.fullmatch(r"/[A-Z]{6}\+(Noto|WenQuanYi)\S+", n) for n in names), names

    extracted = text_of(pdf)
    # Numbers keep their left-to-right order in every script, right-to-left included.
    # (Extraction may put spaces between runs of different fonts, so spaces are squeezed.)
    squeezed = extracted.replace(" ", "")
    for number in ("988", "911", "2026-10-01", PHONE.replace(" ", ""), "988lifeline.org"):
        assert number in squeezed, number
    assert lib.contacts_for(language)["county_crisis_line"].replace(" ", "") in extracted.replace(
        " ", ""
    )
    # The student's entries print as typed, Latin ones inside any script too.
    assert "Draw in my sketchbook" in extracted
    assert "Zephyrine" in extracted
    fixed = [v for k, v in words.words.items() if k not in ("step", "page")]
    fixed += [OWN_ENTRY[language]]
    logical_words, found = _found(language, "\n".join(fixed), extracted)
    assert len(found) >= 0.97 * len(logical_words), sorted(set(logical_words) - set(found))[:20]
    english_notice = plan_text("en")["draft_notice"]
    if words.is_draft:
        assert english_notice in extracted
        notice = unicodedata.normalize("NFKC", words["draft_notice"])
        head = _found(language, notice, extracted)
        assert len(head[1]) == len(head[0]), head
    else:
        assert english_notice not in extracted
    save_first_page_png(pdf, artifacts_dir / "reports", f"safety-plan-{language}")


@pytest.mark.parametrize("language", ["ar", "fa-AF"])
def test_right_to_left_text_is_right_aligned_and_numbers_read_left_to_right(
    language: str,
) -> None:
    pdf = render_safety_plan(_doc(language), language)
    runs: list[tuple[float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_args: object) -> None:
        if text.strip():
            runs.append((cm[4] + tm[4], unicodedata.normalize("NFKC", text).strip()))

    reader(pdf).pages[0].extract_text(visitor_text=visit)
    x = {text: pos for pos, text in runs}
    title = plan_text(language)["title"]
    assert max(x.get(title, 0), x.get(title.replace("\u200c", ""), 0)) > 300  # right-aligned
    assert x[plan_text("en")["draft_notice"]] < 80  # the English notice stays left to right
    assert "2026-10-01" in x  # the date is one left-to-right run, year first


def test_step_five_keeps_what_was_typed_and_replaces_only_the_records_english_988() -> None:
    from clinician_desk.domain.safety_plans import LIFELINE_988

    doc = safety_plan_doc()
    typed = ("Text 988 if I cannot sleep", LIFELINE_988)
    steps = tuple(replace(s, items=typed) if s.number == 5 else s for s in doc.steps)
    text = text_of(render_safety_plan(replace(doc, steps=steps), "es"))
    assert "Text 988 if I cannot sleep" in text
    assert LIFELINE_988 not in text and "Línea de Prevención del Suicidio" in text


def test_unknown_language_is_a_clear_error() -> None:
    with pytest.raises(NotFoundError, match=r"no safety plan in language 'xx'.*available: en"):
        render_safety_plan(safety_plan_doc(), "xx")


def test_a_broken_plan_file_names_the_file_and_what_is_missing() -> None:
    good = "---\ndocument: safety-plan\nlanguage: en\nstatus: draft\n---\n"
    with pytest.raises(ValidationError, match=r"x\.txt: missing keys: title"):
        parse_document_text(good, source="x.txt", required=REQUIRED, values={})
    with pytest.raises(ValidationError, match="unknown placeholder"):
        parse_document_text(
            good + "title: {nope}\n", source="x.txt", required=("title",), values={}
        )
    with pytest.raises(ValidationError, match="status"):
        parse_document_text(good.replace("draft", "final"), source="x", required=(), values={})
    with pytest.raises(ValidationError, match="given twice"):
        parse_document_text(good + "a: 1\na: 2\n", source="x", required=(), values={})


# -- through the print service, on a real vault ---------------------------------------------


def _with_plan(vault: Vault, n: int, language: str, guardian_language: str) -> int:
    sid = vault.record.create_student(replace(_student(n, guardian_language), language=language))
    vault.record.save_safety_plan(sid, {"warning_signs": (OWN_ENTRY["ar"], "Can't sleep")})
    return sid


def test_default_language_is_the_students_then_the_guardians_then_english(vault: Vault) -> None:
    arabic = _with_plan(vault, 11, "Arabic", "Spanish")
    unknown = _with_plan(vault, 12, "Klingon", "Dari")
    nothing = _with_plan(vault, 13, "", "")

    def produce(sid: int, **kw: object):  # type: ignore[no-untyped-def]
        return vault.printing.produce(DocumentRequest("safety-plan", student_id=sid, **kw))

    with pytest.raises(DraftTranslationError, match="--accept-draft"):
        produce(arabic)
    printed = produce(arabic, accept_draft=True)
    assert printed.language == "ar" and printed.note == ""
    assert "988" in text_of(printed.pdf)
    printed = produce(unknown, accept_draft=True)
    assert printed.language == "fa-AF"
    assert "Klingon" in printed.note
    printed = produce(nothing)
    assert printed.language == "en" and printed.note == ""
    # Guardian only (the fixture's student): Spanish.
    assert produce(vault.parent_consented, accept_draft=True).language == "es"
    # A chosen language wins, by code or by name; an unknown one lists what exists.
    assert produce(arabic, language="en").language == "en"
    assert produce(arabic, language="Punjabi", accept_draft=True).language == "pa"
    with pytest.raises(NotFoundError, match="available"):
        produce(arabic, language="xx")


def test_export_audits_the_language_and_the_draft(vault: Vault, tmp_path: Path) -> None:
    target = tmp_path / "plan.pdf"
    req = DocumentRequest(
        "safety-plan", student_id=vault.parent_consented, language="zh-Hant", accept_draft=True
    )
    vault.printing.export(req, target)
    assert "988" in text_of(target.read_bytes())
    with vault.db.read() as conn:
        row = conn.execute(
            "SELECT details FROM audit_log WHERE action = 'safety-plan.exported'"
        ).fetchone()
    details = json.loads(row[0])
    assert details["language"] == "zh-Hant" and details["draft_translation"] is True


# -- clinician-desk-admin print safety-plan --lang ------------------------------------------


def test_cli_prints_the_plan_in_the_chosen_or_default_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from clinician_desk.cli import build_parser, run
    from clinician_desk.clock import FakeClock
    from clinician_desk.config import AppPaths
    from clinician_desk.services.record.service import RecordService
    from clinician_desk.storage import Database
    from clinician_desk.vault import TEST_KDF, create_vault

    passphrase = "amber lantern over 7 hills"
    monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", passphrase)
    data = tmp_path / "data"
    paths = AppPaths.from_option(data).vault("default")
    key, _ = create_vault(paths, passphrase, kdf=TEST_KDF)
    db = Database.open(paths.database, key, clock=FakeClock(), create=True)
    record = RecordService(db)
    sid = record.create_student(replace(_student(21, "Vietnamese"), language="Punjabi"))
    record.save_safety_plan(sid, {"warning_signs": ("Can't sleep",)})
    db.close()
    key.wipe()

    def admin(*argv: str) -> int:
        base = ["--data-dir", str(data), "print", "safety-plan", "--student", str(sid)]
        return run(build_parser().parse_args([*base, *argv]))

    out = tmp_path / "plan.pdf"
    assert admin("-o", str(out)) == 2  # Punjabi is a draft: needs the confirmation
    assert "--accept-draft" in capsys.readouterr().err and not out.exists()
    assert admin("--accept-draft", "-o", str(out)) == 0
    assert "safety-plan, pa)" in capsys.readouterr().out
    assert admin("--lang", "en", "--force", "-o", str(out)) == 0
    assert "My Safety Plan" in text_of(out.read_bytes())
    assert admin("--lang", "xx", "-o", str(tmp_path / "x.pdf")) == 2
    err = capsys.readouterr().err
    assert "no safety plan in language 'xx'" in err and "Traceback" not in err
    assert not (tmp_path / "x.pdf").exists()
