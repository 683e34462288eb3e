"""``python -m bench.torture [--cycles N] [--corrupt N] [--deliveries N] [--quick] [--only PART]
[--tampers N] [--no-ui] [--json FILE]``: the torture suite.

Parts (defaults = the full run): ``crash`` — N SIGKILL cycles during note saving and signing
(default 1,000), zero acknowledged writes lost, ``verify`` clean; ``corruption`` — N damaged vault
and key-slot files (default 1,000), zero crashes, hangs, leaked raw errors or silent wrong reads;
``canary`` — a scripted session through the services and an offscreen desktop-app session, then a
scan of the data dir, temp dir, QSettings store and the programs' output for the canary (zero
hits); ``powerloss`` — the same N cycles with every write not yet fsynced dropped at the kill
(an LD_PRELOAD shim, ``unsynced.c``): zero acknowledged writes lost, plus a control with
``synchronous=OFF`` that must lose some; ``sync`` — N duplicated, replayed and reordered
deliveries (default 10,000) to a real county server on loopback, zero double counts;
``tamper`` — N attacks by a passphrase holder on real vaults with random targets
(default 100; bench/torture/tamper.py), every one named by
``verify`` (``tamper_detected`` = ``tamper_tried``). ``--quick`` = 50 / 200 / 1,000 / 20.

Prints one line per figure (``name value unit``, as ``python -m bench``), then ``BREACH part:
what`` for every breach, and exits 1 if there was any (2 for bad arguments). A part that raises
counts as a breach.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench.__main__ import format_value
from bench.torture.common import Outcome

PARTS = ("crash", "powerloss", "corruption", "canary", "sync", "tamper")


def _part(name: str, args: argparse.Namespace) -> Callable[[Path], Outcome]:
    if name == "crash":
        from bench.torture import crash

        return lambda folder: crash.run(folder, args.cycles)
    if name == "powerloss":
        from bench.torture import powerloss

        return lambda folder: powerloss.run(folder, args.cycles)
    if name == "corruption":
        from bench.torture import corruption

        return lambda folder: corruption.run(folder, args.corrupt)
    if name == "canary":
        from bench.torture import canary

        return lambda folder: canary.run(folder, with_ui=not args.no_ui)
    if name == "tamper":
        from bench.torture import tamper

        return lambda folder: tamper.run(folder, args.tampers)
    from bench.torture import sync_replay

    return lambda folder: sync_replay.run(folder, args.deliveries)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.torture", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="50 / 200 / 1,000 / 20 instead of defaults"
    )
    parser.add_argument("--cycles", type=_positive, help="SIGKILL cycles (default 1000)")
    parser.add_argument("--corrupt", type=_positive, help="damaged files (default 1000)")
    parser.add_argument("--deliveries", type=_positive, help="sync deliveries (default 10000)")
    parser.add_argument("--tampers", type=_positive, help="tamper attacks (default 100)")
    parser.add_argument("--only", action="append", choices=PARTS, default=[], help="run a part")
    parser.add_argument("--no-ui", action="store_true", help="canary: skip the desktop session")
    parser.add_argument("--json", dest="json_file", help="write a JSON summary to this file")
    args = parser.parse_args(argv)
    quick = args.quick
    args.cycles = args.cycles or (50 if quick else 1000)
    args.corrupt = args.corrupt or (200 if quick else 1000)
    args.deliveries = args.deliveries or (1000 if quick else 10_000)
    args.tampers = args.tampers or (20 if quick else 100)
    parts = [p for p in PARTS if not args.only or p in args.only]

    figures: list[dict[str, object]] = []
    breaches: list[str] = []
    started = time.perf_counter()
    for name in parts:
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix=f"torture-{name}-") as tmp:
            try:
                outcome = _part(name, args)(Path(tmp))
            except Exception as exc:
                traceback.print_exc()
                outcome = Outcome(breaches=[f"the part failed: {type(exc).__name__}: {exc}"])
        for fig, value, unit, _ratio in outcome.rows:
            print(f"{fig} {format_value(value)} {unit}", flush=True)
            figures.append({"area": "torture", "name": fig, "value": value, "unit": unit})
        for note in outcome.notes:
            print(f"# {name}: {note}", flush=True)
        breaches += [f"{name}: {b}" for b in outcome.breaches]
        print(f"# {name} took {time.perf_counter() - t0:.1f} s", flush=True)
    for b in breaches:
        print(f"BREACH {b}", flush=True)
    total = time.perf_counter() - started
    verdict = "FAILED" if breaches else "passed"
    print(f"# torture {verdict}: {len(parts)} parts, {len(breaches)} breaches, {total:.1f} s")
    if args.json_file:
        Path(args.json_file).write_text(
            json.dumps(
                {
                    "parts": parts,
                    "settings": {
                        "cycles": args.cycles,
                        "corrupt": args.corrupt,
                        "deliveries": args.deliveries,
                        "tampers": args.tampers,
                        "ui": not args.no_ui,
                    },
                    "seconds": total,
                    "figures": figures,
                    "breaches": breaches,
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main())
