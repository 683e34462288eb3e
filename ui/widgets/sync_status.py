"""The status-bar summary of sync: last synced, pending periods, problems.

Reads ``services.sync.status()`` on the database worker whenever it is asked to refresh (after
unlock, after a sync finishes, when a count-changing event arrives) and shows one short line.
When the vault is not enrolled with a county server it says so; when locked it is empty. When
the background sync could not publish the handoff card, the line says so and its tooltip says
why, until a publication succeeds.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from ui.context import UiContext
from ui.i18n import _, core_text


def describe_status(status: Any) -> str:
    """One line for the status bar from the sync service's status object."""
    if status is None:
        return _("Sync: not set up")
    if not getattr(status, "enrolled", True):
        return _("Sync: not enrolled with a county server")
    if getattr(status, "revoked", False):
        return _("Sync: stopped, this laptop's permission was withdrawn (see the Sync page)")
    last = getattr(status, "last_synced_at", None) or getattr(status, "last_success_at", None)
    pending = int(getattr(status, "pending", 0) or getattr(status, "pending_count", 0) or 0)
    problems = getattr(status, "problems", ()) or ()
    parts = [
        _("Last synced {when}").format(when=str(last)[:16].replace("T", " "))
        if last
        else _("Never synced")
    ]
    parts.append(_("{n} pending").format(n=pending))
    if problems:
        parts.append(_("{n} problem(s)").format(n=len(problems)))
    return _("Sync: ") + " · ".join(parts)


class SyncStatusWidget(QLabel):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sync_status_label")
        self.setAccessibleName(_("Sync status"))
        self.ctx = ctx
        self._line = ""
        self._card_problem = ""

    def set_card_problem(self, problem: str) -> None:
        """Why the background sync could not publish the handoff card ("" once it did): the
        line says the card is not yet published, its tooltip says why (``SyncScheduler``)."""
        self._card_problem = problem
        self._show(self._line)

    def _show(self, line: str) -> None:
        self._line = line
        if line and self._card_problem:
            self.setText(line + " · " + _("handoff card not yet published"))
            self.setToolTip(
                _("Your handoff card is not yet in the county's list of colleagues: {why}").format(
                    why=core_text(self._card_problem)
                )
            )
        else:
            self.setText(line)
            self.setToolTip("")

    def refresh(self) -> None:
        services = self.ctx.services
        sync = getattr(services, "sync", None) if services is not None else None
        if sync is None:
            self._show(_("Sync: not set up") if services is not None else "")
            return

        self.ctx.tasks.run_db(
            lambda _c: sync.status(),
            context=self,
            on_done=lambda status: self._show(describe_status(status)),
            on_error=lambda _exc: self._show(_("Sync: status unavailable")),
            name="sync-status",
        )

    def clear(self) -> None:
        self._card_problem = ""
        self._show("")
