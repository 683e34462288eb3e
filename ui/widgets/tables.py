"""Shared set-up for the read-only table views (caseload, sessions, referrals, results, sync).

Column widths are fitted once after each load from a sample of rows, not continuously:
``ResizeToContents`` would ask the model for every cell of every row on each change, which on
a 200-student caseload costs the GUI thread hundreds of milliseconds. Even Qt's sampled
``resizeColumnsToContents`` asks the delegate for a size hint of every visible and sampled
cell, ~10 Python ``data()`` calls each (20–60 ms on the GUI thread for a page of sessions,
seen by ``bench/bench_frames.py``); :func:`fit_columns` measures the display text of the
sampled rows itself (one ``data()`` call and one font-metrics call per cell, docs/decisions/0111).
Painting asks the model once per cell too: :class:`TextCellDelegate` reads the rows models'
``cell_text`` instead of Qt's seven ``data()`` roles per painted cell (docs/decisions/0144).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QIcon, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
)

from ui.models.rows_model import CellLook

SAMPLE_ROWS = 40
_HAS_DISPLAY = QStyleOptionViewItem.ViewItemFeature.HasDisplay
_HAS_DECORATION = QStyleOptionViewItem.ViewItemFeature.HasDecoration


class TextCellDelegate(QStyledItemDelegate):
    """Paints a plain-text cell from one Python call to the model's ``cell_text(row, column)``.

    Qt's delegate asks the model seven roles per painted cell (font, alignment, colour, check
    state, icon, text, background), each a call from C++ into a Python ``data()``: a 10,000-
    student caseload's first paint (~170 cells) spent most of its ~20 ms there (issue 23,
    decision 0144). ``cell_text`` may answer a ``CellLook`` (text, colour, icon) for a cell
    with its own colour and icon, set here as Qt's delegate sets them. A model without
    ``cell_text``, or a cell it answers None for (a bold font, anything else), is painted the
    usual way. The style draws the cell as before."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        model: Any = index.model()
        cell_text = getattr(model, "cell_text", None)
        text = cell_text(index.row(), index.column()) if cell_text is not None else None
        if text is None:
            super().initStyleOption(option, index)
            return
        cell: Any = option  # the binding's stubs lack the option's fields
        cell.index = index
        cell.features |= _HAS_DISPLAY
        if isinstance(text, CellLook):
            _set_look(cell, text)
            text = text.text
        cell.text = text


def _set_look(option: Any, look: CellLook) -> None:
    """The foreground brush and the decoration icon, as ``QStyledItemDelegate`` sets them."""
    if look.foreground is not None:
        palette = QPalette(option.palette)
        palette.setBrush(QPalette.ColorRole.Text, look.foreground)
        option.palette = palette
    icon = look.icon
    if icon is None or icon.isNull():
        return
    option.features |= _HAS_DECORATION
    option.icon = icon
    state, flag = option.state, QStyle.StateFlag
    if not state & flag.State_Enabled:
        mode = QIcon.Mode.Disabled
    elif state & flag.State_Selected:
        mode = QIcon.Mode.Selected
    else:
        mode = QIcon.Mode.Normal
    on = QIcon.State.On if state & flag.State_Open else QIcon.State.Off
    wanted = option.decorationSize
    actual = icon.actualSize(wanted, mode, on)
    option.decorationSize = QSize(
        min(wanted.width(), actual.width()), min(wanted.height(), actual.height())
    )


def configure_table(view: QTableView, name: str, accessible: str) -> QTableView:
    view.setObjectName(name)
    view.setAccessibleName(accessible)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)  # Tab leaves the table; the arrows move by row
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setItemDelegate(TextCellDelegate(view))
    vertical = view.verticalHeader()
    vertical.setVisible(False)
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(view.fontMetrics().height() + 8)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setResizeContentsPrecision(SAMPLE_ROWS)
    header.setStretchLastSection(True)
    return view


def fit_columns(view: QTableView) -> None:
    """Fit column widths to the header and the display text of the first ``SAMPLE_ROWS`` rows
    (call after a model reset)."""
    model = view.model()
    if model is None:
        return
    header = view.horizontalHeader()
    metrics = view.fontMetrics()
    header_metrics = header.fontMetrics()
    style = view.style()
    display, decoration = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.DecorationRole
    # What the delegate and the header (style sheet padding, sort arrow) add around the text,
    # asked of Qt once per fit, for the first column, instead of once per cell.
    first = model.index(0, 0)
    text0 = str(first.data(display) or "") if first.isValid() else ""
    cell_hint = view.sizeHintForIndex(first).width() if text0 else 0
    pad = max(cell_hint - metrics.horizontalAdvance(text0), 0) if text0 else 8
    pad += (1 if view.showGrid() else 0) + 4  # grid line; the text layout rounds up
    title0 = str(model.headerData(0, Qt.Orientation.Horizontal, display) or "")
    header_pad = max(header.sectionSizeHint(0) - header_metrics.horizontalAdvance(title0), 0)
    icon = view.iconSize().width() or style.pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
    icon += 2 * (style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1)
    rows = min(model.rowCount(), SAMPLE_ROWS)
    # the shared rows models hand the sampled texts over in one call (issue 23)
    fit_sample = getattr(model, "fit_sample", None)
    sample = fit_sample(rows) if callable(fit_sample) else None
    for column in range(model.columnCount()):
        if view.isColumnHidden(column):
            continue
        # the header's text measured here too: sectionSizeHint runs the style sheet (~1.5 ms)
        title = model.headerData(column, Qt.Orientation.Horizontal, display)
        widest = header_metrics.horizontalAdvance(str(title or "")) + header_pad
        if sample is not None:
            cells = sample[column]
        else:
            cells = []
            for row in range(rows):
                index = model.index(row, column)
                cells.append((index.data(display), index.data(decoration) is not None))
        for text, decorated in cells:
            width = metrics.horizontalAdvance(str(text)) + pad if text else pad
            if decorated:
                width += icon
            widest = max(widest, width)
        view.setColumnWidth(column, widest)
