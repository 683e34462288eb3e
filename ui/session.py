"""Opening and locking an unlocked session: the one place that holds services and the key.

:meth:`SessionController.open` builds the core's services from ``(vault paths, data key)`` on the
database worker (``bootstrap.build_services`` opens SQLCipher and runs migrations), then stores
them in ``UiContext.services`` and starts the inactivity watcher.

:meth:`SessionController.lock` is the whole locking sequence, in this order: close every open
dialog; let each registered page save its draft (each page submits an encrypted draft save to the
database worker); submit ``services.close()`` (closes SQLCipher, wipes the key) *behind* those
saves on the same FIFO worker; drop every reference the UI holds to services, key and event
bridge; clear clipboard text the app put there; stop the watcher; emit ``locked``. The GUI never
waits for the close: the unlock screen shows at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from clinician_desk.errors import ClinicianDeskError
from ui.bridge import EventBridge
from ui.context import UiContext
from ui.lock import InactivityWatcher, close_open_dialogs


class SessionController(QObject):
    opened = Signal()
    open_failed = Signal(str)
    locked = Signal()

    def __init__(self, ctx: UiContext, watcher: InactivityWatcher) -> None:
        super().__init__()
        self.ctx = ctx
        self.watcher = watcher
        self._before_lock: list[Callable[[], None]] = []
        self._after_lock: list[Callable[[], None]] = []
        watcher.idle_timeout.connect(self.lock)

    def add_lock_hooks(
        self, before: Callable[[], None] | None = None, after: Callable[[], None] | None = None
    ) -> None:
        """``before`` runs while services still exist (save drafts); ``after`` clears views."""
        if before is not None:
            self._before_lock.append(before)
        if after is not None:
            self._after_lock.append(after)

    def open(self, profile: str, key: Any, *, create: bool = False) -> None:
        paths = self.ctx.paths.vault(profile)
        clock = self.ctx.clock

        def work(_control: Any) -> Any:
            from clinician_desk.bootstrap import build_services

            return build_services(paths, key, clock, create=create)

        def done(services: Any) -> None:
            self.adopt(profile, key, services)

        def failed(exc: ClinicianDeskError) -> None:
            key.wipe()
            self.open_failed.emit(exc.message)

        self.ctx.tasks.run_db(work, context=self, on_done=done, on_error=failed, name="open")

    def adopt(self, profile: str, key: Any, services: Any) -> None:
        """Take services built elsewhere on the DB worker (open, demo) as the session."""
        self.ctx.profile = profile
        self.ctx.services = services
        self.ctx.key = key
        self.ctx.bridge = EventBridge(services.events, parent=self)
        self.watcher.start()
        self.opened.emit()

    def lock(self) -> None:
        if self.ctx.services is None:
            return
        close_open_dialogs()
        for hook in self._before_lock:
            hook()
        services = self.ctx.services
        self.ctx.tasks.run_db(lambda _c: services.close(), context=self, name="close")
        if self.ctx.bridge is not None:
            self.ctx.bridge.close()
            self.ctx.bridge.deleteLater()
        self.ctx.services = None
        self.ctx.key = None
        self.ctx.bridge = None
        self.ctx.clipboard.clear_if_ours()
        self.watcher.stop()
        for hook in self._after_lock:
            hook()
        self.locked.emit()

    def shutdown(self) -> None:
        """Lock (saving drafts) and wait for the database worker to finish (app exit)."""
        self.lock()
        self.ctx.tasks.wait_idle(30_000)
