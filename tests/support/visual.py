"""Helpers of the visual-system tests (issue 24): demo data, every page, and measurements.

* ``fill_demo`` puts the demo generator's obviously fictional students into the open vault;
* ``visit_pages`` shows each workspace page with data in it (a student opened, a note started);
* ``contrast_problems`` grabs the window and measures, for every visible text widget, the WCAG
  contrast between its background (the most common colour in its rectangle) and its text (the
  pixel farthest from the background) — what the clinician sees, not what the code meant;
* ``focus_ring_problems`` grabs a control unfocused and focused and counts the pixels whose
  colour changed by at least 3:1 (WCAG 2.2's focus-indicator contrast): a ring must cover at
  least the control's perimeter once;
* ``layout_problems`` lists widgets that leave the window, overlap a sibling, or are smaller
  than their text needs (``sizeHint``) — clipped text.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTabBar,
    QToolButton,
    QWidget,
)

from ui.theme.palettes import contrast_ratio, relative_luminance

PAGES = ("caseload", "student", "note", "screening", "print", "sync")


def fill_demo(window, students: int = 14, sessions: int = 90) -> None:
    from clinician_desk.demo.generator import generate_demo
    from clinician_desk.demo.screenings import demo_screenings

    services = window.ctx.services
    window.ctx.tasks.call_db_blocking(
        lambda: generate_demo(
            services.db,
            students=students,
            sessions=sessions,
            extra=[demo_screenings(services.screenings.instruments)],
        ),
        timeout=120,
    )


def settle(qtbot, window) -> None:
    window.ctx.tasks.wait_idle(20_000)
    qtbot.wait(30)
    QApplication.processEvents()


def first_student_id(window):
    services = window.ctx.services
    overview = window.ctx.tasks.call_db_blocking(lambda: services.record.caseload())
    return overview.caseload[0].student_id


def show_page(qtbot, window, name: str, student_id=None) -> QWidget:
    """Show the workspace page ``name`` (one of ``PAGES``) with its data loaded."""
    if name == "caseload":
        window.nav.setCurrentRow(window.pages.index(window.caseload_page))
        window.caseload_page.activate()  # already current: no row change, so reload
    elif name == "student":
        window.open_student(student_id)
        qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)
    elif name == "note":
        if window.note_page.tabs.count() == 0:
            window.open_student(student_id)
            qtbot.waitUntil(lambda: window.student_page.page is not None, timeout=20_000)
            window.new_note(student_id)
        window._go(window.note_page)
    elif name == "screening":
        window.nav.setCurrentRow(window.pages.index(window.screening_page))
    elif name == "print":
        window.nav.setCurrentRow(window.pages.index(window.print_page))
    elif name == "sync":
        window.nav.setCurrentRow(window.pages.index(window.sync_page))
    settle(qtbot, window)
    return window.page_stack.currentWidget()


def _image_array(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * height)
    return data.reshape(height, stride)[:, : width * 3].reshape(height, width, 3).copy()


def _luminance(pixels: np.ndarray) -> np.ndarray:
    s = pixels.astype(np.float64) / 255.0
    lin = np.where(s <= 0.04045, s / 12.92, ((s + 0.055) / 1.055) ** 2.4)
    return lin @ np.array([0.2126, 0.7152, 0.0722])


def _has_text(widget: QWidget) -> bool:
    if isinstance(widget, QLabel):
        return bool(widget.text().strip()) and widget.pixmap().isNull()
    if isinstance(widget, QAbstractButton):
        return bool(widget.text().strip())
    if isinstance(widget, QLineEdit):
        return bool(widget.text().strip())
    return False


def text_widgets(root: QWidget) -> list[QWidget]:
    kinds = (QLabel, QAbstractButton, QLineEdit)
    return [
        w
        for w in root.findChildren(QWidget)
        if isinstance(w, kinds) and w.isVisibleTo(root) and w.isVisible() and _has_text(w)
    ]


def measured_contrast(image: np.ndarray, rect: QRect) -> float | None:
    """Text-on-background contrast inside ``rect`` of the grabbed window (None: too small)."""
    h, w = image.shape[:2]
    x0, y0 = max(rect.left(), 0), max(rect.top(), 0)
    x1, y1 = min(rect.right() + 1, w), min(rect.bottom() + 1, h)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    pixels = image[y0:y1, x0:x1].reshape(-1, 3)
    packed = (pixels[:, 0].astype(np.int32) << 16) | (pixels[:, 1].astype(np.int32) << 8)
    packed |= pixels[:, 2]
    values, counts = np.unique(packed, return_counts=True)
    top = int(values[counts.argmax()])
    background = ((top >> 16) & 255, (top >> 8) & 255, top & 255)
    lum = _luminance(pixels)
    bg = relative_luminance(background)
    ratios = (np.maximum(lum, bg) + 0.05) / (np.minimum(lum, bg) + 0.05)
    # The text colour: the strongest pixels, ignoring the few strongest of all (a stray
    # antialiased pixel of a neighbour); text strokes give hundreds of such pixels.
    strong = np.sort(ratios)[-12:]
    return float(strong[0]) if len(strong) else None


def _clipped(widget: QWidget, window: QWidget, rect: QRect) -> bool:
    """Whether a scroll area around ``widget`` hides part of it (``rect``: window coordinates)."""
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QAbstractScrollArea):
            viewport = parent.viewport()
            shown = QRect(viewport.mapTo(window, QPoint(0, 0)), viewport.size())
            if not shown.contains(rect):
                return True
        parent = parent.parentWidget()
    return False


def scrolled_through(window: QWidget):
    """Scroll each form that scrolls (``QScrollArea``) of ``window`` a page at a time, yielding
    at each position, so a check sees every part of it as the clinician does; back at the top
    at the end."""
    yield
    for area in window.findChildren(QScrollArea):
        if not area.isVisible() or area.widget() is None:
            continue
        bar = area.verticalScrollBar()
        step = max(bar.pageStep(), 1)
        value = 0
        while value < bar.maximum():
            value = min(value + step, bar.maximum())
            bar.setValue(value)
            QApplication.processEvents()
            yield
        bar.setValue(0)
        QApplication.processEvents()


def contrast_problems(window, where: str, minimum: float = 4.5) -> list[str]:
    image = _image_array(window.grab().toImage())
    ratio = window.devicePixelRatioF()
    out = []
    for widget in text_widgets(window):
        top_left = widget.mapTo(window, QPoint(0, 0))
        rect = QRect(top_left, widget.size())
        if isinstance(widget, QPushButton | QToolButton):
            rect = rect.adjusted(3, 3, -3, -3)  # inside the border and ring
        scaled = QRect(
            int(rect.left() * ratio),
            int(rect.top() * ratio),
            int(rect.width() * ratio),
            int(rect.height() * ratio),
        )
        if not window.rect().contains(rect.center()) or _clipped(widget, window, rect):
            continue  # scrolled out of view: measured where it shows (``scrolled_through``)
        needed = minimum if widget.isEnabled() else 3.0
        measured = measured_contrast(image, scaled)
        if measured is not None and measured < needed:
            label = widget.objectName() or type(widget).__name__
            out.append(f"{where}: {label} {widget.text()[:30]!r} {measured:.2f}:1 < {needed}")
    return out


FOCUSABLE = (QPushButton, QToolButton, QLineEdit, QComboBox, QCheckBox, QRadioButton, QTabBar)


def focus_ring_problems(
    qtbot, window, widget: QWidget, minimum: float = 3.0, ring_on: QRect | None = None
) -> list[str]:
    """The pixels of ``widget`` (plus a 3 px margin) that change by ≥ ``minimum``:1 when it
    takes focus must cover its perimeter at least once.

    ``ring_on`` (window coordinates): the ring belongs around that part of the widget instead (a
    list's current item): the changed pixels must cover its perimeter, and fewer than a quarter
    of that may change outside it (no outline of the whole widget)."""
    margin = 3
    area = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size()).adjusted(
        -margin, -margin, margin, margin
    )
    window.setFocus()
    widget.clearFocus()
    QApplication.processEvents()
    before = _image_array(window.grab(area).toImage())
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=2_000)
    QApplication.processEvents()
    after = _image_array(window.grab(area).toImage())
    h, w = before.shape[:2]
    la = _luminance(before.reshape(-1, 3)).reshape(h, w)
    lb = _luminance(after.reshape(-1, 3)).reshape(h, w)
    ratios = (np.maximum(la, lb) + 0.05) / (np.minimum(la, lb) + 0.05)
    scale = w / max(area.width(), 1)
    name = widget.objectName() or type(widget).__name__
    target = (
        ring_on if ring_on is not None else QRect(area).adjusted(margin, margin, -margin, -margin)
    )
    inside = np.zeros((h, w), dtype=bool)
    t = target.translated(-area.x(), -area.y()).adjusted(-margin, -margin, margin, margin)
    inside[
        max(int(t.top() * scale), 0) : int((t.bottom() + 1) * scale),
        max(int(t.left() * scale), 0) : int((t.right() + 1) * scale),
    ] = True
    changed = int(((ratios >= minimum) & inside).sum())
    # 0.85: rounded corners (radius 4) leave a few pixels of the perimeter unchanged
    perimeter = int(0.85 * 2 * (target.width() + target.height()) * scale)
    found = []
    if changed < perimeter:
        found.append(
            f"{name}: focus changes {changed} px by ≥ {minimum}:1, needs ≥ {perimeter} "
            "(its perimeter)"
        )
    if ring_on is not None:
        outside = int(((ratios >= minimum) & ~inside).sum())
        if outside >= perimeter // 4:
            found.append(f"{name}: focus changes {outside} px outside the current item")
    return found


def _reach(widget: QWidget, window: QWidget) -> tuple[QWidget, QRect] | None:
    """Where ``widget`` must lie to be reachable: inside the content of the nearest scroll area
    (scrolling brings it into view) or, outside any, inside the window. None: a scroll area's
    own parts (a table's cells, its scroll bars), not ours to check."""
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QScrollArea) and parent.widget() is not None:
            content = parent.widget()
            if content is widget or content.isAncestorOf(widget):
                return content, content.rect()
            return None
        if isinstance(parent, QAbstractScrollArea):
            return None
        parent = parent.parentWidget()
    return window, window.rect()


def layout_problems(window, where: str) -> list[str]:
    """Widgets that leave the window, overlap a visible sibling, or clip their text."""
    out = []
    visible = [
        w
        for w in window.findChildren(QWidget)
        if w.isVisible() and w.isWindow() is False and w.window() is window
    ]
    for widget in visible:
        name = widget.objectName() or type(widget).__name__
        if widget.width() <= 0 or widget.height() <= 0:
            continue
        reach = _reach(widget, window)
        if reach is None:
            continue
        container, bounds = reach
        rect = QRect(widget.mapTo(container, QPoint(0, 0)), widget.size())
        if not bounds.contains(rect):
            out.append(
                f"{where}: {name} leaves the {'window' if container is window else 'page'} "
                f"({rect.getRect()} in {bounds.size().toTuple()})"
            )
        if isinstance(widget, QPushButton | QToolButton | QCheckBox | QRadioButton):
            hint = widget.sizeHint()
            if widget.width() + 1 < hint.width() or widget.height() + 1 < hint.height():
                out.append(f"{where}: {name} {widget.text()!r} clipped {widget.size()} < {hint}")
        elif isinstance(widget, QLabel) and widget.text() and widget.pixmap().isNull():
            if widget.wordWrap():
                need = widget.heightForWidth(widget.width())
                if need > widget.height() + 1:
                    out.append(f"{where}: {name} {widget.text()[:30]!r} clipped (height)")
            elif widget.width() + 1 < widget.minimumSizeHint().width():
                out.append(f"{where}: {name} {widget.text()[:30]!r} clipped (width)")
    by_parent: dict[int, list[QWidget]] = {}
    for widget in visible:
        parent = widget.parentWidget()
        if parent is not None and parent.layout() is not None:
            if parent.layout().indexOf(widget) >= 0:
                by_parent.setdefault(id(parent), []).append(widget)
    for siblings in by_parent.values():
        for i, a in enumerate(siblings):
            for b in siblings[i + 1 :]:
                overlap = a.geometry().intersected(b.geometry())
                if overlap.width() > 1 and overlap.height() > 1:
                    out.append(
                        f"{where}: {a.objectName() or type(a).__name__} overlaps "
                        f"{b.objectName() or type(b).__name__}"
                    )
    return out


def contrast_of(a: str, b: str) -> float:
    return contrast_ratio(a, b)
