"""Handout content as data: the text format of ``resources/handouts/<lang>/<topic>.txt``.

A handout file is UTF-8 text::

    ---
    title: Anxiety: how families can help
    language: en
    topic: anxiety
    status: reviewed          (reviewed | draft)
    ---
    # A heading
    A paragraph runs over one or more lines; a blank line ends it.

    - A list item; a following line without a marker continues it

Values in braces, such as ``{county_crisis_line}``, are filled from ``resources/handouts/
contacts.json`` (the county sets its own numbers there). ``<lang>/_labels.txt`` holds the words a
renderer needs around the content (``key: value`` lines, e.g. ``page: Page {page} of {pages}``).
Parsing is pure: it takes the text and a source name for error messages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from clinician_desk.errors import ValidationError

STATUSES = ("reviewed", "draft")
REQUIRED_KEYS = ("title", "language", "topic", "status")
LABEL_KEYS = (
    "page",
    "draft_notice",
    "personal_heading",
    "student",
    "services",
    "attendance",
    "results",
    "none",
)
_PLACEHOLDER = re.compile(r"\{([a-z_0-9]+)\}")

BlockKind = Literal["heading", "paragraph", "item"]


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str


@dataclass(frozen=True)
class HandoutText:
    """One handout in one language, with its placeholders already filled."""

    topic: str
    language: str
    title: str
    status: str
    blocks: tuple[Block, ...]

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    def plain_text(self) -> str:
        """Every word of the handout, in reading order (for checks and search)."""
        return "\n".join([self.title, *(b.text for b in self.blocks)])


def fill(text: str, values: Mapping[str, str], source: str) -> str:
    def sub(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise ValidationError(f"{source}: unknown placeholder {{{key}}}")
        return values[key]

    return _PLACEHOLDER.sub(sub, text)


def parse_handout(text: str, *, source: str, values: Mapping[str, str]) -> HandoutText:
    """Parse one handout file; raises ValidationError naming the file and line."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise ValidationError(f"{source}: the file must start with a '---' front-matter line")
    meta: dict[str, str] = {}
    end = None
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            end = number
            break
        key, sep, value = line.partition(":")
        if not sep or not key.strip():
            raise ValidationError(f"{source}:{number}: front matter lines are 'key: value'")
        meta[key.strip()] = value.strip()
    if end is None:
        raise ValidationError(f"{source}: the front matter has no closing '---' line")
    for key in REQUIRED_KEYS:
        if not meta.get(key):
            raise ValidationError(f"{source}: front matter needs '{key}:'")
    if meta["status"] not in STATUSES:
        raise ValidationError(f"{source}: status must be 'reviewed' or 'draft'")

    blocks: list[Block] = []
    pending: list[str] = []
    pending_kind: list[BlockKind] = ["paragraph"]

    def flush() -> None:
        if pending:
            blocks.append(Block(pending_kind[0], fill(" ".join(pending), values, source)))
            pending.clear()

    for number, raw in enumerate(lines[end:], start=end + 1):
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("# "):
            flush()
            blocks.append(Block("heading", fill(line[2:].strip(), values, source)))
        elif line.startswith("- "):
            flush()
            pending_kind[0] = "item"
            pending.append(line[2:].strip())
        elif line.startswith(("#", "-")) and not pending:
            raise ValidationError(
                f"{source}:{number}: a heading is '# text' and a list item '- text'"
            )
        else:
            # A line right after a paragraph or list item line continues it.
            if not pending:
                pending_kind[0] = "paragraph"
            pending.append(line)
    flush()
    if not blocks:
        raise ValidationError(f"{source}: the handout has no content")
    return HandoutText(
        topic=meta["topic"],
        language=meta["language"],
        title=fill(meta["title"], values, source),
        status=meta["status"],
        blocks=tuple(blocks),
    )


def parse_labels(text: str, *, source: str) -> dict[str, str]:
    """Parse a ``_labels.txt`` file; every key in LABEL_KEYS must be present."""
    labels: dict[str, str] = {}
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ValidationError(f"{source}:{number}: label lines are 'key: value'")
        labels[key.strip()] = value.strip()
    missing = [k for k in LABEL_KEYS if not labels.get(k)]
    if missing:
        raise ValidationError(f"{source}: missing labels: {', '.join(missing)}")
    if "{page}" not in labels["page"] or "{pages}" not in labels["page"]:
        raise ValidationError(f"{source}: the 'page' label needs {{page}} and {{pages}}")
    return labels
