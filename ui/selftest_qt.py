"""``clinician-desk --self-test``: the core self-test plus the checks that need Qt.

The core checks (``clinician_desk.selftest``) run first, with no Qt application at all. Then:

* ``ui-modules`` — every UI module imports (a frozen bundle missing one fails here, not in front
  of a clinician);
* ``ui-translations`` — each bundled UI catalogue loads and translates;
* ``qt-pdf-render`` — Qt and QtPdf load, and a handout PDF rendered in memory is drawn to an image
  (one ``QGuiApplication`` on the offscreen platform; never a window).

Output is one line per check on stdout, or in the file named after ``--self-test`` (a windowed
Windows executable has no stdout: ``clinician-desk.exe --self-test C:\\Temp\\selftest.txt``).
The exit code is 0 only when every check passed, 1 otherwise.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO

from clinician_desk.selftest import CheckFn, require, run_self_test

MIN_INK_FRACTION = 0.005  # a rendered handout page has at least this share of non-white pixels


def check_ui_modules() -> None:
    import ui.main_window  # every page, dialog and widget module
    import ui.print_job  # noqa: F401


def check_translations() -> None:
    from ui import i18n

    languages = i18n.available_languages()
    require(bool(languages), "no UI catalogues are bundled")
    for lang in languages:
        po = i18n.translations_dir() / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
        entries = i18n.parse_po(po.read_text(encoding="utf-8"))
        translated = [k for k, v in entries.items() if k and v and "\0" not in k]
        require(bool(translated), f"the {lang} catalogue has no translations")
        catalogue = i18n.load_language(lang)
        require(
            catalogue.gettext(translated[0]) == entries[translated[0]],
            f"the {lang} catalogue does not translate",
        )


def check_pdf_render() -> None:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
    from PySide6.QtGui import QGuiApplication, QImage
    from PySide6.QtPdf import QPdfDocument

    from clinician_desk.reports import handout_library
    from clinician_desk.reports.handout import render_handout

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    pdf = render_handout(handout_library.topics()[0], "en")
    buffer = QBuffer()
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    require(
        document.status() == QPdfDocument.Status.Ready,
        f"QtPdf could not load the handout ({document.error().name})",
    )
    require(document.pageCount() >= 1, "QtPdf sees no pages")
    image = document.render(0, QSize(306, 396)).convertToFormat(QImage.Format.Format_Grayscale8)
    require(not image.isNull(), "QtPdf rendered an empty image")
    raw = bytes(image.constBits())
    ink = sum(1 for b in raw[:: max(1, len(raw) // 20000)] if b < 200)
    sampled = len(raw[:: max(1, len(raw) // 20000)])
    require(ink / sampled >= MIN_INK_FRACTION, "the rendered page is blank")
    document.close()
    buffer.close()


def qt_checks() -> list[tuple[str, CheckFn]]:
    return [
        ("ui-modules", check_ui_modules),
        ("ui-translations", check_translations),
        ("qt-pdf-render", check_pdf_render),
    ]


def _run(out: TextIO) -> int:
    return 0 if run_self_test(out, qt_checks()) else 1


def main(report: str | None = None) -> int:
    """Run the whole self-test; write to ``report`` (a file path) or stdout when it is "-"."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if report and report != "-":
        with Path(report).open("w", encoding="utf-8") as out:
            return _run(out)
    if sys.stdout is None:  # windowed executable without a console and no report file
        with open(os.devnull, "w", encoding="utf-8") as sink:
            return _run(sink)  # only the exit code tells
    return _run(sys.stdout)
