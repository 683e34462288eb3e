"""No dropped frame (issue 23), the paint: what one repaint of the window costs the GUI thread.

Counts only (paint events per widget, Python calls per painted cell) — speed is measured in
bench/bench_frames.py."""

from __future__ import annotations

import collections

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
