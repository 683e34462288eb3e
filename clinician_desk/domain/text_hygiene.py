"""Text hygiene at the domain boundary: what a typed or imported field may contain.

Every name and short field that enters the record (typed on a form, imported from a roster)
passes ``clean_field``, which refuses — with a message naming the field, never the value —

* C0 control characters (U+0000–U+001F, including NUL, ESC, tab and line breaks), DEL (U+007F)
  and C1 controls (U+0080–U+009F): they have no place in a name, and ESC/OSC sequences in a name
  are terminal commands when the name is printed (``clinician-desk-admin search``);
* bidirectional overrides, embeddings and isolates (U+202A–U+202E, U+2066–U+2069) and the
  invisible direction marks (U+200E, U+200F, U+061C): they make a name display as something
  else ("Trojan Source" reordering);
* anything longer than the field's limit (``NAME_MAX`` for names, ``FIELD_MAX`` otherwise).

Refusing rather than silently stripping keeps the import all-or-nothing and honest: the person
sees which line and field to fix. Other text (notes) keeps line breaks and tabs but still loses
nothing silently — ``check_multiline`` refuses the same controls except ``\\n``, ``\\r`` and
``\\t``.

``csv_safe`` neutralises a spreadsheet formula (a cell starting with ``=``, ``+``, ``-``, ``@``,
tab or carriage return) by prefixing an apostrophe, for every CSV the software writes.
``printable`` escapes what a terminal would interpret, for output of stored text.
"""

from __future__ import annotations

import re

from clinician_desk.errors import ValidationError
from clinician_desk.messages import M

NAME_MAX = 100
FIELD_MAX = 200
NOTE_MAX = 100_000

_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_FORBIDDEN = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{_BIDI}]")
_FORBIDDEN_MULTILINE = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f{_BIDI}]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def problem_in(text: str, max_length: int = FIELD_MAX) -> str | None:
    """What is wrong with ``text`` as a one-line field (None when it is acceptable)."""
    if len(text) > max_length:
        return M("is longer than {max_length} characters", max_length=max_length)
    match = _FORBIDDEN.search(text)
    if match is None:
        return None
    char = match.group()
    if char in _BIDI:
        return M(
            "contains an invisible text-direction character (U+{code})", code=f"{ord(char):04X}"
        )
    return M("contains a control character (U+{code})", code=f"{ord(char):04X}")


def clean_field(text: str, what: str, max_length: int = FIELD_MAX) -> str:
    """``text`` stripped of surrounding spaces; ``ValidationError`` naming ``what`` otherwise."""
    stripped = text.strip(" ")
    problem = problem_in(stripped, max_length)
    if problem is not None:
        raise ValidationError(M("{what} {problem}.", what=what, problem=problem))
    return stripped


def check_multiline(text: str, what: str, max_length: int = NOTE_MAX) -> str:
    """``text`` unchanged if it holds no control or direction characters other than line
    breaks and tabs and fits ``max_length``; ``ValidationError`` otherwise."""
    if len(text) > max_length:
        raise ValidationError(
            M("{what} is longer than {max_length} characters.", what=what, max_length=max_length)
        )
    match = _FORBIDDEN_MULTILINE.search(text)
    if match is not None:
        raise ValidationError(
            M(
                "{what} contains a control or text-direction character (U+{code}).",
                what=what,
                code=f"{ord(match.group()):04X}",
            )
        )
    return text


def csv_safe(value: object) -> str:
    """``value`` as a CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def printable(text: str) -> str:
    """``text`` with every control and direction character shown as ``\\uXXXX`` (for a
    terminal: stored text must never become an escape sequence)."""
    return _FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
