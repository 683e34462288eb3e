"""The caseload's Flags column shows every row's flags whole in the window's first-run size
(1,180 × 760, ``ui.app``) with the demo generator's fictional caseload: the column fits the widest
flags of every row, and it is inside the table's view, not past its right edge. The School
column gives up the room (its full name is the cell's tooltip)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.support.ui import grab
from tests.support.visual import fill_demo, show_page
from ui.models.caseload_model import CaseloadTableModel


def test_flags_fit_whole_in_the_first_run_window(qtbot, unlocked_window, artifacts_dir) -> None:
    window = unlocked_window
    fill_demo(window, students=120, sessions=200)
    window.resize(1180, 760)
    page = show_page(qtbot, window, "caseload")
    table, proxy = page.table, page.proxy
    header = table.horizontalHeader()
    flags = CaseloadTableModel.FLAGS
    widest = max(
        (proxy.index(r, flags) for r in range(proxy.rowCount()) if proxy.index(r, flags).data()),
        key=lambda i: table.fontMetrics().horizontalAdvance(i.data()),
    )
    needed = table.sizeHintForIndex(widest).width()
    assert header.sectionSize(flags) >= needed, (widest.data(), header.sectionSize(flags))
    right = header.sectionViewportPosition(flags) + header.sectionSize(flags)
    assert right <= table.viewport().width() + 1, (right, table.viewport().width())
    school = CaseloadTableModel.COLUMNS.index("school")
    index = proxy.index(0, school)
    assert index.data(Qt.ItemDataRole.ToolTipRole) == index.data()
    grab(window, artifacts_dir, "caseload-first-run")  # for a look: test-artifacts/ui/
