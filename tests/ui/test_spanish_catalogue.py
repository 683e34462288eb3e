"""The Spanish UI catalogue covers every string the UI shows; the main window in Spanish.

Strings are found as ``python -m ui.i18n extract`` finds them (``_``, ``N_``, ``ngettext``,
f-strings included), so a new ``_("…")`` without a Spanish entry fails here; Qt text setters
given a bare literal (never translated at all) fail too. Every student is fictional.
"""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.support.ui import CHEAP_KDF, PASSPHRASE, grab
from ui import i18n
from ui.i18n_catalogue import extract_messages
from ui.widgets import confirm

UI_DIR = Path(i18n.__file__).resolve().parent
_FIELD = re.compile(r"\{(\w*)[^{}]*\}")
# Qt calls whose string arguments reach the screen (or a screen reader) as they are.
SETTERS = {
    "setText",
    "setWindowTitle",
    "setToolTip",
    "setPlaceholderText",
    "setAccessibleName",
    "setTitle",
    "setSubTitle",
    "setLabelText",
    "addItem",
    "addRow",
    "addTab",
    "setTabText",
    "QLabel",
    "QPushButton",
    "QCheckBox",
    "QRadioButton",
    "QGroupBox",
    "QAction",
}


def test_every_ui_string_has_a_spanish_translation() -> None:
    po = i18n.translations_dir() / "es" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    spanish = i18n.parse_po(po.read_text(encoding="utf-8"))  # fuzzy and empty entries skipped
    messages = extract_messages(UI_DIR)
    assert len(messages) > 300
    missing, broken = [], []
    for m in messages:
        text = spanish.get(m.key, "")
        if not all(text.split("\0")):
            missing.append(f"{m.where}: {m.msgid!r}")
        elif set(_FIELD.findall(m.msgid)) != set(_FIELD.findall(text.split("\0")[0])):
            broken.append(f"{m.where}: {m.msgid!r} -> {text!r}")
    assert not missing, "No Spanish (python -m ui.i18n extract, then translate):\n" + "\n".join(
        missing
    )
    assert not broken, "Spanish drops or renames a {field}:\n" + "\n".join(broken)


def test_extraction_finds_what_babel_finds_and_strings_inside_f_strings() -> None:
    extract = pytest.importorskip("babel.messages.extract")
    ours = {m.key for m in extract_messages(UI_DIR)}
    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    babel = {
        message if isinstance(message, str) else "\0".join(message)
        for _f, _l, message, _c, _x in extract.extract_from_dir(
            str(UI_DIR), method_map=[("**.py", "python")], keywords=keywords
        )
    }
    # Babel also picks literals out of expressions such as _(status or "—"); words only.
    assert not [k for k in babel - ours if re.search("[A-Za-z]", k)]
    assert "Guardians" in ours - babel  # f"<h3>{e(_('Guardians'))}</h3>" on the student page


def test_no_literal_reaches_a_qt_text_setter_untranslated() -> None:
    offenders = []
    for path in sorted(UI_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in SETTERS:
                continue
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    words = re.sub(r"<[^>]*>|&\w+;|https?://\S*|clinician-desk", "", arg.value)
                    if re.search(r"[A-Za-z]{2}", words):
                        offenders.append(f"{path.name}:{node.lineno} {arg.value!r}")
    assert not offenders, "Wrap these in _():\n" + "\n".join(offenders)


# Names that are not translated: products and log-only words.
NOT_UI_TEXT = {"Aeries", "Infinite Campus", "PowerSchool", "OneRoster"}
LOG_ONLY = {"os_events_windows.py"}


def _looks_like_ui_text(text: str) -> bool:
    if text in NOT_UI_TEXT or not re.search("[a-z]", text):
        return False
    return " " in text.strip() or bool(re.fullmatch(r"[A-Z][a-z]+", text))


def test_module_level_tables_mark_their_words_for_translation() -> None:
    """A table read before install() cannot call _(); its display words need N_()."""
    offenders = []
    for path in sorted(UI_DIR.rglob("*.py")):
        if path.name in LOG_ONLY:
            continue
        for statement in ast.parse(path.read_text(encoding="utf-8")).body:
            value = getattr(statement, "value", None)
            if not isinstance(statement, ast.Assign | ast.AnnAssign) or not isinstance(
                value, ast.Dict | ast.Tuple | ast.List
            ):
                continue
            skip = {id(k) for k in value.keys} if isinstance(value, ast.Dict) else set()
            for node in ast.walk(value):
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "N_":
                    skip.update(id(a) for a in node.args)
            for node in ast.walk(value):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and id(node) not in skip
                    and _looks_like_ui_text(node.value)
                ):
                    offenders.append(f"{path.name}:{node.lineno} {node.value!r}")
    assert not offenders, "Mark these with N_() and show them with _():\n" + "\n".join(offenders)


def test_words_the_core_hands_over_are_in_the_catalogue() -> None:
    from clinician_desk.domain.notes import NOTE_STATUSES, SECTION_TITLES
    from clinician_desk.domain.safety_plans import STEPS
    from ui import core_labels

    assert set(SECTION_TITLES.values()) == set(core_labels.SECTION_TITLES)
    assert set(NOTE_STATUSES) == set(core_labels.NOTE_STATUSES)
    assert [title for _key, title in STEPS] == list(core_labels.STEP_TITLES)
    es = i18n.load_language("es")
    assert es.gettext("Subjective") == "Subjetivo"
    assert es.gettext("Warning signs") == "Señales de advertencia"


def test_pseudo_locale_keeps_every_format_field() -> None:
    for m in extract_messages(UI_DIR):
        for text in (m.msgid, m.plural or ""):
            assert _FIELD.findall(i18n.pseudo(text)) == _FIELD.findall(text), text


@pytest.fixture
def spanish_window(qtbot, ui_context):
    """The main window built after choosing Spanish, unlocked on a fresh vault."""
    from clinician_desk.vault import create_vault
    from ui.app import build_window

    i18n.install("es")
    try:
        key, _recovery = create_vault(
            ui_context.paths.vault("default"), PASSPHRASE, clock=ui_context.clock, kdf=CHEAP_KDF
        )
        win = build_window(ui_context, idle=300)
        qtbot.addWidget(win)
        win.resize(1100, 720)
        win.show()
        win.session.open("default", key, create=True)
        qtbot.waitUntil(lambda: win.stack.currentWidget() is win.workspace, timeout=20_000)
        yield win
    finally:
        confirm._next.clear()
        i18n.install("en")


def test_main_window_in_spanish_prints_the_safety_plan_in_spanish(
    qtbot, spanish_window, artifacts_dir
) -> None:
    from clinician_desk.domain.students import Guardian, StudentInput

    window = spanish_window
    services = window.ctx.services

    def add_student() -> int:
        sid = services.record.create_student(
            StudentInput(
                legal_first_name="Paloma",
                legal_last_name="Inventada",
                date_of_birth=date(2012, 2, 3),
                grade="8",
                school_cds="99123450000001",
                consent_basis="parent_consent",
                language="Spanish",
                guardians=(Guardian("Rosa Ficticia", "parent", "555-0100", "", "Spanish", True),),
            ),
            school_name="Escuela Imaginaria (demo)",
        )
        services.record.save_safety_plan(
            sid, {"warning_signs": ("No puedo dormir",), "coping_strategies": ("Dibujar",)}
        )
        return sid

    student_id = window.ctx.tasks.call_db_blocking(add_student)
    window.open_student(student_id)
    qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)
    assert "Consentimiento de padre/tutor" in window.student_page.profile.toPlainText()
    grab(window, artifacts_dir, "40_spanish_student")

    window.open_print(student_id, "safety_plan")
    page = window.print_page
    assert page.document_combo.currentText() == "Plan de seguridad"
    assert page.language_combo.isEnabled()
    assert page.language_combo.itemText(0) == "Idioma del estudiante"
    page.language_combo.setCurrentIndex(0)
    confirm.set_next_answers(True)  # Spanish is a draft translation: confirm it
    qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.pdf_bytes is not None, timeout=20_000)
    assert any("borrador" in q.lower() or "draft" in q.lower() for q in confirm.asked)
    assert "Vista previa lista" in page.message.text()
    from tests.support.pdf_tools import text_of

    text = text_of(page.pdf_bytes)
    assert "Mi plan de seguridad" in text and "No puedo dormir" in text
    qtbot.waitUntil(lambda: page.view.document().pageCount() >= 1, timeout=20_000)
    qtbot.wait(200)  # QPdfView renders on its own thread
    grab(window, artifacts_dir, "41_spanish_print_centre_safety_plan")


def translations_po(lang: str) -> dict[str, str]:
    path = i18n.translations_dir() / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    return dict(i18n.parse_po(path.read_text(encoding="utf-8")))


def test_core_messages_services_and_instruments_have_spanish() -> None:
    """The core's M("…") messages, the taxonomy's service names and the instruments' titles
    reach the catalogue and have Spanish (the core's own text stays English)."""
    import json

    from clinician_desk.bundled.paths import resource_path
    from ui import core_labels

    core_dir = UI_DIR.parent / "clinician_desk"
    es = i18n.load_language("es")
    core = [m.msgid for m in extract_messages(core_dir)]
    assert len(core) > 30
    po = translations_po("es")
    missing = [m for m in core if not po.get(m)]
    assert not missing, "Give these core messages Spanish:\n" + "\n".join(missing)
    services = json.loads(resource_path("taxonomy.json").read_text(encoding="utf-8"))["services"]
    assert sorted(s["name"] for s in services) == sorted(core_labels.SERVICE_NAMES)
    titles = [
        json.loads(p.read_text(encoding="utf-8"))["title"]
        for p in resource_path("instruments").glob("*.json")
    ]
    assert sorted(titles) == sorted(core_labels.INSTRUMENT_TITLES)
    bands = {
        band["label"]
        for p in resource_path("instruments").glob("*.json")
        for band in json.loads(p.read_text(encoding="utf-8"))["scoring"].get("bands", [])
    }
    assert sorted(bands) == sorted(core_labels.BAND_NAMES)
    for text in (*core_labels.SERVICE_NAMES, *core_labels.INSTRUMENT_TITLES, *bands):
        assert es.gettext(text) != text, text


def test_core_text_translates_core_messages_with_their_params() -> None:
    from clinician_desk.domain.students import validate_cds_code
    from clinician_desk.errors import ValidationError

    with pytest.raises(ValidationError) as caught:
        validate_cds_code("12")
    assert caught.value.message == "The school CDS code must be exactly 14 digits."
    try:
        i18n.install("es")
        assert i18n.core_text(caught.value.message) == (
            "El código CDS de la escuela debe tener exactamente 14 dígitos."
        )
        assert i18n.core_text("Not a core message") == "Not a core message"
    finally:
        i18n.install("en")
    assert i18n.core_text(caught.value.message) == caught.value.message
