"""Finds every UI string marked for translation and merges them into the catalogues (dev tool).

``python -m ui.i18n extract`` writes ``resources/translations/clinician_desk_ui.pot`` (generated
whole) and merges every ``<lang>/LC_MESSAGES/clinician_desk_ui.po`` without rewriting it: its order
and comments stay, new strings are appended untranslated, and translations of strings that
disappeared are kept as obsolete (``#~``) entries where they stand. A string is marked by
``_("…")``, ``N_("…")`` or ``ngettext("…", "…", n)`` with literal text.

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
from typing import Any

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
    strings.

    A catalogue keeps its own order and comments: new strings are appended at its end
    (untranslated, with the file they came from), strings no longer marked become obsolete
    (``#~``) where they stand, and nothing else is rewritten, so a merge shows in review as
    exactly what changed."""
    messages = extract_messages(ui_dir) + extract_messages(ui_dir.parent / "clinician_desk")
    (translations / f"{DOMAIN}.pot").write_text(template_po(messages), encoding="utf-8")
    missing: dict[str, list[str]] = {}
    for po in sorted(translations.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        text = merge_po(po.read_text(encoding="utf-8"), messages)
        po.write_text(text, encoding="utf-8")
        missing[po.parent.parent.name] = [
            m.id if isinstance(m.id, str) else m.id[0]
            for m in _read(text)
            if m.id
            and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string]))
        ]
    return missing


def template_po(messages: list[UiMessage]) -> str:
    """The template, generated whole in extraction order (sorted files, then lines): a build
    product translators start a language from, never edited by hand."""
    import io

    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    template = Catalog(project="clinician-desk", domain=DOMAIN)
    for m in messages:
        template.add(_babel_id(m))
    out = io.BytesIO()
    write_po(out, template, width=100, no_location=True, omit_header=True)
    return out.getvalue().decode("utf-8")


def merge_po(text: str, messages: list[UiMessage]) -> str:
    """``text`` (a ``.po`` file) with ``messages`` merged in, its own entries left in place."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    wanted = {m.key: m for m in messages}
    blocks = text.rstrip("\n").split("\n\n")
    present: set[str] = set()
    for i, block in enumerate(blocks):
        keys = [_key(m) for m in _read(block) if m.id]
        present.update(keys)
        if keys and not any(k in wanted for k in keys):
            blocks[i] = "\n".join(
                line if line.startswith("# ") or line.startswith("#~") else f"#~ {line}"
                for line in block.splitlines()
                if not line.startswith(("#:", "#,"))
            )
    added = Catalog(project="clinician-desk", domain=DOMAIN)
    for key, m in wanted.items():
        if key not in present:
            added.add(_babel_id(m), locations=[(m.where.rsplit(":", 1)[0], None)])  # type: ignore[list-item]
    merged = "\n\n".join(blocks) + "\n"
    if len(added):
        import io

        out = io.BytesIO()
        write_po(out, added, width=100, omit_header=True)
        merged += "\n" + out.getvalue().decode("utf-8").strip("\n") + "\n"
    return merged


def _babel_id(m: UiMessage) -> str | tuple[str, str]:
    return m.msgid if m.plural is None else (m.msgid, m.plural)


def _key(message: Any) -> str:
    mid = message.id
    return mid if isinstance(mid, str) else f"{mid[0]}\0{mid[1]}"


def _read(text: str) -> list[Any]:
    """The entries of a piece of ``.po`` text (the header's empty id included)."""
    import io

    from babel.messages.pofile import read_po

    return list(read_po(io.BytesIO(text.encode("utf-8"))))
