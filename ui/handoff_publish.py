"""Publishing this laptop's handoff card to the county's registry from the app, as a step of its
own (decision 0102): built on the database worker, sent on the network pool, remembered on the
database worker (``clinician_desk.services.handoff.registry``).

The Sync page runs it right after enrolling, the automatic sync before a round's ``prepare``
(so the publication's audit entry is covered by that round's anchor and the rounds' requests and
outcomes stay the protocol's), and the Caseload handoff dialog when it opens. It is idempotent
(an unchanged card is not sent) and never fatal: ``on_finished`` gets "" when the card was
published or had nothing to publish, else the problem to report; nothing is retried here (the
next round or opening tries again).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from clinician_desk.errors import ClinicianDeskError
from clinician_desk.services.handoff import registry


def publish_card(
    ctx: Any,
    context: QObject,
    on_finished: Callable[[str, bool], None],
    *,
    keep: Callable[[Any], None] = lambda _handle: None,
    name: str = "handoff-card",
) -> None:
    """Run the three phases; ``on_finished(problem, published)`` on the GUI thread — ``problem``
    "" when nothing went wrong, ``published`` True when the county took a changed card.
    ``keep`` receives each phase's task handle (the scheduler cancels the one in flight)."""
    services = ctx.require_services()
    db, clock, factory = services.db, services.clock, services.sync.client_factory
    tasks = ctx.tasks

    def failed(exc: ClinicianDeskError) -> None:
        on_finished(exc.message, False)

    def sent(pub: Any) -> None:
        keep(
            tasks.run_db(
                lambda _c: registry.record_publication(db, pub, clock),
                context=context,
                on_done=lambda _r: on_finished("", True),
                on_error=failed,
                name=f"{name}-record",
            )
        )

    def prepared(pub: Any) -> None:
        if pub is None:  # not enrolled, or the county already holds this very card
            on_finished("", False)
            return
        keep(
            tasks.run_network(
                lambda _c: (registry.send_publication(pub, clock, factory), pub)[1],
                context=context,
                on_done=sent,
                on_error=failed,
                name=f"{name}-send",
            )
        )

    keep(
        tasks.run_db(
            lambda _c: registry.prepare_publication(db),
            context=context,
            on_done=prepared,
            on_error=failed,
            name=f"{name}-prepare",
        )
    )
