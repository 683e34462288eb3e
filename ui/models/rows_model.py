"""A read-only table model over frozen rows with declared columns (sessions, referrals, results).

Each column is ``(header, getter)``; the getter turns a row into display text. ``set_rows``
replaces everything (model reset); ``ROW_ROLE`` returns the row object itself so a view can act on
the selected row (open a note, add an addendum) without the model knowing what rows are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

ROW_ROLE = Qt.ItemDataRole.UserRole + 10

Index = QModelIndex | QPersistentModelIndex
Column = tuple[str, Callable[[Any], Any]]


class CellLook(NamedTuple):
    """A cell's text with its own colour and icon (``cell_text``'s answer for a cell whose
    ``data()`` gives a foreground brush and a decoration icon as well)."""

    text: str
    foreground: Any  # QBrush, or None
    icon: Any  # QIcon, or None


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


class RowsTableModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[Column], parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows(())

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def rows(self) -> list[Any]:
        """Every row, in the model's order (a copy)."""
        return list(self._rows)

    def fit_sample(self, rows: int) -> list[list[tuple[str, bool]]] | None:
        """For ``ui.widgets.tables.fit_columns``: per column, the display text of each of the
        first ``rows`` rows and whether it has a decoration — what ``data()`` answers, in one
        Python call instead of two per cell (issue 23). None for a subclass whose ``data()``
        answers differently and says nothing here (the fit then asks ``data()``)."""
        if type(self).data is not RowsTableModel.data:
            return None
        return [[(t, False) for t in texts] for texts in self._sample_texts(rows)]

    def cell_text(self, row: int, column: int) -> str | CellLook | None:
        """For ``ui.widgets.tables.TextCellDelegate``: the cell's display text when the cell is
        plain text — no icon, colour or font of its own — so a painted cell costs one Python
        call instead of ~8 ``data()`` calls through Qt (issue 23); None otherwise (the delegate
        then asks ``data()``). A subclass whose ``data()`` answers differently says nothing
        here unless it overrides this too."""
        if type(self).data is not RowsTableModel.data or not 0 <= row < len(self._rows):
            return None
        return self._text_at(row, column)

    def _text_at(self, row: int, column: int) -> str | None:
        if not 0 <= column < len(self._columns):
            return None
        return text_of(self._columns[column][1](self._rows[row]))

    def _sample_texts(self, rows: int) -> list[list[str]]:
        sample = self._rows[: max(rows, 0)]
        return [[text_of(getter(row)) for row in sample] for _header, getter in self._columns]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt override
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt override
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self._columns):
                return self._columns[section][0]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return text_of(self._columns[index.column()][1](row))
        if role == ROW_ROLE:
            return row
        return None
