"""Composition root: the only module that knows concrete classes.

After unlock, ``bootstrap`` builds the service façade from ``(paths, data key)``; locking drops
it. Nothing here runs at import time. Each area adds its service object as a field of
``Services`` (and builds it in ``build_services``) with a small targeted edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from clinician_desk.clock import Clock
from clinician_desk.config import VaultPaths
from clinician_desk.events import EventBus
from clinician_desk.services.printing import PrintService
from clinician_desk.services.record import RecordService
from clinician_desk.services.screenings_service import ScreeningsService
from clinician_desk.storage import Database


class DataKey(Protocol):
    """The unlocked data key as the façade needs it (the vault's ``DataKey`` fits)."""

    @property
    def raw(self) -> bytes: ...

    def wipe(self) -> None: ...


@dataclass
class Services:
    """Everything an unlocked session uses. ``close()`` drops the database and wipes the key."""

    db: Database
    clock: Clock
    events: EventBus
    paths: VaultPaths
    key: DataKey
    record: RecordService
    screenings: ScreeningsService
    printing: PrintService

    def close(self) -> None:
        """Close the database and overwrite the key (idempotent)."""
        self.db.close()
        self.key.wipe()


def build_services(
    paths: VaultPaths, key: DataKey, clock: Clock, *, create: bool = False
) -> Services:
    """Open the vault database with ``key`` (migrating it if needed) and build the services.

    ``create=True`` is only for ``init``/demo right after ``create_vault``. On failure the
    key is left to the caller (who still owns it).
    """
    db = Database.open(paths.database, key, clock=clock, create=create)
    events = EventBus()
    return Services(
        db=db,
        clock=clock,
        events=events,
        paths=paths,
        key=key,
        record=RecordService(db),
        screenings=ScreeningsService(db),
        printing=PrintService(db),
    )
