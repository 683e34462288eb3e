"""``clinician-desk-admin``: headless operations on a clinician's vault.

Each command group lives in its own module below this package and exposes
``register(subparsers)``; the module names are listed in ``COMMAND_MODULES``. A command function
receives the parsed ``argparse.Namespace`` and returns an exit code. Errors from the core
(``ClinicianDeskError``) are printed as one line on stderr with their exit code; no traceback
ever reaches a user (set ``CLINICIAN_DESK_DEBUG=1`` to see one while developing).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from clinician_desk import __version__
from clinician_desk.domain.text_hygiene import printable
from clinician_desk.errors import ClinicianDeskError

# One entry per command-group module (``clinician_desk.cli.<name>``). Keep sorted.
COMMAND_MODULES: tuple[str, ...] = (
    "handoff_cmds",
    "print_cmds",
    "profile_cmds",
    "record_cmds",
    "retention_cmds",
    "screening_cmds",
    "sync_cmds",
    "vault_cmds",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clinician-desk-admin",
        description="Headless operations on a clinician-desk vault.",
    )
    parser.add_argument("--version", action="version", version=f"clinician-desk {__version__}")
    parser.add_argument("--data-dir", help="base folder for vaults (default: per-user data dir)")
    parser.add_argument("--profile", default="default", help="vault profile (default: default)")
    parser.add_argument(
        "--passphrase-file",
        help="read the passphrase from this file (else $CLINICIAN_DESK_PASSPHRASE, else a prompt)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"clinician_desk.cli.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from clinician_desk.vault.process import disable_core_dumps

    disable_core_dumps()  # before any key is read: no core dump may hold one
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return run(args)


def run(args: argparse.Namespace) -> int:
    """Run a parsed command; every failure becomes one line on stderr and an exit code."""
    try:
        code: int = args.func(args)
        return code
    except ClinicianDeskError as exc:
        if os.environ.get("CLINICIAN_DESK_DEBUG"):
            raise
        print(f"error: {printable(exc.message)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # disk full, permissions, a vanished file: one line, no traceback
        if os.environ.get("CLINICIAN_DESK_DEBUG"):
            raise
        where = f": {printable(str(exc.filename))}" if exc.filename else ""
        print(f"error: {exc.strerror or type(exc).__name__}{where}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: say so without a traceback or any data in the message
        if os.environ.get("CLINICIAN_DESK_DEBUG"):
            raise
        print(
            f"error: unexpected internal error ({type(exc).__name__}); "
            "run with CLINICIAN_DESK_DEBUG=1 to see details",
            file=sys.stderr,
        )
        return 70


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
