"""A small QPainter chart of one instrument's scores over time, with its band thresholds.

Fed plain ``(date, total)`` points plus optional band boundaries (e.g. PHQ 5/10/15/20); draws
shaded bands, the line and the dots with each score written above its dot, the first/last dates on
the x axis and the score scale on the y axis. Hovering a dot shows its date, score and band as a
tooltip (``tooltip_at``). No data access: the student page hands it the trend series from the
screenings service, and shows the same points as a table for keyboard and screen-reader users.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QHelpEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ui.i18n import _
from ui.theme.palettes import Palette
from ui.theme.state import current_palette

# Each band is the surface tinted towards a semantic colour (ok → overdue → risk), so the bands
# follow the palette; the tint is light enough that text and the line keep their contrast on
# every band (tests/ui/test_visual_trend_chart.py measures it in every palette).
_BAND_KINDS = ("ok", "ok", "overdue", "overdue", "risk")
_BAND_TINTS = (0.10, 0.04, 0.10, 0.16, 0.16)


def _mix(base: str, other: str, amount: float) -> QColor:
    a, b = QColor(base), QColor(other)
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * amount,
        a.greenF() + (b.greenF() - a.greenF()) * amount,
        a.blueF() + (b.blueF() - a.blueF()) * amount,
    )


def band_colours(palette: Palette) -> list[QColor]:
    """The band fills, lowest band first, in ``palette``'s colours."""
    return [
        _mix(palette.surface, getattr(palette, kind), tint)
        for kind, tint in zip(_BAND_KINDS, _BAND_TINTS, strict=True)
    ]


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
        self.bands: dict[tuple[date, float], str] = {}
        self.setMouseTracking(True)

    def set_series(
        self,
        title: str,
        points: Sequence[tuple[date, float]],
        maximum: float,
        cutoffs: Sequence[float] = (),
        bands: Sequence[str] = (),
    ) -> None:
        """``bands`` (optional) names each point's band, in the order of ``points``."""
        self.title = title
        self.bands = {p: b for p, b in zip(points, bands, strict=False) if b}
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
        return QSize(360, 190)

    def _plot(self, metrics: QFontMetrics) -> QRectF:
        # Room above the plot for the title and for the value written over a top score.
        left, top = 34.0, 2 * metrics.height() + 8.0
        return QRectF(
            left, top, self.width() - left - 12, self.height() - top - metrics.height() - 8
        )

    def positions(self) -> list[QPointF]:
        """Where each point's dot is drawn at the current size (same order as ``points``)."""
        if not self.points:
            return []
        plot = self._plot(self.fontMetrics())
        first, last = self.points[0][0], self.points[-1][0]
        span = max((last - first).days, 1)
        out = []
        for day, value in self.points:
            if len(self.points) == 1:
                x = plot.center().x()
            else:
                x = plot.left() + 8 + ((day - first).days / span) * (plot.width() - 16)
            out.append(QPointF(x, plot.bottom() - (value / self.maximum) * plot.height()))
        return out

    def point_text(self, index: int) -> str:
        day, value = self.points[index]
        band = self.bands.get(self.points[index])
        text = _("{date}: score {score}").format(date=day.isoformat(), score=f"{value:g}")
        return f"{text} ({_(band)})" if band else text

    def tooltip_at(self, pos: QPoint | QPointF) -> str:
        """The text of the dot nearest ``pos`` within a few pixels, else empty."""
        where = QPointF(pos)
        best, best_distance = -1, 10.0
        for i, point in enumerate(self.positions()):
            distance = (point - where).manhattanLength()
            if distance <= best_distance:
                best, best_distance = i, distance
        return self.point_text(best) if best >= 0 else ""

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.tooltip_at(event.pos())
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = painter.fontMetrics()
        plot = self._plot(metrics)
        colours = current_palette()
        bands = band_colours(colours)
        text = QColor(colours.text)
        painter.fillRect(self.rect(), QColor(colours.surface))
        painter.setPen(text)
        painter.drawText(QPointF(4, metrics.ascent() + 2), self.title)

        def y_of(value: float) -> float:
            return plot.bottom() - (value / self.maximum) * plot.height()

        edges = [0.0, *self.cutoffs, self.maximum]
        for i in range(len(edges) - 1):
            band = QRectF(
                plot.left(), y_of(edges[i + 1]), plot.width(), y_of(edges[i]) - y_of(edges[i + 1])
            )
            painter.fillRect(band, bands[min(i, len(bands) - 1)])
        painter.setPen(QPen(QColor(colours.border), 1))
        painter.drawRect(plot)
        for value in (0.0, self.maximum):
            painter.drawText(QPointF(4, y_of(value) + metrics.ascent() / 2), f"{value:g}")
        if not self.points:
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, _("No results yet"))
            return
        first, last = self.points[0][0], self.points[-1][0]
        positions = self.positions()
        path = QPainterPath()
        for i, point in enumerate(positions):
            if i == 0:
                path.moveTo(point)
            else:
                path.lineTo(point)
        painter.setPen(QPen(QColor(colours.accent_text), 2))
        painter.drawPath(path)
        painter.setBrush(QColor(colours.accent_text))
        for point in positions:
            painter.drawEllipse(point, 3.5, 3.5)
        painter.setPen(text)
        for point, (_day, value) in zip(positions, self.points, strict=True):
            label = f"{value:g}"  # the score over its dot
            painter.drawText(
                QPointF(point.x() - metrics.horizontalAdvance(label) / 2, point.y() - 7), label
            )
        baseline = plot.bottom() + metrics.ascent() + 4
        painter.drawText(QPointF(plot.left(), baseline), first.isoformat())
        if last != first:
            last_day = last.isoformat()
            painter.drawText(
                QPointF(plot.right() - metrics.horizontalAdvance(last_day), baseline), last_day
            )
