"""Small helpers every repository uses on cursors and rows."""

from __future__ import annotations

from typing import Protocol

from clinician_desk.errors import StorageError


class _Inserted(Protocol):
    @property
    def lastrowid(self) -> int | None: ...


def inserted_id(cursor: _Inserted) -> int:
    """The id of the row an ``INSERT`` just added."""
    if cursor.lastrowid is None:  # only after a statement that inserted nothing
        raise StorageError("The database did not report the new row's id.")
    return int(cursor.lastrowid)
