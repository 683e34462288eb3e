"""Painting an in-memory PDF to a printer, one page per event-loop turn, with progress and cancel.

The PDF never touches the disk: ``QPdfDocument`` reads it from a ``QBuffer`` and each page is
rasterized (at most 300 dpi) and painted onto the ``QPrinter``. The work is cut into horizontal
strips, one per timer tick, so the GUI thread is never blocked for long (the heartbeat bench
measures this); ``progress(done, total)`` is emitted after each page and ``cancel()`` stops at
the next strip (the printer job is aborted).
"""

from __future__ import annotations

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QObject,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument, QPdfDocumentRenderOptions
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget

RASTER_DPI = 300
STRIP_PIXELS = 96
OVERLAP = 4


def load_pdf(data: bytes, parent: QObject) -> tuple[QPdfDocument, QBuffer]:
    """A QPdfDocument over ``data`` in memory; keep the returned buffer alive with it."""
    buffer = QBuffer(parent)
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument(parent)
    document.load(buffer)
    return document, buffer


class PrintJob(QObject):
    progress = Signal(int, int)
    finished = Signal(bool)

    def __init__(self, data: bytes, printer: QPrinter, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document, self._buffer = load_pdf(data, self)
        self.printer = printer
        self._page = 0
        self._strip = 0
        self._painter: QPainter | None = None
        self._cancelled = False
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._step)

    @property
    def page_count(self) -> int:
        return self.document.pageCount()

    def start(self) -> None:
        self._painter = QPainter()
        if not self._painter.begin(self.printer):
            self._painter = None
            self.finished.emit(False)
            return
        self._timer.start()

    def cancel(self) -> None:
        self._cancelled = True

    def _step(self) -> None:
        painter = self._painter
        if painter is None:
            return
        total = self.page_count
        if self._cancelled or self._page >= total:
            self._timer.stop()
            if self._cancelled:
                self.printer.abort()
            painter.end()
            self._painter = None
            self.finished.emit(not self._cancelled)
            return
        if self._strip == 0 and self._page > 0:
            self.printer.newPage()
        # Rasterize at most RASTER_DPI and one strip per tick: a whole page at a printer's
        # 1200 dpi is ~130 megapixels and would freeze the window for seconds.
        dpi = min(self.printer.resolution(), RASTER_DPI)
        k = self.printer.resolution() / dpi
        points = self.document.pagePointSize(self._page)
        target = self.printer.pageLayout().paintRectPixels(self.printer.resolution())
        fit = min(
            target.width() / (points.width() / 72 * dpi * k),
            target.height() / (points.height() / 72 * dpi * k),
            1.0,
        )
        full = QSize(int(points.width() / 72 * dpi * fit), int(points.height() / 72 * dpi * fit))
        top = self._strip * STRIP_PIXELS
        height = min(STRIP_PIXELS, full.height() - top)
        # Render a few pixels beyond the strip and keep only its middle: strip edges come out
        # with a faint anti-aliased line otherwise.
        above = min(OVERLAP, top)
        below = min(OVERLAP, full.height() - top - height)
        options = QPdfDocumentRenderOptions()
        options.setScaledSize(full)
        options.setScaledClipRect(QRect(0, top - above, full.width(), height + above + below))
        image = self.document.render(
            self._page, QSize(full.width(), height + above + below), options
        )
        painter.drawImage(
            QRectF(0, top * k, full.width() * k, height * k),
            image,
            QRectF(0, above, full.width(), height),
        )
        if top + height >= full.height():
            self._strip = 0
            self._page += 1
            self.progress.emit(self._page, total)
        else:
            self._strip += 1


def system_print_dialog(printer: QPrinter, parent: QWidget | None, name: str) -> QPrintDialog:
    """The system print dialog *without* "Print to file": a file written there would be an
    unencrypted copy that bypasses Export PDF's warning and audit (issue 16). The option is
    switched off, and ``prints_to_file`` catches a printer that still points at a file (a
    platform dialog that ignores the option, a "PDF printer" picked from the list)."""
    dialog = QPrintDialog(printer, parent)
    dialog.setObjectName(name)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # deleted when exec() returns
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintToFile, False)
    return dialog


def prints_to_file(printer: QPrinter) -> bool:
    """Whether ``printer`` would write a file instead of sending the job to a printer."""
    return printer.outputFormat() == QPrinter.OutputFormat.PdfFormat or bool(
        printer.outputFileName()
    )
