"""Re-emits the core's typed events (``clinician_desk.events``) as Qt signals on the GUI thread.

Services publish events (``NoteSigned``, ``SyncFinished``, ...) on whatever thread runs them —
usually the database worker. :class:`EventBridge` subscribes to every event type the core
defines and re-emits each as ``published(event)``; because the bridge lives on the GUI thread,
Qt queues the emission across threads, so slots always run on the GUI thread. Events are frozen
plain data (ids, counts), never widgets. ``close()`` unsubscribes everything (on lock).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from clinician_desk.events import ALL_EVENTS, Event, EventBus

E = TypeVar("E", bound=Event)


class EventBridge(QObject):
    """One Qt signal for every bus event, delivered on the GUI thread."""

    published = Signal(object)

    def __init__(
        self,
        bus: EventBus,
        kinds: Iterable[type[Event]] = ALL_EVENTS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._unsubscribers: list[Callable[[], None]] = []
        for kind in kinds:
            self._unsubscribers.append(bus.subscribe(kind, self._forward))

    def _forward(self, event: Event) -> None:
        self.published.emit(event)

    def on(self, kind: type[E], slot: Callable[[E], None]) -> None:
        """Call ``slot(event)`` on the GUI thread whenever an event of type ``kind`` arrives."""

        def filtered(event: Any) -> None:
            if type(event) is kind:
                slot(event)

        self.published.connect(filtered)

    def close(self) -> None:
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers.clear()
