"""Passphrase policy: at least 12 characters, no composition rules, not common.

The policy and its reasons are in docs/design/security.md.

``check_new_passphrase`` is what ``create_vault`` / ``change_passphrase`` enforce;
``passphrase_feedback`` gives the UI a 0–4 strength score and one actionable sentence while the
clinician types. The estimate is deliberately simple and offline: refusals come from the bundled
list of common passwords (``resources/common-passwords.txt``), repeats, and keyboard or alphabet
runs; the score then grows with length and variety. Nothing here logs or stores the text.
"""

from __future__ import annotations

import math
import unicodedata
from functools import cache

from clinician_desk.bundled.paths import resource_path
from clinician_desk.errors import UsageError

MIN_CHARS = 12
RECOMMENDED_CHARS = 15
_RUNS = (
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertzuiopasdfghjklyxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
)
_SCORE_WORDS = ("very weak", "weak", "fair", "good", "strong")


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list (lower case); an empty set if the resource is missing from a bad build."""
    try:
        text = resource_path("common-passwords.txt").read_text(encoding="utf-8")
    except OSError:
        return frozenset()
    return frozenset(
        line.strip().casefold()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _problem(text: str) -> str | None:
    """Why ``text`` is not acceptable as a new passphrase, or None."""
    length = len(_normalise(text))
    if length == 0:
        return f"Enter a passphrase of at least {MIN_CHARS} characters."
    if length < MIN_CHARS:
        missing = MIN_CHARS - length
        return (
            f"Too short: a passphrase needs at least {MIN_CHARS} characters "
            f"({missing} more). A few unrelated words work well."
        )
    if _is_common(text):
        return "This is a commonly used password; pick something others would not guess."
    if _is_repetition(text) or _is_run(text):
        return "Repeated characters or keyboard runs are easy to guess; use a few unrelated words."
    return None


def check_new_passphrase(passphrase: str) -> None:
    """Raise UsageError with an actionable message if ``passphrase`` breaks the policy."""
    problem = _problem(passphrase)
    if problem is not None:
        raise UsageError(problem)


def is_acceptable(passphrase: str) -> bool:
    """Whether the policy accepts ``passphrase`` (``check_new_passphrase`` would not raise)."""
    return _problem(passphrase) is None


def passphrase_feedback(text: str) -> tuple[int, str]:
    """A strength score (0 very weak … 4 strong) and one sentence to show under the field.

    Any text the policy refuses scores 0 or 1; an acceptable passphrase scores at least 2, and
    4 needs both length (>= 15 characters) and an estimated 80+ bits.
    """
    problem = _problem(text)
    if problem is not None:
        length = len(_normalise(text))
        score = 1 if MIN_CHARS // 2 <= length < MIN_CHARS else 0
        return score, problem
    bits = estimate_bits(text)
    length = len(_normalise(text))
    score = 2 if bits < 60 else 3 if bits < 80 else 4
    if length < RECOMMENDED_CHARS:
        score = min(score, 3)
        return score, (
            f"Acceptable ({_SCORE_WORDS[score]}); {RECOMMENDED_CHARS} or more characters "
            "are recommended."
        )
    if score < 4:
        return score, f"Acceptable ({_SCORE_WORDS[score]}); another word would make it stronger."
    return score, "Strong passphrase."


def estimate_bits(text: str) -> float:
    """A rough entropy estimate: effective length × log2 of the character pool in use.

    Characters repeated more than twice add little, so effective length counts each distinct
    character at most twice plus a quarter for further repeats.
    """
    text = _normalise(text)
    pool = 0
    if any(c.islower() for c in text):
        pool += 26
    if any(c.isupper() for c in text):
        pool += 26
    if any(c.isdigit() for c in text):
        pool += 10
    if any(c == " " for c in text):
        pool += 1
    if any(not c.isalnum() and c != " " and c.isascii() for c in text):
        pool += 33
    if any(not c.isascii() for c in text):
        pool += 100
    counts: dict[str, int] = {}
    for c in text:
        counts[c] = counts.get(c, 0) + 1
    effective = sum(min(n, 2) + max(n - 2, 0) * 0.25 for n in counts.values())
    return effective * math.log2(max(pool, 2))


def _is_common(text: str) -> bool:
    words = common_passwords()
    folded = _normalise(text).casefold()
    if folded in words or folded.strip() in words:
        return True
    letters = "".join(c for c in folded if c.isalpha())
    # An entry with only digits, spaces and punctuation added ("Password!2024", "iloveyou 1234").
    return bool(letters) and letters in words


def _is_repetition(text: str) -> bool:
    folded = _normalise(text).casefold()
    for unit in range(1, 5):
        piece = folded[:unit]
        if piece * (len(folded) // unit) + piece[: len(folded) % unit] == folded:
            return True
    return False


def _is_run(text: str) -> bool:
    folded = _normalise(text).casefold().replace(" ", "")
    for run in _RUNS:
        for source in (run, run[::-1]):
            if folded in source * 2:
                return True
    return False
