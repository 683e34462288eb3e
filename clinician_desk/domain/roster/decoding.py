"""Roster files as text: encoding and delimiter detection, refusing binary files.

Encodings: UTF-8 (with or without a byte-order mark), UTF-16 with a BOM, else Windows-1252 (what
district information systems on Windows export). Delimiters: comma, tab, caret (PowerSchool
state extracts), semicolon and pipe — chosen by counting them outside quotes on the header line
and checking the choice is consistent on the next lines.
"""

from __future__ import annotations

from clinician_desk.errors import ValidationError
from clinician_desk.messages import M

DELIMITERS: tuple[str, ...] = (",", "\t", "^", ";", "|")
_DELIMITER_NAMES = {",": "comma", "\t": "tab", "^": "caret", ";": "semicolon", "|": "pipe"}


def delimiter_name(d: str) -> str:
    return _DELIMITER_NAMES.get(d, repr(d))


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding used). Raises ValidationError for empty or binary input."""
    if not data.strip():
        raise ValidationError(M("The roster file is empty."))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ValidationError(M("The roster file is not readable text (bad UTF-16).")) from None
    if b"\x00" in data[:65536] or data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF")):
        raise ValidationError(
            M("The roster file is binary (a spreadsheet, PDF or archive?); export it as CSV.")
        )
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            raise ValidationError(
                M("The roster file is not valid {encoding} text.", encoding=encoding)
            ) from None
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise ValidationError(M("The roster file has a UTF-8 mark but bad bytes.")) from None
    try:
        text, used = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, used = data.decode("cp1252", errors="replace"), "cp1252"
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\r\n\t")
    if controls > max(2, len(text[:65536]) // 100):
        raise ValidationError(M("The roster file contains control characters; it is not a CSV."))
    return text, used


def _count_outside_quotes(line: str, ch: str) -> int:
    n, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == ch and not quoted:
            n += 1
    return n


def detect_delimiter(text: str) -> str:
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if not lines:
        raise ValidationError(M("The roster file is empty."))
    header = lines[0]
    best, best_score = ",", 0
    for d in DELIMITERS:
        n = _count_outside_quotes(header, d)
        if n == 0:
            continue
        consistent = sum(1 for ln in lines[1:] if _count_outside_quotes(ln, d) == n)
        score = n + 10 * consistent
        if score > best_score:
            best, best_score = d, score
    if best_score == 0:
        raise ValidationError(
            M(
                "Cannot find the column separator on the header line (tried "
                "comma, tab, caret, semicolon, pipe)."
            )
        )
    return best
