"""What every page and dialog of the desktop app shares: paths, clock, tasks, clipboard, services.

``UiContext`` is built once by ``ui.app`` and passed down. ``services`` is the core's façade
(``clinician_desk.bootstrap.Services``) while the vault is unlocked and ``None`` while locked;
pages read it at the moment they need it and never keep their own reference, so locking really
drops it. ``kdf`` lets tests use cheap key-derivation parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from clinician_desk.clock import Clock, SystemClock
from clinician_desk.config import DEFAULT_PROFILE, AppPaths, VaultPaths
from ui.i18n import _
from ui.lock import ClipboardGuard
from ui.settings import WindowSettings
from ui.tasks import TaskManager

if TYPE_CHECKING:  # the composition root is imported at unlock, not at start-up
    from clinician_desk.bootstrap import Services
    from clinician_desk.vault.datakey import DataKey
    from clinician_desk.vault.kdf import KdfParams
    from ui.bridge import EventBridge


@dataclass
class UiContext:
    paths: AppPaths
    tasks: TaskManager
    clipboard: ClipboardGuard
    settings: WindowSettings
    clock: Clock = field(default_factory=SystemClock)
    kdf: KdfParams | None = None
    profile: str = DEFAULT_PROFILE
    services: Services | None = None
    key: DataKey | None = None
    bridge: EventBridge | None = None
    demo: bool = False

    @property
    def vault_paths(self) -> VaultPaths:
        return self.paths.vault(self.profile)

    @property
    def unlocked(self) -> bool:
        return self.services is not None

    def require_services(self) -> Services:
        """The service façade; raises the core's VaultError if the app is locked."""
        from clinician_desk.errors import VaultError

        if self.services is None:
            raise VaultError(_("The vault is locked. Unlock it to continue."))
        return self.services
