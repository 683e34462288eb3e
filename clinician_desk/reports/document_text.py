"""Fixed words of the documents a student or family keeps, per language: ``resources/documents/``.

``resources/documents/<lang>/<document>.txt`` follows the handout format's conventions: UTF-8,
front matter between ``---`` lines (``document``, ``language``, ``status: reviewed|draft``),
then ``key: value`` lines as in a handout ``_labels.txt`` (``#`` starts a comment). Values may
use ``{county_crisis_line}`` and the other names of ``resources/handouts/contacts.json``, and
the renderer's own fields (``{number}``, ``{page}``); each document names the keys it needs.

Languages are whatever folders hold the document (the same codes as the handouts); English is
the reference. An unknown language raises ``NotFoundError`` listing what exists; a malformed
file raises ``ValidationError`` naming it and the line. Parsing is pure; loading is cached.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from clinician_desk.bundled.paths import resource_path
from clinician_desk.errors import NotFoundError, ValidationError
from clinician_desk.reports import handout_library as lib
from clinician_desk.reports.handout_library import contacts_for
from clinician_desk.reports.handout_text import STATUSES

_FRONT_KEYS = ("document", "language", "status")
_FIELD = re.compile(r"\{([a-z_0-9]+)\}")


@dataclass(frozen=True)
class DocumentText:
    """The fixed words of one document in one language (contacts already filled in)."""

    document: str
    language: str
    status: str
    words: Mapping[str, str]

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    def __getitem__(self, key: str) -> str:
        return self.words[key]


def documents_dir() -> Path:
    return resource_path("documents")


def parse_document_text(
    text: str,
    *,
    source: str,
    required: tuple[str, ...],
    values: Mapping[str, str],
    fields: frozenset[str] = frozenset(),
) -> DocumentText:
    """Parse one file. ``values`` fill placeholders now; ``fields`` are left for the renderer."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise ValidationError(f"{source}: the file must start with a '---' front-matter line")
    meta: dict[str, str] = {}
    words: dict[str, str] = {}
    target = meta
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        if line == "---" and target is meta:
            target = words
            continue
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep or not key.strip() or not value.strip():
            raise ValidationError(f"{source}:{number}: lines are 'key: value'")
        if key.strip() in target:
            raise ValidationError(f"{source}:{number}: '{key.strip()}' is given twice")
        target[key.strip()] = value.strip()
    if target is meta:
        raise ValidationError(f"{source}: the front matter has no closing '---' line")
    for key in _FRONT_KEYS:
        if not meta.get(key):
            raise ValidationError(f"{source}: front matter needs '{key}:'")
    if meta["status"] not in STATUSES:
        raise ValidationError(f"{source}: status must be 'reviewed' or 'draft'")
    missing = [k for k in required if k not in words]
    if missing:
        raise ValidationError(f"{source}: missing keys: {', '.join(missing)}")

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in fields:
            return match.group(0)
        if name not in values:
            raise ValidationError(f"{source}: unknown placeholder {{{name}}}")
        return values[name]

    filled = {k: _FIELD.sub(fill, v) for k, v in words.items()}
    return DocumentText(meta["document"], meta["language"], meta["status"], filled)


@cache
def document_languages(document: str) -> tuple[str, ...]:
    """Languages that have this document, English first."""
    base = documents_dir()
    found = sorted(
        p.name for p in base.iterdir() if p.is_dir() and (p / f"{document}.txt").is_file()
    )
    return tuple(sorted(found, key=lambda code: (code != "en", code)))


def check_document_language(document: str, language: str) -> str:
    if language not in document_languages(document):
        raise NotFoundError(
            f"There is no {document.replace('_', ' ')} in language {language!r}; "
            f"available: {', '.join(document_languages(document))}."
        )
    return language


@cache
def load_document_text(
    document: str, language: str, required: tuple[str, ...], fields: frozenset[str]
) -> DocumentText:
    """The fixed words of ``document`` in ``language`` (cached; read-only data)."""
    check_document_language(document, language)
    path = documents_dir() / language / f"{document}.txt"
    source = f"documents/{language}/{path.name}"
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"{source}: cannot be read ({exc.__class__.__name__})") from None
    text = parse_document_text(
        raw, source=source, required=required, values=contacts_for(language), fields=fields
    )
    if text.language != language or text.document != document.replace("_", "-"):
        raise ValidationError(f"{source}: front matter document/language do not match its place")
    return text


def clear_caches() -> None:
    """Forget loaded texts, handouts' and documents' (after the county line's configuration
    changed: both carry the number)."""
    for fn in (lib.contacts, lib.languages, lib.topics, lib.load_handout, lib.labels):
        fn.cache_clear()
    document_languages.cache_clear()
    load_document_text.cache_clear()
