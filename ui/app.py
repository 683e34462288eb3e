"""Entry point of the desktop app (``clinician-desk``). Replaced by the full application shell."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication(sys.argv if argv is None else argv)
    label = QLabel("clinician-desk")
    label.show()
    return app.exec()
