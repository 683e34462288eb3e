"""Loads handout texts, labels and county contacts from ``resources/handouts/``.

Topics and languages are whatever folders and files exist: adding a language is adding a folder
with one file per topic and a ``_labels.txt``. Unknown topics or languages raise
``NotFoundError`` listing what exists; a malformed file raises ``ValidationError`` naming it.
Loaded texts are cached per process (they are read-only data).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from clinician_desk.bundled.paths import resource_path
from clinician_desk.errors import NotFoundError, ValidationError
from clinician_desk.messages import M
from clinician_desk.reports.handout_text import HandoutText, parse_handout, parse_labels

CONTACTS_FILE = "contacts.json"


def handouts_dir() -> Path:
    return resource_path("handouts")


# contacts.json ships with this blank; a value containing it (or an empty one) is "not set".
UNSET_MARK = "____"
COUNTY_LINE = "county_crisis_line"


def county_crisis_line() -> tuple[str | None, str]:
    """The county crisis line and where it was set: the machine policy (registry or
    policy.json) wins over ``contacts.json``; ``(None, "")`` while neither sets it."""
    from clinician_desk.config.it_policy import Policy, load_policy

    try:
        policy = load_policy()
    except ValidationError:
        # An unreadable policy is reported by the app's policy check and --self-test; a crisis
        # document must still print (with contacts.json's line or "ask your counselor").
        policy = Policy()
    if policy.county_crisis_line:
        return policy.county_crisis_line, f"machine policy ({policy.source or 'registry'})"
    value = contacts().get(COUNTY_LINE, "").strip()
    if value and UNSET_MARK not in value:
        return value, f"resources/handouts/{CONTACTS_FILE}"
    return None, ""


def county_line_warning() -> str | None:
    """What the print centre, ``doctor`` and ``--self-test`` say while the line is not set."""
    if county_crisis_line()[0] is not None:
        return None
    return (
        "The county crisis line is not set: safety plans and crisis handouts print "
        '"ask your school counselor for the number" in its place. Ask district IT to set '
        f"county_crisis_line in the machine policy, or set it in handouts/{CONTACTS_FILE}."
    )


def contacts_for(language: str) -> dict[str, str]:
    """Placeholder values for texts in ``language``: the county line as configured, or the
    language's "ask your counselor" words while it is not set."""
    values = dict(contacts())
    number, _ = county_crisis_line()
    if number is None:
        try:
            words = labels(language)
        except NotFoundError:
            words = labels("en")
        number = words.get("ask_counselor") or labels("en")["ask_counselor"]
    values[COUNTY_LINE] = number
    return values


@cache
def contacts() -> dict[str, str]:
    """Values for the placeholders in handout texts, as ``contacts.json`` has them."""
    path = handouts_dir() / CONTACTS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError(f"{path.name}: cannot be read ({exc.__class__.__name__})") from None
    values = data.get("values") if isinstance(data, dict) else None
    if not isinstance(values, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in values.items()
    ):
        raise ValidationError(f"{path.name}: 'values' must map names to text")
    return dict(values)


@cache
def languages() -> tuple[str, ...]:
    """Language folders present, English first."""
    found = sorted(
        p.name for p in handouts_dir().iterdir() if p.is_dir() and not p.name.startswith("_")
    )
    return tuple(sorted(found, key=lambda code: (code != "en", code)))


@cache
def topics() -> tuple[str, ...]:
    """Topics, as defined by the English (reference) folder."""
    en = handouts_dir() / "en"
    return tuple(sorted(p.stem for p in en.glob("*.txt") if not p.name.startswith("_")))


def check_language(language: str) -> str:
    if language not in languages():
        raise NotFoundError(
            M(
                "There is no handout language {language!r}; available: {available}.",
                language=language,
                available=", ".join(languages()),
            )
        )
    return language


def check_topic(topic: str) -> str:
    if topic not in topics():
        raise NotFoundError(
            M(
                "There is no handout topic {topic!r}; available: {available}.",
                topic=topic,
                available=", ".join(topics()),
            )
        )
    return topic


@cache
def load_handout(topic: str, language: str) -> HandoutText:
    """The handout text for a topic in a language (placeholders filled)."""
    check_topic(topic)
    check_language(language)
    path = handouts_dir() / language / f"{topic}.txt"
    if not path.is_file():
        raise NotFoundError(
            M(
                "The handout {topic!r} has no {language!r} translation yet; print it in "
                "English or add the file.",
                topic=topic,
                language=language,
            )
        )
    source = f"handouts/{language}/{path.name}"
    values = contacts_for(language)
    text = parse_handout(path.read_text(encoding="utf-8"), source=source, values=values)
    if text.topic != topic or text.language != language:
        raise ValidationError(f"{source}: front matter topic/language do not match its location")
    return text


@cache
def labels(language: str) -> dict[str, str]:
    """The words around handout content in a language (page label, draft notice, ...)."""
    check_language(language)
    path = handouts_dir() / language / "_labels.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        raise NotFoundError(f"handouts/{language}/_labels.txt is missing") from None
    return parse_labels(text, source=f"handouts/{language}/_labels.txt")


# How families' languages are written in rosters and on the student page -> handout folder.
_ALIASES = {
    "english": "en",
    "spanish": "es",
    "español": "es",
    "espanol": "es",
    "vietnamese": "vi",
    "tiếng việt": "vi",
    "chinese": "zh-Hant",
    "chinese (traditional)": "zh-Hant",
    "traditional chinese": "zh-Hant",
    "cantonese": "zh-Hant",
    "zh": "zh-Hant",
    "zh-tw": "zh-Hant",
    "zh-hk": "zh-Hant",
    "yue": "zh-Hant",
    "russian": "ru",
    "ukrainian": "uk",
    "hmong": "hmn",
    "punjabi": "pa",
    "panjabi": "pa",
    "pa-guru": "pa",
    "arabic": "ar",
    "dari": "fa-AF",
    "farsi": "fa-AF",
    "persian": "fa-AF",
    "prs": "fa-AF",
    "fa": "fa-AF",
}


def resolve_language(value: str | None, among: tuple[str, ...] | None = None) -> str | None:
    """The handout language for a language as recorded ("Spanish", "es", "Dari", ...), or None
    when there is no handout in that language. ``among`` resolves against another document's
    languages (same codes) instead of the handouts'."""
    if not value or not value.strip():
        return None
    text = value.strip()
    codes = languages() if among is None else among
    by_code = {code.casefold(): code for code in codes}
    if text.casefold() in by_code:
        return by_code[text.casefold()]
    code = _ALIASES.get(text.casefold())
    return code if code in codes else None
