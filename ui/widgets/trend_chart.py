"""A small QPainter chart of one instrument's scores over time, with its band thresholds.

Fed plain ``(date, total)`` points plus optional band boundaries (e.g. PHQ 5/10/15/20); draws
shaded bands, the line and the dots, the first/last dates on the x axis and the score scale on the
y axis. No data access: the student page hands it the trend series from the screenings service.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.i18n import _

_BAND_COLOURS = ("#e8f5e9", "#fff8e1", "#ffe0b2", "#ffccbc", "#ffcdd2")


class TrendChartWidget(QWidget):
    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trend_chart_widget")
        self.setAccessibleName(_("Score trend"))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.title = title
        self.points: list[tuple[date, float]] = []
        self.maximum = 27.0
        self.cutoffs: list[float] = []

    def set_series(
        self,
        title: str,
        points: Sequence[tuple[date, float]],
        maximum: float,
        cutoffs: Sequence[float] = (),
    ) -> None:
        self.title = title
        self.points = sorted(points)
        self.maximum = max(float(maximum), max((p[1] for p in points), default=1.0), 1.0)
        self.cutoffs = sorted(float(c) for c in cutoffs if 0 < c < self.maximum)
        self.setAccessibleDescription(
            _("{title}: {n} results, latest {last}").format(
                title=title,
                n=len(self.points),
                last=f"{self.points[-1][1]:g}" if self.points else "—",
            )
        )
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(360, 170)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = painter.fontMetrics()
        left, top = 34.0, metrics.height() + 8.0
        plot = QRectF(
            left, top, self.width() - left - 12, self.height() - top - metrics.height() - 8
        )
        painter.fillRect(self.rect(), self.palette().base())
        painter.setPen(self.palette().text().color())
        painter.drawText(QPointF(4, metrics.ascent() + 2), self.title)

        def y_of(value: float) -> float:
            return plot.bottom() - (value / self.maximum) * plot.height()

        edges = [0.0, *self.cutoffs, self.maximum]
        for i in range(len(edges) - 1):
            band = QRectF(
                plot.left(), y_of(edges[i + 1]), plot.width(), y_of(edges[i]) - y_of(edges[i + 1])
            )
            painter.fillRect(band, QColor(_BAND_COLOURS[min(i, len(_BAND_COLOURS) - 1)]))
        painter.setPen(QPen(QColor("#9e9e9e"), 1))
        painter.drawRect(plot)
        for value in (0.0, self.maximum):
            painter.drawText(QPointF(4, y_of(value) + metrics.ascent() / 2), f"{value:g}")
        if not self.points:
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, _("No results yet"))
            return
        first, last = self.points[0][0], self.points[-1][0]
        span = max((last - first).days, 1)

        def x_of(day: date) -> float:
            if len(self.points) == 1:
                return plot.center().x()
            return plot.left() + 8 + ((day - first).days / span) * (plot.width() - 16)

        path = QPainterPath()
        for i, (day, value) in enumerate(self.points):
            point = QPointF(x_of(day), y_of(value))
            if i == 0:
                path.moveTo(point)
            else:
                path.lineTo(point)
        painter.setPen(QPen(QColor("#1565c0"), 2))
        painter.drawPath(path)
        painter.setBrush(QColor("#1565c0"))
        for day, value in self.points:
            painter.drawEllipse(QPointF(x_of(day), y_of(value)), 3.5, 3.5)
        painter.setPen(self.palette().text().color())
        baseline = plot.bottom() + metrics.ascent() + 4
        painter.drawText(QPointF(plot.left(), baseline), first.isoformat())
        if last != first:
            text = last.isoformat()
            painter.drawText(
                QPointF(plot.right() - metrics.horizontalAdvance(text), baseline), text
            )
