"""Encrypted storage of the core: SQLCipher connection, migrations, unit of work, audit trail,
verification and backups.

Public API: ``Database`` (``open``, ``unit_of_work``, ``read``, ``verify``, ``close``) and
``UnitOfWork`` (``conn``, ``clock``, ``audit``). Storage does not import the vault; a key is raw
bytes or any object with a ``raw`` attribute (the vault's ``DataKey``).
"""

from clinician_desk.storage.connection import KeyLike, SupportsRawKey
from clinician_desk.storage.database import Database, UnitOfWork

__all__ = ["Database", "KeyLike", "SupportsRawKey", "UnitOfWork"]
