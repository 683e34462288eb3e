"""The pinned Qt binding keeps the reference counts of ``None``/``True``/``False`` exact.

CPython 3.11's ``None``/``True``/``False`` are ordinary objects: a binding that drops a reference
it does not own makes the interpreter abort ("deallocating None") once the count reaches zero,
and one that keeps a reference it should release makes the count grow without end. Measured
(docs/decisions/0030): PySide6 6.12.0 drops one per void call (instance and static) and one bool
per ``emit``; 6.10 and 6.11 keep one ``None`` per Qt object deleted from the C++ side
(``deleteLater``, parent deletion). Each call shape the app uses is checked here, so a relock that
brings such a binding fails. Where the three are immortal (CPython >= 3.12) there is nothing to
lose and the test is skipped.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from bench.soak_session import singletons_immortal
from ui.tasks import pump_events

CALLS = 300
pytestmark = pytest.mark.skipif(
    singletons_immortal(), reason="None/True/False are immortal on this Python"
)


class _Pinger(QObject):
    ping = Signal()
    carry = Signal(object)


def _drift(action: Callable[[], None]) -> dict[str, int]:
    """How each count moved over ``CALLS`` calls of ``action`` (after a few warm-up calls)."""
    for _ in range(5):
        action()
    gc.collect()
    before = {name: sys.getrefcount(obj) for name, obj in _SINGLETONS.items()}
    for _ in range(CALLS):
        action()
    gc.collect()
    return {name: sys.getrefcount(obj) - before[name] for name, obj in _SINGLETONS.items()}


_SINGLETONS = {"None": None, "True": True, "False": False}
_DEFERRED_DELETE = QEvent.Type.DeferredDelete.value


def _call_shapes() -> tuple[dict[str, Callable[[], None]], tuple[object, ...]]:
    """Each call shape the app uses, and the Qt objects they use (kept alive by the caller)."""
    obj, label, timer, parent = QObject(), QLabel(), QTimer(), QWidget()
    pinger, quiet = _Pinger(), _Pinger()
    got: list[object] = []
    pinger.ping.connect(lambda: got.append(1))
    pinger.carry.connect(got.append)
    loop = QEventLoop()

    def delete_later() -> None:
        QWidget(parent).deleteLater()
        QCoreApplication.sendPostedEvents(None, _DEFERRED_DELETE)

    def reparent() -> None:
        QLabel(parent).setParent(None)

    def single_shot() -> None:
        QTimer.singleShot(0, lambda: None)
        pump_events(loop)

    shapes: dict[str, Callable[[], None]] = {
        "instance void (setObjectName)": lambda: obj.setObjectName("fictional"),
        "instance void (setText)": lambda: label.setText("fictional"),
        "instance void (QTimer.setInterval)": lambda: timer.setInterval(5),
        "static void (setApplicationVersion)": lambda: QCoreApplication.setApplicationVersion(
            "0.1"
        ),
        "static void (processEvents)": lambda: QCoreApplication.processEvents(),
        "emit, connected": lambda: pinger.ping.emit(),
        "emit with an argument": lambda: pinger.carry.emit(7),
        "emit, no receiver": lambda: quiet.ping.emit(),
        "deleteLater + deferred delete": delete_later,
        "setParent(None)": reparent,
        "QTimer.singleShot + event loop": single_shot,
        "bool-returning call": lambda: label.isVisible(),
    }
    return shapes, (obj, label, timer, parent, pinger, quiet, got, loop)


def test_every_call_shape_keeps_none_true_false_exact(qapp) -> None:
    shapes, _objects = _call_shapes()
    drifts = {shape: _drift(action) for shape, action in shapes.items()}
    moved = {
        shape: drift
        for shape, drift in drifts.items()
        if any(abs(v) >= CALLS // 2 for v in drift.values())
    }
    assert moved == {}, f"reference counts moved over {CALLS} calls: {moved}"


def test_the_check_sees_a_lost_and_a_kept_reference() -> None:
    """``_drift`` catches both directions (it is what the test above relies on)."""
    kept: list[object] = []
    assert _drift(lambda: kept.append(None))["None"] == CALLS
    assert _drift(lambda: kept.pop())["None"] == -CALLS
