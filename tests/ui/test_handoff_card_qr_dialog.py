"""Caseload handoff shows this vault's card as a QR code: the picture in the dialog, read back
module by module from its pixels, is segno's reference encoding of the exact card shown as text;
**Save printed card…** writes the printed card (its text gives back the card)."""

from __future__ import annotations

import segno


def test_the_dialog_shows_the_card_as_a_qr(qtbot, unlocked_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from tests.support.pdf_tools import text_of
    from ui.dialogs.handoff_dialog import QR_BORDER, QR_SCALE, HandoffDialog

    window = unlocked_window
    window.handoff_action.trigger()
    dialog = window.findChild(HandoffDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.card_edit.text().startswith("cdhk1."), timeout=20_000)
    card = dialog.card_edit.text()
    pixmap = dialog.qr_label.pixmap()
    assert pixmap is not None and not pixmap.isNull()
    image = pixmap.toImage()
    reference = segno.make(card, error="m", micro=False, boost_error=False).matrix
    n = len(reference)
    assert image.width() == (n + 2 * QR_BORDER) * QR_SCALE
    read = [
        [
            image.pixelColor(
                (QR_BORDER + x) * QR_SCALE + QR_SCALE // 2,
                (QR_BORDER + y) * QR_SCALE + QR_SCALE // 2,
            ).lightness()
            < 128
            for x in range(n)
        ]
        for y in range(n)
    ]
    assert read == [[bool(v) for v in row] for row in reference]
    assert dialog.qr_label.accessibleName()

    target = tmp_path / "my-card.pdf"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), ""))
    )
    dialog.save_card_button.click()
    qtbot.waitUntil(target.exists, timeout=20_000)
    qtbot.waitUntil(lambda: str(target) in dialog.message.text(), timeout=20_000)
    assert "cdhk1." in text_of(target.read_bytes())
    dialog.close()
