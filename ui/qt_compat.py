"""Work-arounds for reference-count bugs of PySide6 6.12 on CPython 3.11.

Measured on this stack (see ``tests/ui/test_qt_compat.py``):

* ``SignalInstance.emit()`` returns ``True``/``False`` without a new reference, so every
  ``emit`` from Python drops one reference to a bool;
* static Qt functions returning ``void`` (``QCoreApplication.processEvents``,
  ``QTimer.singleShot``, ``QTest.qWait``, ``QApplication.setApplicationName`` …) drop one
  reference to ``None``.

CPython 3.11's ``True``/``False``/``None`` are not immortal, so a long session ends with the
interpreter aborting ("deallocating True or False"). The app therefore emits through
:func:`emit` and calls static void functions through :func:`call_void`, which give back exactly
the reference that was taken — and only when a start-up probe shows the bug is present, so a
fixed PySide6 costs nothing. Avoid ``QCoreApplication.processEvents`` entirely
(``ui.tasks.pump_events`` uses an event-loop instance, which is unaffected).
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from functools import cache
from typing import Any, cast

from PySide6.QtCore import QObject, Signal, SignalInstance

_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None


PROBE_CALLS = 64


class _Probe(QObject):
    ping = Signal()


@cache
def emit_steals_bool() -> bool:
    """True when ``emit`` drops a reference to its bool result (probed once)."""
    probe = _Probe()
    results = [cast(Any, probe.ping).emit()]  # learn which bool emit returns
    flag = bool(results[0]) if results[0] is not None else True
    del results
    before = sys.getrefcount(flag)
    for _ in range(PROBE_CALLS):
        probe.ping.emit()
    lost = before - sys.getrefcount(flag)
    steals = lost >= PROBE_CALLS // 2  # robust to other threads touching the count meanwhile
    for _ in range(lost + 1 if steals else 0):
        _incref(flag)  # give back what the probe itself took (including the first call)
    return steals


@cache
def static_void_steals_none() -> bool:
    """True when a static void Qt call drops a reference to ``None`` (probed once)."""
    from PySide6.QtCore import QCoreApplication

    version = QCoreApplication.applicationVersion()
    before = sys.getrefcount(None)
    for _ in range(PROBE_CALLS):
        QCoreApplication.setApplicationVersion(version)
    lost = before - sys.getrefcount(None)
    steals = lost >= PROBE_CALLS // 2
    for _ in range(max(0, lost) if steals else 0):
        _incref(None)
    return steals


def emit(signal: SignalInstance, *args: Any) -> None:
    """``signal.emit(*args)`` without losing a reference to ``True``/``False``."""
    result = cast(Any, signal).emit(*args)
    if emit_steals_bool():
        _incref(result)


def emitter(signal: SignalInstance) -> Callable[..., None]:
    """A slot that re-emits ``signal`` (use instead of ``.connect(other.emit)``)."""
    return lambda *args: emit(signal, *args)


def call_void(fn: Callable[..., Any], *args: Any) -> None:
    """Call a static Qt function returning void without losing a reference to ``None``."""
    fn(*args)
    if static_void_steals_none():
        _incref(None)


# Probe now, at import — before the app starts worker threads whose Python code would blur the
# reference counts being measured.
emit_steals_bool()
static_void_steals_none()
