"""``county-server serve``: the web server (uvicorn), its options and its background work.

A serve that writes runs the publication refresher, so that the cube follows each sync round.
``--read-only`` (decision 0154) is a dashboard server, e.g. on a PostgreSQL read replica: it runs
no refresher and builds nothing, opens ``--db`` with connections that refuse writes, answers the
devices' API and every changing form with 503, and shows what the primary last published. Its
few writes — sign-in sessions and the audit entries of exports and reports — go to
``--primary`` (default: ``--db`` itself, for a dashboard-only process beside the primary's).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from county_server import __version__
from county_server.db import Database
from county_server.errors import ConfigError
from county_server.settings import system_now

DEFAULT_DB = "county-server.sqlite3"


def database_url(args: argparse.Namespace) -> str:
    return str(args.db or os.environ.get("COUNTY_SERVER_DB") or DEFAULT_DB)


def _in_recovery(db: Database) -> bool:
    """Whether a PostgreSQL database is a standby (a streaming replica)."""
    if db.dialect != "postgresql":
        return False
    with db.read() as tx:
        return bool(tx.scalar("SELECT pg_is_in_recovery()"))


def open_read_only(args: argparse.Namespace) -> Database:
    """``--db`` opened only to read, with its writer (``--primary``, else ``--db``)."""
    if args.demo:
        raise ConfigError("--read-only serves an existing county's database, not --demo")
    url = database_url(args)
    writer = Database.open(args.primary or url, migrate=False)
    if _in_recovery(writer):
        writer.close()
        raise ConfigError(
            "the database is a standby (read replica): give --primary URL for sign-in "
            "sessions and the audit trail"
        )
    return Database.open_read_only(url, writer)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from county_server.app import create_app
    from county_server.settings import ServerSettings

    settings = ServerSettings(
        secure_cookies=not args.insecure_cookies,
        history_years=args.history_years,
        read_only=args.read_only,
    )
    if args.read_only:
        db = open_read_only(args)
    elif args.demo:
        from county_server import auth, demo

        url = args.db or os.environ.get("COUNTY_SERVER_DB")
        if not url:
            url = str(Path(tempfile.mkdtemp(prefix="county-demo-")) / "demo.sqlite3")
        db = Database.open(url)
        with db.read() as tx:
            empty = tx.scalar("SELECT COUNT(*) FROM districts") == 0
        if empty:
            print("Filling the demo database with a fictional county…", file=sys.stderr)
            demo.populate(db, system_now())
            password = "demo-" + os.urandom(6).hex()
            auth.add_user(db, "demo-admin", "admin", password, [], now=system_now(), actor="demo")
            print(f"Demo sign-in: demo-admin / {password}", file=sys.stderr)
        settings.secure_cookies = False
        settings.demo_banner = True
    else:
        db = Database.open(database_url(args))
    app = create_app(db, settings)
    from county_server.publication import served, store

    # the cube follows each sync round; a read-only serve shows what the primary published
    stop = None if args.read_only else served.start_refresher(db, settings.now)
    mode = " (read-only)" if args.read_only else ""
    print(f"county-server {__version__} on http://{args.host}:{args.port}/{mode}", file=sys.stderr)
    try:
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            log_level="warning",
            proxy_headers=True,
            forwarded_allow_ips=args.forwarded_allow_ips,
        )
    finally:  # no rebuild and no worker process outlives the server
        if stop is not None:
            stop.set()
        store.stop_workers()
    return 0


def add_serve_parser(sub: Any) -> None:
    s = sub.add_parser("serve", help="run the web server")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8080)
    s.add_argument("--demo", action="store_true", help="a throw-away fictional county")
    s.add_argument(
        "--insecure-cookies",
        action="store_true",
        help="session cookies without Secure (plain-HTTP testing only)",
    )
    s.add_argument(
        "--history-years",
        type=int,
        default=7,
        help="refuse months older than a device's enrollment minus this many years",
    )
    s.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1",
        help="reverse proxies trusted for X-Forwarded-For",
    )
    s.add_argument(
        "--read-only",
        action="store_true",
        help="dashboards and exports only (e.g. on a read replica): no refresher, no ingest",
    )
    s.add_argument(
        "--primary",
        help="with --read-only: the primary's URL for sign-in sessions and audit entries "
        "(default: --db)",
    )
    s.set_defaults(func=cmd_serve)
