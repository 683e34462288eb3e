"""Shared set-up for the read-only table views (caseload, sessions, referrals, results, sync).

Column widths are fitted once after each load from a sample of rows, not continuously:
``ResizeToContents`` would ask the model for every cell of every row on each change, which on
a 200-student caseload costs the GUI thread hundreds of milliseconds.
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

SAMPLE_ROWS = 40


def configure_table(view: QTableView, name: str, accessible: str) -> QTableView:
    view.setObjectName(name)
    view.setAccessibleName(accessible)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)  # Tab leaves the table; the arrows move by row
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
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
    """Fit column widths to a sample of the current rows (call after a model reset)."""
    view.resizeColumnsToContents()
