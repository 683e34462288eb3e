"""Renders the app icon ``resources/icons/clinician-desk.svg`` to ``.png`` (256 px) and ``.ico``.

The SVG is the source; the PNG (Linux desktop files, the window icon) and the multi-size Windows
``.ico`` (PyInstaller executable, MSI, Start menu) are generated from it and committed, so a
build machine needs neither Qt's SVG module nor Pillow. Re-run after changing the SVG:
``.venv/bin/python packaging/make_icons.py``.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_png(svg: Path, size: int) -> bytes:
    """The SVG rendered by Qt at ``size`` x ``size`` pixels, as PNG bytes (transparent)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


def main() -> int:
    from PIL import Image

    svg = ICONS / "clinician-desk.svg"
    png = render_png(svg, 256)
    (ICONS / "clinician-desk.png").write_bytes(png)
    image = Image.open(io.BytesIO(png))
    image.save(ICONS / "clinician-desk.ico", sizes=[(s, s) for s in ICO_SIZES])
    for name in ("clinician-desk.png", "clinician-desk.ico"):
        print(ICONS / name, (ICONS / name).stat().st_size, "bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
