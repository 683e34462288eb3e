"""Painting an in-memory PDF to a printer, one page per event-loop turn, with progress and cancel.

The PDF never touches the disk: ``QPdfDocument`` reads it from a ``QBuffer`` and each page is
rendered to an image at the printer's resolution and painted onto the ``QPrinter``. Pages are
done one per timer tick so the GUI thread is never blocked for long (the heartbeat bench measures
this); ``progress(done, total)`` is emitted after each page and ``cancel()`` stops between pages
(the printer job is aborted).
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QRect, QSize, QTimer, Signal
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter


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
        if self._page > 0:
            self.printer.newPage()
        target = self.printer.pageLayout().paintRectPixels(self.printer.resolution())
        points = self.document.pagePointSize(self._page)
        scale = min(
            target.width() / max(points.width(), 1), target.height() / max(points.height(), 1)
        )
        size = QSize(int(points.width() * scale), int(points.height() * scale))
        image = self.document.render(self._page, size)
        painter.drawImage(QRect(0, 0, size.width(), size.height()), image)
        self._page += 1
        self.progress.emit(self._page, total)
