"""What a dashboard page reads: the stored cube, kept fresh by the background refresher.

``cube.ensure_fresh`` proves the stored cube fresh (a change token, and the part digests when the
token moved) and, when it is stale, rebuilds it in the caller. Both are right for an export or a
printed report. For a page they put the freshness work on every request — at the full state's
440,000 snapshots the token alone measured 170–260 ms, over the page target of 100 ms — and a
page that finds the cube stale pays for the rebuild itself.

A ``serve`` process runs the refresher (:func:`start_refresher`), which does that work every
``every_seconds`` in the background. While it runs, :func:`page_state` reads the stored state (one
row) and the page shows the cube as of the refresher's last round: counts that arrive appear
within one round plus the build. Without a refresher (tests, an app built by hand) and while no
cube exists yet, :func:`page_state` is ``cube.ensure_fresh``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from county_server.db import Database
from county_server.publication import cube

# id() of a database -> the stop event of the refresher that keeps it fresh in this process (the
# refresher's thread holds the database, so the id cannot be reused while the event is unset)
_REFRESHERS: dict[int, threading.Event] = {}


def start_refresher(
    db: Database, now: Callable[[], datetime], every_seconds: float = 30.0
) -> threading.Event:
    """Start ``cube``'s background refresher for ``db`` and let pages rely on it. Set the
    returned event to stop it (pages then prove freshness themselves again)."""
    stop = cube.start_refresher(db, now, every_seconds)
    _REFRESHERS[id(db)] = stop
    return stop


def page_state(db: Database, now: datetime) -> cube.State:
    """The state a page shows: the stored one while a refresher keeps ``db`` fresh, else (or
    when there is no cube yet, or the month turned) a proven-fresh one."""
    stop = _REFRESHERS.get(id(db))
    if stop is not None and not stop.is_set():
        with db.read() as tx:
            current = cube.state(tx)
        if current is not None and current.window == cube.Window.at(now):
            return current
    return cube.ensure_fresh(db, now)
