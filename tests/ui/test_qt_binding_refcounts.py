"""The reference-count work-arounds give back exactly what PySide6 takes (see ui/qt_compat)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QObject, Signal

from ui.qt_compat import call_void, emit, emitter
from ui.tasks import pump_events


class _Pinger(QObject):
    ping = Signal(object)
    pong = Signal(object)


def _bools() -> int:
    return sys.getrefcount(True) + sys.getrefcount(False)


def test_emit_keeps_bool_reference_counts_steady(qapp):
    pinger = _Pinger()
    got: list[object] = []
    pinger.ping.connect(emitter(pinger.pong))
    pinger.pong.connect(got.append)
    before = _bools()
    for i in range(500):
        emit(pinger.ping, i)
    assert got == list(range(500))
    assert abs(_bools() - before) <= 5


def test_static_void_calls_and_event_pumping_keep_none_steady(qapp):
    before = sys.getrefcount(None)
    for _ in range(500):
        call_void(QCoreApplication.setApplicationVersion, "0.1")
        pump_events()
    assert abs(sys.getrefcount(None) - before) <= 5
