"""The county server's PostgreSQL test database: its URL (``COUNTY_TEST_PG_URL``, set by
``scripts/_postgres.sh``) and an empty schema per test."""

from __future__ import annotations

import os

import pytest

from county_server.db import Database


def pg_url() -> str | None:
    url = os.environ.get("COUNTY_TEST_PG_URL")
    if not url and os.environ.get("CI"):
        pytest.fail("CI is set but COUNTY_TEST_PG_URL is not: PostgreSQL tests cannot run")
    return url


_PG_READY: list[str] = []


def fresh_pg(url: str) -> None:
    """Empty every table (the schema is built once per session, then truncated per test)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        if url not in _PG_READY:
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")
            Database.open(url).close()
            _PG_READY.append(url)
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'schema_migrations'"
            ).fetchall()
        ]
        conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
