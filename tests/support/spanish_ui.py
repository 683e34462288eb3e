"""Finding English on a Spanish screen: collect what a person sees or hears, judge each string.

``visible_texts(root)`` collects what a person sees or hears from a window and everything shown
in it:

- window titles;
- the text of labels and buttons, group-box titles and tab texts;
- wizard page titles and subtitles;
- the items of combo boxes and lists, the cells of visible tables, and the column headers;
- the content of read-only text boxes (reports and pages the app writes);
- placeholders, tooltips and accessible names and descriptions;
- the menus and their actions.

Each string comes with the widget that shows it (its class and object name).

``english_problem(text, catalogue)`` says why a string is English, or returns None. There are
two reasons:

1. **The catalogue knows it.** The string (or one of its lines, accelerator ``&`` removed) is a
   msgid of the Spanish catalogue whose msgstr differs. A ``_()`` call is missing, or the text
   was translated before ``install()``.
2. **It has English words.** It contains a word from ``ENGLISH_WORDS``: common English words
   that are not Spanish words, checked case-insensitively as whole words. This catches strings
   that never reached the catalogue. Such strings come from the core, from data files like the
   taxonomy, and from Qt's own buttons.

Words in capitals are codes (``TX-IND``, ``CDS``) and are not judged, nor are identifiers joined by
underscores (``week_max_hours``, a field or table name the core names). ``ALLOWED`` lists the
exact strings that may stay as they are: product names a Spanish-speaking clinician sees the same
way. ``ALLOWED_WIDGETS`` lists the widgets whose text is shown as published. Keep both small, and
say why for each entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
    QWizard,
    QWizardPage,
)

from ui.i18n import DOMAIN, parse_po, translations_dir

# Common English words that are not Spanish words (nor names or codes the app shows).
ENGLISH_WORDS = frozenset(
    """
    the and of to with for is are not this that you your from by or be was will has have
    on in at an it all any new save cancel close open apply yes help back next finish ok
    edit delete add remove print search student students note notes date name school grade
    file import sign signed draft lock quit select choose browse folder settings show hide
    more less page discard reset restore defaults abort retry ignore continue start stop
    done loading checking nothing found must only when what which who why how
    counseling therapy group family screening classroom consultation referral
    safety report mandated brief teachers parents enrolled server county questions institute
    health public domain modified adolescents without session sessions minutes
    today week month year yesterday tomorrow last first caseload flags risk none low high
    moderate follow up pending sent accepted declined closed overdue due sync enroll enrolled
    phone email guardian language languages consent birth
    mild minimal severe moderately lower higher below above generalized anxiety disorder patient
    """.split()
)
ALLOWED = frozenset(
    {
        "clinician-desk",  # the product's name
        "OneRoster",  # a standard's name
    }
)
# Widgets whose text is shown as published, in its own language, on purpose.
ALLOWED_WIDGETS = {
    "attribution_label": "an instrument's rights notice, reproduced as its holder wrote it",
    # A screening is read to the student in the instrument's own language: the bundled
    # instruments are English only ("languages": ["en"]), and a translation nobody validated
    # would not be the instrument. The page's own words around them are Spanish.
    "screening_instructions_label": "an instrument's instructions, as published",
    "screening_item_label": "an instrument's question, as published",
    **{f"option_{i}_button": "an instrument's answer, as published" for i in range(12)},
    # The user guide is written in English only; the dialog says so in the UI's language.
    "user_guide_text_browser": "the user guide, English only (its dialog says so)",
}
_WORD = re.compile(r"[A-Za-zÀ-ÿ]+(?:'[a-z]+)?")
_IDENTIFIER = re.compile(r"\b\w+_\w+\b")


def spanish_catalogue() -> dict[str, str]:
    po = translations_dir() / "es" / "LC_MESSAGES" / f"{DOMAIN}.po"
    return dict(parse_po(po.read_text(encoding="utf-8")))


def _clean(text: str) -> str:
    return re.sub(r"&(?=\w)", "", text).strip()


def english_problem(text: str, catalogue: dict[str, str]) -> str | None:
    text = _clean(text)
    if not text or text in ALLOWED:
        return None
    for line in [text, *text.splitlines()]:
        line = line.strip()
        spanish = catalogue.get(line) if line else None
        if spanish is not None and spanish != line:
            return f"{line[:80]!r} untranslated (the catalogue has Spanish for it)"
    # Words in capitals are codes (TX-IND, MAND-REPORT, CDS), shown the same in every language;
    # so are identifiers joined by underscores (a field or table name: week_max_hours).
    words = {w.lower() for w in _WORD.findall(_IDENTIFIER.sub(" ", text)) if not w.isupper()}
    english = sorted(words & ENGLISH_WORDS)
    if english:
        line = next(
            (ln for ln in text.splitlines() if set(_WORD.findall(ln.lower())) & set(english)), ""
        )
        return f"English word(s) {', '.join(english)} in {line.strip()[:80]!r}"
    return None


def _describe(widget: QWidget) -> str:
    return f"{type(widget).__name__}:{widget.objectName() or '?'}"


def _view_texts(view: QAbstractItemView) -> Iterator[str]:
    model = view.model()
    if model is None:
        return
    for column in range(model.columnCount()):
        header = model.headerData(column, Qt.Orientation.Horizontal)
        if isinstance(header, str):
            yield header
    for row in range(min(model.rowCount(), 50)):
        for column in range(model.columnCount()):
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                value = model.data(model.index(row, column), role)
                if isinstance(value, str):
                    yield value


def widget_texts(widget: QWidget) -> Iterator[str]:
    if widget.isWindow():
        yield widget.windowTitle()
    yield widget.toolTip()
    yield widget.accessibleName()
    yield widget.accessibleDescription()
    if isinstance(widget, QLabel | QAbstractButton):
        yield widget.text()
    if isinstance(widget, QGroupBox):
        yield widget.title()
    if isinstance(widget, QTabWidget):
        for i in range(widget.count()):
            yield widget.tabText(i)
            yield widget.tabToolTip(i)
    if isinstance(widget, QWizardPage):
        yield widget.title()
        yield widget.subTitle()
    if isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit):
        yield widget.placeholderText()
    if isinstance(widget, QPlainTextEdit | QTextEdit) and widget.isReadOnly():
        yield widget.toPlainText()  # reports and pages the app writes, not the user's typing
    if isinstance(widget, QComboBox):
        for i in range(widget.count()):
            yield widget.itemText(i)
    if isinstance(widget, QListWidget):
        for i in range(widget.count()):
            yield widget.item(i).text()
    elif isinstance(widget, QAbstractItemView):
        yield from _view_texts(widget)
    if isinstance(widget, QMainWindow):
        for menu in widget.menuBar().findChildren(QMenu):
            yield menu.title()
            for action in menu.actions():
                yield action.text()
                yield action.toolTip() if action.toolTip() != action.text().replace("&", "") else ""


def visible_texts(root: QWidget) -> list[tuple[str, str]]:
    """(widget, text) for ``root`` and every descendant shown on screen."""
    out: list[tuple[str, str]] = []
    widgets = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        if widget is not root and not widget.isVisibleTo(root):
            continue
        if isinstance(widget, QWizard) and widget is not root:
            continue  # a wizard embedded in a page is walked as its own root when shown
        for text in widget_texts(widget):
            if text and text.strip():
                out.append((_describe(widget), text))
    return out


def english_on_screen(root: QWidget, where: str, catalogue: dict[str, str]) -> list[str]:
    """Offences as ``where: widget: 'text' (reason)`` lines."""
    found = []
    for widget, text in visible_texts(root):
        if widget.split(":", 1)[1] in ALLOWED_WIDGETS:
            continue
        reason = english_problem(text, catalogue)
        if reason is not None:
            found.append(f"{where}: {widget}: {text[:120]!r} ({reason})")
    return found
