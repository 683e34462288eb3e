"""A progress bar moved in visible steps, not per report (issue 23: no dropped frame).

``QProgressBar.setValue`` repaints the bar at once (~0.7 ms on the GUI thread each time), and a
10,000-row roster reports hundreds of times; a bar 300 px wide shows no difference between most
of them. ``show_progress`` moves the bar only when it crosses one of ``PROGRESS_STEPS`` steps of
its range, or reaches the end, or its range changes — at most ``PROGRESS_STEPS + 2`` repaints
per range, however many reports arrive.
"""

from __future__ import annotations

from PySide6.QtWidgets import QProgressBar

PROGRESS_STEPS = 20


def show_progress(bar: QProgressBar, done: int, total: int) -> bool:
    """Show ``done`` of ``total`` on ``bar`` if that moves it a visible step; return whether the
    bar changed (callers update their status text only then). ``total <= 0`` means busy."""
    total = max(total, 0)
    if bar.minimum() != 0 or bar.maximum() != total:
        bar.setRange(0, total)
        if total:
            bar.setValue(min(max(done, 0), total))
        return True
    if total == 0:
        return False
    done = min(max(done, 0), total)
    current = bar.value()
    if done == current:
        return False
    step = max(1, total // PROGRESS_STEPS)
    if done != total and current >= 0 and done // step == current // step:
        return False
    bar.setValue(done)
    return True
