"""The numbered SQL migration files and the schema version a database is at.

Kept apart from ``migrations_runner`` (which applies them) so the tamper checks that read the
migration list (``schema_check``) and the Python steps the runner calls (``tamper``) do not import
each other in a circle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from clinician_desk.errors import StorageError
from clinician_desk.storage.connection import Connection

_NAME_RE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    """All migration files, sorted; numbers must run 1, 2, 3, … without gaps."""
    folder = resources.files("clinician_desk.storage.migrations")
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _NAME_RE.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    found.sort(key=lambda m: m.number)
    for expected, migration in enumerate(found, start=1):
        if migration.number != expected:
            raise StorageError(
                f"Migration files are not numbered consecutively (expected {expected:04d}, "
                f"found {migration.number:04d}); the installation is damaged."
            )
    return found


def head_version() -> int:
    """The schema version this app writes."""
    migrations = available_migrations()
    return migrations[-1].number if migrations else 0


def current_version(conn: Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])
