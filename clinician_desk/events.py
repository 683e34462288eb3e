"""A tiny Qt-free event bus.

Services publish past-tense events (``note_signed``, ``sync_did_finish``); ``ui/bridge.py``
re-emits them as Qt signals. Handlers run synchronously on the publisher's thread, in
subscription order; a failing handler is logged (without payload) and does not stop the others.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Handler = Callable[..., None]


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)

    def subscribe(self, name: str, handler: Handler) -> Callable[[], None]:
        """Register ``handler`` for ``name``; returns a function that unsubscribes it."""
        self._handlers[name].append(handler)

        def unsubscribe() -> None:
            if handler in self._handlers[name]:
                self._handlers[name].remove(handler)

        return unsubscribe

    def publish(self, name: str, **payload: Any) -> None:
        for handler in list(self._handlers.get(name, ())):
            try:
                handler(**payload)
            except Exception:  # a broken listener must not break the publisher
                log.exception("event handler failed for %s", name)
