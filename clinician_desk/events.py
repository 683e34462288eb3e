"""Typed, past-tense events that services publish after their transaction commits.

Each event is a frozen dataclass of plain ids and counts (never student names or text): the
service that causes it publishes it once the unit of work has committed, so a rolled-back change
publishes nothing. Handlers run synchronously on the publisher's thread (usually the database
worker), in subscription order; a failing handler is logged (without payload) and does not stop
the others. ``ui/bridge.py`` re-emits every event as a Qt signal on the GUI thread.

=====================  ===================================================  ===================
Event                  Published by                                         When
=====================  ===================================================  ===================
``NoteSigned``         ``services.record.service.RecordService.sign_note``  a note is signed
``ScreeningCompleted`` ``services.screenings.service.ScreeningsService``    an administration is
                       ``.record``                                          scored and stored
``ReferralChanged``    ``RecordService.create_referral`` /                  a referral is made or
                       ``change_referral_status``                           moves status
``RosterImported``     ``RecordService.import_roster`` (not a dry run)      a roster committed
``SyncFinished``       ``services.sync_service.SyncService``                a sync round recorded
=====================  ===================================================  ===================

``tests/test_events.py`` checks that every event the UI listens to has a publisher in the core.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Base of every event; ``name`` is its stable snake_case name (logs, the UI bridge)."""

    name: ClassVar[str] = "event"


@dataclass(frozen=True)
class NoteSigned(Event):
    name: ClassVar[str] = "note_signed"
    note_id: int


@dataclass(frozen=True)
class ScreeningCompleted(Event):
    name: ClassVar[str] = "screening_completed"
    screening_id: int
    student_id: int
    status: str  # "closed" or "open" (a safety follow-up is pending)


@dataclass(frozen=True)
class ReferralChanged(Event):
    name: ClassVar[str] = "referral_changed"
    referral_id: int
    status: str


@dataclass(frozen=True)
class RosterImported(Event):
    name: ClassVar[str] = "roster_imported"
    created: int
    updated: int


@dataclass(frozen=True)
class SyncFinished(Event):
    name: ClassVar[str] = "sync_finished"
    result: Any  # sync.worker.RoundResult: verdicts and counts, no student data


#: Every event type the core defines.
ALL_EVENTS: tuple[type[Event], ...] = (
    NoteSigned,
    ScreeningCompleted,
    ReferralChanged,
    RosterImported,
    SyncFinished,
)

E = TypeVar("E", bound=Event)
Handler = Callable[[Any], None]


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[type[Event], list[Handler]] = defaultdict(list)

    def subscribe(self, kind: type[E], handler: Callable[[E], None]) -> Callable[[], None]:
        """Register ``handler`` for events of type ``kind``; returns its unsubscribe function."""
        self._handlers[kind].append(handler)

        def unsubscribe() -> None:
            if handler in self._handlers[kind]:
                self._handlers[kind].remove(handler)

        return unsubscribe

    def publish(self, event: Event) -> None:
        for handler in list(self._handlers.get(type(event), ())):
            try:
                handler(event)
            except Exception:  # a broken listener must not break the publisher
                log.exception("event handler failed for %s", event.name)
