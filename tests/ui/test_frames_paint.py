"""No dropped frame (issue 23), the paint: what one repaint of the window costs the GUI thread.

Counts only (paint events per widget, Python calls per painted cell) — speed is measured in
bench/bench_frames.py."""

from __future__ import annotations

import collections
import sys

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QWidget


class _ViewportPaints(QObject):
    """Counts, per repaint of ``window`` (one ``UpdateRequest`` of the top-level window), the
    paint events of each item view's and text view's viewport inside ``page``: the costly
    paints (a table's cells, a rich text)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__()
        self.window = window
        self.page: QWidget | None = None
        self.repaints: list[collections.Counter[str]] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.UpdateRequest and watched is self.window:
            self.repaints.append(collections.Counter())
        elif kind == QEvent.Type.Paint and self.repaints and isinstance(watched, QWidget):
            view = watched.parentWidget()
            if (
                isinstance(view, QAbstractScrollArea)
                and view.viewport() is watched
                and self.page is not None
                and self.page.isAncestorOf(view)
            ):
                self.repaints[-1][f"{type(view).__name__}:{view.objectName()}"] += 1
        return False

    def painted_twice(self) -> list[str]:
        return [name for r in self.repaints for name, n in r.items() if n > 1]


def test_a_page_switch_paints_the_pages_views_once_per_repaint(qtbot, unlocked_window):
    """The page stack sits in a scroll area, which made the stack fill its own background:
    an opaque widget, which Qt painted on its own and then again with the window when another
    dirty widget covered it. Every page switch (to the student page after a signing, from the
    caseload) painted the whole page twice in one repaint — the sessions table twice: ~8 ms of
    the sign's ~29 ms stall (bench/bench_frames.py, decision 0143)."""
    from tests.support.ui import add_students

    window = unlocked_window
    (a,) = add_students(window, [("Testy", "McFakeface")])
    window.open_student(a)
    qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)
    assert window.ctx.tasks.wait_idle()
    counter = _ViewportPaints(window)
    app = QApplication.instance()
    app.installEventFilter(counter)
    try:
        # the student page from the caseload (opening a student) and from the note editor (after
        # a signing; the editor's empty state has no view of its own to count)
        for page in (window.caseload_page, window.student_page, window.note_page):
            counter.repaints.clear()
            counter.page = page
            window._go(page)
            qtbot.waitUntil(lambda: bool(counter.repaints), timeout=5_000)
            qtbot.wait(30)  # the layout's and the repaint's turns
            if page is not window.note_page:
                assert any(counter.repaints), page.objectName()  # its views were painted
            assert counter.painted_twice() == [], page.objectName()
        counter.repaints.clear()
        counter.page = window.student_page
        window._go(window.student_page)
        qtbot.waitUntil(lambda: any(counter.repaints), timeout=5_000)
        qtbot.wait(30)
        assert counter.painted_twice() == []
    finally:
        app.removeEventFilter(counter)


def test_painting_a_caseload_cell_asks_the_model_once_not_per_role(qtbot):
    """Qt's item delegate asked seven roles per painted cell, each a call from C++ into the
    Python ``data()`` (through the caseload's proxy): the first paint of a 10,000-student
    caseload, ~170 cells, was the roster import's longest stall (bench/bench_frames.py,
    decision 0144). A cell is now one ``cell_text`` call, a flagged one (its colour and icon)
    too, and they look as they did — selected or not."""
    from PySide6.QtGui import QPixmap
    from PySide6.QtWidgets import QStyledItemDelegate, QTableView

    from ui.models.caseload_model import CaseloadTableModel, caseload_entry
    from ui.pages.caseload_page import CaseloadFilterProxyModel
    from ui.widgets.tables import configure_table, fit_columns

    rows = [
        caseload_entry(
            i,
            f"Fictional{i:05d} Pretend",
            "Pretend Elementary",
            "5",
            1 + i % 3,
            "2026-10-01",
            ("Safety follow-up",) if i % 3 == 2 else (),
            "2014-01-01",
            f"{i:07d}",
        )
        for i in range(10_000)
    ]
    model = CaseloadTableModel()
    proxy = CaseloadFilterProxyModel()
    proxy.setSourceModel(model)
    view = configure_table(QTableView(), "t", "t")
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.resize(880, 400)
    view.show()
    model.set_rows(rows)
    fit_columns(view)
    qtbot.wait(10)
    calls = {"data": 0, "cell_text": 0}
    codes = {
        CaseloadTableModel.data.__code__: "data",
        CaseloadTableModel.cell_text.__code__: "cell_text",
    }

    def count(frame, event, _arg):
        if event == "call" and frame.f_code in codes:
            calls[codes[frame.f_code]] += 1

    picture = QPixmap(view.viewport().size())
    sys.setprofile(count)
    try:
        view.viewport().render(picture)
    finally:
        sys.setprofile(None)
    first, last = view.rowAt(0), view.rowAt(view.viewport().height() - 1)
    cells = (last - first + 1) * proxy.columnCount()
    assert calls["data"] <= 2, calls  # Qt's delegate asked ~7 per cell
    assert calls["cell_text"] >= cells // 2  # every painted cell (~cells, a row may be cut)
    view.selectRow(2)  # a selected flagged row: the icon's selected mode
    pictures = []
    for delegate in (view.itemDelegate(), QStyledItemDelegate(view)):  # Qt's own: the same
        view.setItemDelegate(delegate)
        view.viewport().render(picture)
        pictures.append(picture.toImage())
    assert pictures[0] == pictures[1]
