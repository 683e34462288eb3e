"""Pause Python's cyclic garbage collector around bulk work on the database worker.

A worker that builds tens of thousands of objects (the caseload of 10,000 students) starts full
collections on its own thread. A collection holds the GIL from start to end — 30–130 ms here,
growing with every object the app holds — so the GUI thread, which needs the GIL for each
Python slot, freezes meanwhile (found with ``gc.callbacks`` while profiling
``bench/bench_roster_ui.py``). :func:`paused_gc` disables the collector for the duration of the
block and restores the previous state afterwards, even on an exception. Reference counting still
frees everything that is not in a cycle; cycles wait for the next ordinary collection. Use it
only around bounded worker functions, never around the event loop.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic collector inside the block (re-enabled after it if it was enabled)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
