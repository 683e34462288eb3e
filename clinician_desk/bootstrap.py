"""Composition root: the only module that knows concrete classes.

After unlock, ``bootstrap`` builds the service façade from ``(paths, data key)``; locking drops
it. Nothing here runs at import time.
"""

from __future__ import annotations
