"""The schema fingerprint: a vault's tables, indexes, triggers and views against its migrations.

Every object of ``sqlite_master`` (type, name, table and SQL with whitespace folded) is
compared with what the vault's migrations made. From migration 0008 on, each migration records
the schema it leaves in ``meta.schema_objects`` and its fingerprint (SHA-256 over the sorted
objects) in an audit entry ``schema.migrated`` in the same transaction; the recorded schema must
still have that fingerprint, and the live schema must equal the recorded one. (Released
migration files were edited in place before 0008, so a vault's exact SQL depends on the version
that created it; recording what each migration left is what makes every vault checkable.) A
vault without a recorded schema is compared with the reference built from the migration files
this app ships (applied to an empty in-memory database, cached per version). A trigger dropped,
recreated differently or added by hand, a table altered outside a migration: each is a finding
naming the object and the migration that defines it.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

import sqlcipher3

from clinician_desk.messages import M
from clinician_desk.storage import migration_files
from clinician_desk.storage.connection import Connection

Objects = dict[tuple[str, str], tuple[str, str]]  # (type, name) -> (table, sql)
RECORD_KEY = "schema_objects"
MIGRATED_ACTION = "schema.migrated"


def _objects(conn: Connection) -> Objects:
    return {
        (str(r[0]), str(r[1])): (str(r[2]), " ".join(str(r[3]).split()))
        for r in conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master"
            " WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
        )
    }


@lru_cache(maxsize=4)
def _reference(version: int) -> tuple[Objects, dict[tuple[str, str], int]]:
    """The objects after migrations 1..version, and which migration last defined each."""
    conn = sqlcipher3.connect(":memory:", isolation_level=None)
    owner: dict[tuple[str, str], int] = {}
    try:
        before: Objects = {}
        for migration in migration_files.available_migrations()[:version]:
            conn.executescript(f"BEGIN;\n{migration.sql}\n;\nCOMMIT;")
            after = _objects(conn)
            for key, value in after.items():
                if before.get(key) != value:
                    owner[key] = migration.number
            before = after
        return before, owner
    finally:
        conn.close()


def fingerprint(objects: Objects) -> str:
    h = hashlib.sha256()
    for (kind, name), (table, sql) in sorted(objects.items()):
        h.update(f"{kind}\0{name}\0{table}\0{sql}\n".encode())
    return h.hexdigest()


def record_schema(conn: Connection) -> str:
    """Record the live schema in ``meta`` (inside a migration's transaction); its fingerprint."""
    objects = _objects(conn)
    value = json.dumps(sorted([k, n, t, q] for (k, n), (t, q) in objects.items()))
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (RECORD_KEY, value),
    )
    return fingerprint(objects)


def _recorded(conn: Connection) -> tuple[Objects | None, list[str]]:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (RECORD_KEY,)).fetchone()
    if row is None:
        if migration_files.current_version(conn) >= 8:
            return None, [M("schema: the schema recorded by the last migration is missing")]
        return None, []
    try:
        objects: Objects = {(k, n): (t, q) for k, n, t, q in json.loads(str(row[0]))}
    except (TypeError, ValueError):
        return None, [M("schema: the schema recorded by the last migration cannot be read")]
    entry = conn.execute(
        "SELECT id, details FROM audit_log WHERE entity = 'vault' AND entity_id IS NULL"
        " AND action = ? ORDER BY id DESC LIMIT 1",
        (MIGRATED_ACTION,),
    ).fetchone()
    try:
        sealed = None if entry is None else json.loads(str(entry[1]))["fingerprint"]
    except (TypeError, ValueError, KeyError):
        sealed = None
    if sealed != fingerprint(objects):
        return objects, [
            M(
                "schema: the recorded schema does not match the fingerprint its migration wrote "
                "in the audit trail (it was altered)"
            )
        ]
    return objects, []


def _of(key: tuple[str, str], where: M) -> dict[str, object]:
    return {"kind": key[0], "name": key[1], "where": where}


def check_schema(conn: Connection) -> list[str]:
    """Findings: objects missing, changed or added against the migrations' schema."""
    version = migration_files.current_version(conn)
    reference, owner = _reference(version)
    recorded, findings = _recorded(conn)
    expected = reference if recorded is None else recorded
    actual = _objects(conn)
    for key in sorted(expected.keys() | actual.keys()):
        kind, name = key
        where = (
            M("migration {number}", number=f"{owner[key]:04d}")
            if key in owner
            else M("the vault's migrations")
        )
        if key not in actual:
            findings.append(
                M("schema: {kind} {name} is missing ({where} creates it)", **_of(key, where))
            )
        elif key not in expected:
            findings.append(
                M("schema: {kind} {name} is not part of any migration", kind=kind, name=name)
            )
        elif actual[key] != expected[key]:
            findings.append(
                M("schema: {kind} {name} differs from what {where} defined", **_of(key, where))
            )
    return findings
