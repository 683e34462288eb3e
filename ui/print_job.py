"""Painting an in-memory PDF to a printer on the render thread, with progress and cancel.

The PDF never touches the disk: ``QPdfDocument`` reads it from a ``QBuffer`` and each page is
rasterized (at most 300 dpi) and painted onto the ``QPrinter``. Rasterizing and painting run on
the task manager's render thread (``TaskManager.run_render``; Qt supports ``QPainter`` on a
``QPrinter`` or ``QImage`` outside the GUI thread), so the window keeps every frame while a
document prints — painting one strip per event-loop turn on the GUI thread still cost 20–90 ms
per strip under load (``bench/bench_frames.py``, docs/decisions/0112). The worker has its own
``QPdfDocument`` over its own copy of the bytes; the GUI thread's objects are never touched.
Pages are still cut into horizontal strips, so memory stays small and ``cancel()`` stops at the
next strip (the printer job is aborted). ``progress(done, total)`` is emitted on the GUI thread
after each page; ``finished(ok)`` once, and ``error_message`` says why when painting failed.
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
    Signal,
)
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument, QPdfDocumentRenderOptions
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget

from clinician_desk.errors import ClinicianDeskError
from ui.tasks import TaskControl, TaskHandle, TaskManager

RASTER_DPI = 300
STRIP_PIXELS = 96
OVERLAP = 4


def load_pdf(data: bytes, parent: QObject | None) -> tuple[QPdfDocument, QBuffer]:
    """A QPdfDocument over ``data`` in memory; keep the returned buffer alive with it."""
    buffer = QBuffer(parent)
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument(parent) if parent is not None else QPdfDocument()
    document.load(buffer)
    return document, buffer


class PrintFailed(ClinicianDeskError):
    """The printer refused the job (``QPainter.begin`` failed): nothing was printed."""


def paint_pdf(data: bytes, printer: QPrinter, control: TaskControl) -> int:
    """Worker: paint every page of ``data`` onto ``printer``; returns the page count.

    Runs on the render thread. Raises ``TaskCancelled`` (through ``control``) after aborting
    the printer job, or ``PrintFailed`` when the printer cannot be opened.
    """
    from ui.i18n import _

    control.check_cancelled()
    document, buffer = load_pdf(data, None)
    painter = QPainter()
    try:
        total = document.pageCount()
        if total <= 0 or not painter.begin(printer):
            raise PrintFailed(_("The printer could not be opened. Nothing was printed; try again."))
        for page in range(total):
            if page > 0:
                printer.newPage()
            _paint_page(document, page, printer, painter, control)
            control.report(page + 1, total)
        painter.end()
        return total
    except BaseException:
        if painter.isActive():
            printer.abort()
            painter.end()
        raise
    finally:
        document.close()
        buffer.close()


def _paint_page(
    document: QPdfDocument, page: int, printer: QPrinter, painter: QPainter, control: TaskControl
) -> None:
    # Rasterize at most RASTER_DPI, one strip at a time: a whole page at a printer's 1200 dpi
    # is ~130 megapixels.
    dpi = min(printer.resolution(), RASTER_DPI)
    k = printer.resolution() / dpi
    points = document.pagePointSize(page)
    target = printer.pageLayout().paintRectPixels(printer.resolution())
    fit = min(
        target.width() / (points.width() / 72 * dpi * k),
        target.height() / (points.height() / 72 * dpi * k),
        1.0,
    )
    full = QSize(int(points.width() / 72 * dpi * fit), int(points.height() / 72 * dpi * fit))
    top = 0
    while top < full.height():
        control.check_cancelled()
        height = min(STRIP_PIXELS, full.height() - top)
        # Render a few pixels beyond the strip and keep only its middle: strip edges come out
        # with a faint anti-aliased line otherwise.
        above = min(OVERLAP, top)
        below = min(OVERLAP, full.height() - top - height)
        options = QPdfDocumentRenderOptions()
        options.setScaledSize(full)
        options.setScaledClipRect(QRect(0, top - above, full.width(), height + above + below))
        image = document.render(page, QSize(full.width(), height + above + below), options)
        painter.drawImage(
            QRectF(0, top * k, full.width() * k, height * k),
            image,
            QRectF(0, above, full.width(), height),
        )
        top += height


class PrintJob(QObject):
    """One print of an in-memory PDF; ``tasks`` is the app's task manager (its render thread)."""

    progress = Signal(int, int)
    finished = Signal(bool)

    def __init__(
        self,
        data: bytes,
        printer: QPrinter,
        parent: QObject | None = None,
        tasks: TaskManager | None = None,
    ) -> None:
        super().__init__(parent)
        self._data = bytes(data)
        self.printer = printer
        self._tasks = tasks if tasks is not None else TaskManager(self)
        self._handle: TaskHandle | None = None
        self._control: TaskControl | None = None
        self._cancelled = False
        self._finished = False
        self.error_message = ""
        document, buffer = load_pdf(self._data, None)  # the page count, for the progress bar
        self._page_count = document.pageCount()
        document.close()
        buffer.close()

    @property
    def page_count(self) -> int:
        return self._page_count

    def start(self) -> None:
        if self._cancelled:
            self._finish(False)
            return
        data, printer = self._data, self.printer

        def work(control: TaskControl) -> int:
            # the control is known here before ``run_render`` returns the handle: a cancel that
            # comes in between (from the render thread's own first page, say) is not lost
            self._control = control
            if self._cancelled:
                control._cancel.set()
            return paint_pdf(data, printer, control)

        self._handle = self._tasks.run_render(
            work,
            context=self,
            on_done=lambda _pages: self._finish(True),
            on_error=self._failed,
            on_progress=lambda done, total, _text: self.progress.emit(done, total),
            on_cancelled=lambda: self._finish(False),
            name="print",
        )

    def cancel(self) -> None:
        """Stop at the next strip; the printer job is aborted and ``finished(False)`` follows."""
        self._cancelled = True
        control = self._handle.control if self._handle is not None else self._control
        if control is not None:
            control._cancel.set()  # not future.cancel(): the worker aborts the job

    def _failed(self, exc: ClinicianDeskError) -> None:
        self.error_message = exc.message
        self._finish(False)

    def _finish(self, ok: bool) -> None:
        if not self._finished:
            self._finished = True
            self.finished.emit(ok)


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
