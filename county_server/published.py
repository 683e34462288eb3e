"""Which published cube a page, an export or a report reads (decision 0154).

A ``serve`` that writes (the primary) proves the cube fresh, or rebuilds it, before an export or
a report (``cube.ensure_fresh``, decision 0118), and its pages read what its refresher keeps
fresh (``publication.served``). A read-only ``serve`` (``--read-only``, a dashboard server on a
read replica) builds nothing and writes nothing to its database: everything it shows is the cube
the primary last published, as its stored state row says (``built_at``, and ``source``: the
fingerprint of the counts it was built from). It never proves or rebuilds it — on a replica it
could not, and the primary's refresher already does. Counts that reach the primary appear on the
replica after the primary's next refresh round plus the replication delay.
"""

from __future__ import annotations

from datetime import datetime

from county_server.db import Database
from county_server.errors import ServerError
from county_server.publication import cube, served


class NotPublished(ServerError):
    """A read-only server's primary has not built a publication yet."""


def stored(db: Database) -> cube.State:
    """The state row the primary last published; never rebuilt here."""
    with db.read() as tx:
        current = cube.state(tx)
    if current is None:
        raise NotPublished(
            "Nothing is published yet: this server only reads, and the primary's serve "
            "builds the publication after its first sync round."
        )
    return current


def for_page(db: Database, now: datetime) -> cube.State:
    """The state a dashboard page shows."""
    return stored(db) if db.read_only else served.page_state(db, now)


def for_export(db: Database, now: datetime) -> cube.State:
    """The state an export or a printed report reads: proven fresh first where this server
    writes, the primary's last publication where it only reads."""
    return stored(db) if db.read_only else cube.ensure_fresh(db, now)
