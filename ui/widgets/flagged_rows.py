"""A rows table model that marks flagged rows (overdue follow-ups): the overdue colour, bold,
and an overdue icon in the first column.

Used by the student page's referrals (follow-up date passed on an open referral) and the
mandated-report dialog (written follow-up past its 36-hour deadline). The flag is a predicate
over the frozen row, asked again on every paint, so re-setting the rows after the clock moves
is enough to update it; the text of the row says the same thing for screen readers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFont

from ui.models.rows_model import CellLook, Column, Index, RowsTableModel
from ui.theme import icons
from ui.theme.apply import semantic_colour


class FlaggedRowsTableModel(RowsTableModel):
    def __init__(
        self, columns: Sequence[Column], flagged: Callable[[Any], bool], parent: Any = None
    ) -> None:
        super().__init__(columns, parent)
        self._flagged = flagged

    def is_flagged(self, row: int) -> bool:
        return bool(self._flagged(self.row_at(row)))

    def fit_sample(self, rows: int) -> list[list[tuple[str, bool]]] | None:
        """The texts ``data()`` shows; the first column has the icon on flagged rows."""
        columns = self._sample_texts(rows)
        flagged = [self.is_flagged(r) for r in range(min(rows, self.rowCount()))]
        return [
            [(text, c == 0 and flagged[r]) for r, text in enumerate(texts)]
            for c, texts in enumerate(columns)
        ]

    def cell_text(self, row: int, column: int) -> str | CellLook | None:
        """A flagged row's cells have their colour, font and icon: ``data()`` paints them."""
        if not 0 <= row < self.rowCount() or self.is_flagged(row):
            return None
        return self._text_at(row, column)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DecorationRole and index.isValid() and index.column() == 0:
            if 0 <= index.row() < self.rowCount() and self.is_flagged(index.row()):
                return icons.icon("overdue", "overdue")  # never colour alone: an icon too
            return None
        if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.FontRole):
            if not index.isValid() or not 0 <= index.row() < self.rowCount():
                return None
            if not self.is_flagged(index.row()):
                return None
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(semantic_colour("overdue"))
            font = QFont()
            font.setBold(True)
            return font
        return super().data(index, role)
