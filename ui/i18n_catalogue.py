"""Finds every UI string marked for translation and merges them into the catalogues (dev tool).

``python -m ui.i18n extract`` writes ``resources/translations/clinician_desk_ui.pot`` and adds the
new strings (untranslated) to every ``<lang>/LC_MESSAGES/clinician_desk_ui.po``; translations of
strings that disappeared are kept as obsolete (``#~``) entries. A string is marked by ``_("…")``,
``N_("…")`` or ``ngettext("…", "…", n)`` with literal text.

The syntax tree is walked instead of running ``pybabel extract``: on Python 3.11 Babel's
tokenizer sees an f-string as one token and misses ``_()`` calls inside it (``f"<h3>{_('Guardians')}
</h3>"``). ``tests/ui/test_spanish_catalogue.py`` uses the same extraction, so a marked string
without Spanish fails the suite. Babel (a dev dependency) is imported only to read and write the
``.po`` files.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DOMAIN = "clinician_desk_ui"
SINGLE = ("_", "N_", "M")  # M: the core's translatable messages (clinician_desk.messages)
PLURAL = "ngettext"


@dataclass(frozen=True)
class UiMessage:
    """One marked string (``plural`` set for ``ngettext``) and where it was first seen."""

    msgid: str
    plural: str | None
    where: str

    @property
    def key(self) -> str:
        """The lookup key gettext uses (``singular\\0plural`` for plural entries)."""
        return self.msgid if self.plural is None else f"{self.msgid}\0{self.plural}"


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _calls(tree: ast.AST) -> Iterator[tuple[int, str, str | None]]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        name, args = node.func.id, node.args
        if name in SINGLE and len(args) == 1 and (text := _literal(args[0])):
            yield node.lineno, text, None
        elif name == PLURAL and len(args) >= 2:
            one, many = _literal(args[0]), _literal(args[1])
            if one and many:
                yield node.lineno, one, many


def extract_messages(root: Path) -> list[UiMessage]:
    """Every marked string under ``root`` (``.py`` files), first occurrence first, no repeats."""
    seen: dict[str, UiMessage] = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, msgid, plural in sorted(_calls(tree), key=lambda c: c[0]):
            message = UiMessage(msgid, plural, f"{path.relative_to(root.parent)}:{line}")
            seen.setdefault(message.key, message)
    return list(seen.values())


def update_catalogues(ui_dir: Path, translations: Path) -> dict[str, list[str]]:
    """Write the template and merge it into each language; returns each language's untranslated
    strings."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    template = Catalog(project="clinician-desk", domain=DOMAIN)
    for m in extract_messages(ui_dir) + extract_messages(ui_dir.parent / "clinician_desk"):
        template.add(m.msgid if m.plural is None else (m.msgid, m.plural))
    with (translations / f"{DOMAIN}.pot").open("wb") as fh:
        write_po(fh, template, width=100, no_location=True, omit_header=True)
    missing: dict[str, list[str]] = {}
    for po in sorted(translations.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        language = po.parent.parent.name
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=language)
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        with po.open("wb") as fh:
            write_po(fh, catalog, width=100, no_location=True)
        missing[language] = [
            m.id if isinstance(m.id, str) else m.id[0]
            for m in catalog
            if m.id
            and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string]))
        ]
    return missing
