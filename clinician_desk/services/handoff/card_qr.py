"""A handoff card as a QR code (segno, pure Python) and as a printed page, all in memory.

The QR holds exactly the card's text (``cdhk1.…``, byte mode, error correction level M), so a
phone or a scanner that reads it gives back the card to paste into **Add colleague** or
``handoff add-contact``. This app only *shows* and *prints* QR codes: reading one needs a
camera, which the app does not use; the receiving side keeps the text card (paste or type).

* ``card_qr`` — the segno symbol; ``card_png`` / ``card_svg`` its image bytes (no temp file);
  ``card_terminal`` the symbol in Unicode half blocks for ``whoami --qr``.
* ``card_pdf`` — one page: the name, the fingerprint to read aloud, the QR and the card's text
  in lines of 40 characters (white space is ignored when a card is pasted or typed back).
"""

from __future__ import annotations

import io

import segno
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, Spacer

from clinician_desk.reports.fonts import LATIN_SET
from clinician_desk.reports.layout import DocMeta, build_pdf, styles_for
from clinician_desk.reports.text import paragraph

ERROR_LEVEL = "m"
LINE = 40


def card_qr(card: str) -> segno.QRCode:
    return segno.make_qr(card, error=ERROR_LEVEL, mode="byte", boost_error=False)


def modules(card: str) -> list[list[bool]]:
    """The symbol's dark modules, row by row (no quiet zone)."""
    return [[bool(v) for v in row] for row in card_qr(card).matrix]


def card_png(card: str, scale: int = 6) -> bytes:
    out = io.BytesIO()
    card_qr(card).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def card_svg(card: str, scale: int = 6) -> bytes:
    out = io.BytesIO()
    card_qr(card).save(out, kind="svg", scale=scale, border=4, xmldecl=False)
    return out.getvalue()


def card_terminal(card: str) -> str:
    """The symbol as text: two module rows per line in Unicode half blocks, dark on light,
    with a quiet zone of 4 modules (most phones read it off a terminal)."""
    grid = modules(card)
    size = len(grid) + 8
    lit = [[False] * size for _ in range(4)]
    lit += [[False] * 4 + row + [False] * 4 for row in grid]
    lit += [[False] * size for _ in range(4)]
    if len(lit) % 2:
        lit.append([False] * size)
    chars = {(False, False): "█", (True, False): "▄", (False, True): "▀", (True, True): " "}
    lines = []
    for top, bottom in zip(lit[0::2], lit[1::2], strict=True):
        lines.append("".join(chars[(t, b)] for t, b in zip(top, bottom, strict=True)))
    return "\n".join(lines)


class _QrFlowable(Flowable):  # type: ignore[misc]
    """The QR drawn as vector squares (sharp at any print size)."""

    def __init__(self, grid: list[list[bool]], side: float) -> None:
        super().__init__()
        self.grid = grid
        self.side = side
        self.width = self.height = side

    def draw(self) -> None:
        n = len(self.grid) + 8
        cell = self.side / n
        canvas = self.canv
        canvas.setFillColorRGB(0, 0, 0)
        for y, row in enumerate(self.grid):
            for x, dark in enumerate(row):
                if dark:
                    canvas.rect(
                        (x + 4) * cell, self.side - (y + 5) * cell, cell, cell, stroke=0, fill=1
                    )


def card_pdf(name: str, fingerprint: str, card: str) -> bytes:
    """The printed handoff card (PDF bytes, in memory)."""
    styles = styles_for(LATIN_SET)
    story: list[Flowable] = [
        paragraph(f"Handoff card of {name}", styles.title, LATIN_SET),
        paragraph(
            "Read the fingerprint aloud with your colleague and compare it digit by digit"
            " before handing anything off. This card holds no secret.",
            styles.body,
            LATIN_SET,
        ),
        paragraph(f"Fingerprint: {fingerprint}", styles.h2, LATIN_SET),
        Spacer(1, 0.1 * inch),
        _QrFlowable(modules(card), 2.6 * inch),
        Spacer(1, 0.15 * inch),
        paragraph(
            "The card as text (paste or type it; line breaks do not matter):",
            styles.body,
            LATIN_SET,
        ),
    ]
    for start in range(0, len(card), LINE):
        story.append(paragraph(card[start : start + LINE], styles.body, LATIN_SET))
    return build_pdf(story, DocMeta(title=f"Handoff card of {name}", subject="handoff card"))
