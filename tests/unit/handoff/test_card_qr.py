"""The handoff card as a QR code and a printed page: what is shown and printed decodes to the
exact card. No QR decoder is in the lock, so the symbol is compared module by module with
segno's own reference encoding of the same text (``segno.make``, the general entry point), and
the terminal rendering is read back into modules; the printed PDF's text gives back the card."""

from __future__ import annotations

import segno

from clinician_desk.services.handoff.card_qr import (
    card_pdf,
    card_png,
    card_svg,
    card_terminal,
    modules,
)
from clinician_desk.services.handoff.keys import Identity, parse_card
from tests.support.pdf_tools import text_of


def _card(name: str = "Robin Placeholder") -> str:
    return Identity.generate().public(name).card


def _reference(card: str) -> list[list[bool]]:
    qr = segno.make(card, error="m", micro=False, boost_error=False)
    return [[bool(v) for v in row] for row in qr.matrix]


def _read_terminal(text: str) -> list[list[bool]]:
    """Half blocks back to module rows (dark = True), quiet zone removed."""
    top = {"█": False, "▄": True, "▀": False, " ": True}
    bottom = {"█": False, "▄": False, "▀": True, " ": True}
    rows: list[list[bool]] = []
    for line in text.splitlines():
        rows.append([top[c] for c in line])
        rows.append([bottom[c] for c in line])
    while rows and not any(rows[-1]):
        rows.pop()
    rows = rows[4:]
    return [row[4:-4] for row in rows]


def test_the_qr_is_the_reference_encoding_of_the_exact_card() -> None:
    for name in ("Robin Placeholder", "Zoë Ñandú-Example"):
        card = _card(name)
        grid = modules(card)
        assert grid == _reference(card)
        assert len(grid) == len(grid[0]) >= 21
        assert modules(card + "x") != grid  # another text, another symbol


def test_the_terminal_rendering_reads_back_to_the_same_modules() -> None:
    card = _card()
    assert _read_terminal(card_terminal(card)) == _reference(card)


def test_images_are_made_in_memory() -> None:
    card = _card()
    assert card_png(card).startswith(b"\x89PNG\r\n\x1a\n")
    svg = card_svg(card)
    assert svg.lstrip().startswith(b"<svg") and b"</svg>" in svg


def test_the_printed_card_gives_back_the_card_text() -> None:
    me = Identity.generate().public("Robin Placeholder")
    pdf = card_pdf(me.name, me.fingerprint, me.card)
    text = text_of(pdf)
    assert me.fingerprint in text and "Robin Placeholder" in text
    start = text.index("cdhk1.")
    typed = text[start : text.index("Page 1 of 1")]
    back = parse_card(typed)  # line breaks and spacing are ignored when typed back
    assert (back.name, back.x25519, back.ed25519) == (me.name, me.x25519, me.ed25519)
