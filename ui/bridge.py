"""Re-emits the core's Qt-free ``EventBus`` events as Qt signals on the GUI thread.

Services publish past-tense events (``note_signed``, ``sync_did_finish``) on whatever thread runs
them — usually the database worker. :class:`EventBridge` subscribes to the names it is given and
re-emits each as ``published(name, payload)``; because the bridge lives on the GUI thread, Qt
queues the emission across threads, so slots always run on the GUI thread. Payloads are plain
data (ids, counts), never widgets. ``close()`` unsubscribes everything (on lock).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, Signal

from clinician_desk.events import EventBus

#: Events the UI listens to. Unknown names are harmless: nothing publishes them.
KNOWN_EVENTS: tuple[str, ...] = (
    "student_added",
    "student_updated",
    "draft_saved",
    "note_signed",
    "addendum_added",
    "session_recorded",
    "screening_completed",
    "safety_followup_recorded",
    "referral_recorded",
    "document_printed",
    "sync_did_start",
    "sync_did_finish",
    "sync_did_fail",
)


class EventBridge(QObject):
    """One Qt signal for every bus event, delivered on the GUI thread."""

    published = Signal(str, dict)

    def __init__(
        self, bus: EventBus, names: Iterable[str] = KNOWN_EVENTS, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._unsubscribers: list[Callable[[], None]] = []
        for name in names:
            self._unsubscribers.append(bus.subscribe(name, self._forwarder(name)))

    def _forwarder(self, name: str) -> Callable[..., None]:
        def forward(**payload: Any) -> None:
            self.published.emit(name, dict(payload))

        return forward

    def on(self, name: str, slot: Callable[[dict[str, Any]], None]) -> None:
        """Call ``slot(payload)`` on the GUI thread whenever ``name`` is published."""

        def filtered(event: str, payload: dict[str, Any]) -> None:
            if event == name:
                slot(payload)

        self.published.connect(filtered)

    def close(self) -> None:
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers.clear()
