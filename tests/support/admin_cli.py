"""Running ``clinician-desk-admin`` in-process for tests, with their fictional passphrase."""

from __future__ import annotations

import argparse

from clinician_desk.cli import build_parser, run
from clinician_desk.vault import TEST_KDF

PASSPHRASE = "violet kettle under 19 moons"


def admin(argv: list[str], *, cheap_kdf: bool = True) -> int:
    """Run ``clinician-desk-admin argv`` in-process; cheap Argon2id where a slot is written."""
    args: argparse.Namespace = build_parser().parse_args(argv)
    if cheap_kdf and hasattr(args, "kdf"):
        args.kdf = TEST_KDF
    return run(args)
