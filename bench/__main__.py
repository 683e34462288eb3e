"""``python -m bench [--quick] [--only NAME] [--json FILE]``: every figure in one run.

Each ``bench/bench_<area>.py`` module exposes ``run(quick: bool)`` returning rows
``(name, value, unit, ratio_or_None)``; ratios are ours/baseline measured in the same run. A row
may carry a fifth element, its target: ``{"target": "<= 100 ms", "target_ratio": value/target,
"met": bool, "where": "where the time goes"}``. One line is printed per figure
(``name value unit [ratio=…] [target=… met|MISSED]``), a ``# missed`` line per missed target,
then a JSON summary (targets included) is written when ``--json`` is given. Issue 23's targets
for the desktop areas are attached here from ``bench/targets.py`` to rows that carry none. A
module that fails is reported and the harness goes on; the exit code is non-zero if any module
failed. Figures are never pass/fail here (a missed target does not fail the run) — targets are
listed in bench/README.md.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from bench.targets import attach

HERE = Path(__file__).resolve().parent


def format_value(value: float) -> str:
    """Whole numbers in full (10000, not 1e+04); others to 4 significant digits."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4g}"


def figure_line(
    name: str, value: float, unit: str, ratio: float | None, target: dict[str, Any]
) -> str:
    """``name value unit [ratio=…] [target=<=100ms ratio=…x met|MISSED]``."""
    line = f"{name} {format_value(value)} {unit or '-'}"
    if ratio is not None:
        line += f" ratio={ratio:.3g}"
    if target:
        line += f" target={target['target'].replace(' ', '')} ({target['target_ratio']:.3g}x)"
        line += " met" if target["met"] else " MISSED"
    return line


def discover() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller data, under 2 minutes")
    parser.add_argument("--only", action="append", default=[], help="area name, e.g. vault")
    parser.add_argument("--json", dest="json_file", help="write a JSON summary to this file")
    args = parser.parse_args(argv)

    modules = discover()
    if args.only:
        wanted = {f"bench_{n.removeprefix('bench_')}" for n in args.only}
        unknown = wanted - set(modules)
        if unknown:
            print(f"unknown bench: {', '.join(sorted(unknown))}; have: {', '.join(modules)}")
            return 2
        modules = [m for m in modules if m in wanted]

    results: list[dict[str, Any]] = []
    failed: list[str] = []
    missed: list[str] = []
    started = time.perf_counter()
    for name in modules:
        t0 = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{name}")
            rows = attach(name.removeprefix("bench_"), module.run(quick=args.quick))
        except Exception:
            failed.append(name)
            print(f"{name} FAILED", flush=True)
            traceback.print_exc()
            continue
        for fig, value, unit, ratio, *extra in rows:
            target: dict[str, Any] = extra[0] if extra else {}
            print(figure_line(fig, value, unit, ratio, target), flush=True)
            if target and not target["met"]:
                missed.append(f"{fig}: {target.get('where', '')}")
            results.append(
                {
                    "area": name.removeprefix("bench_"),
                    "name": fig,
                    "value": value,
                    "unit": unit,
                    "ratio": ratio,
                    **target,
                }
            )
        print(f"# {name} took {time.perf_counter() - t0:.1f} s", flush=True)
    total = time.perf_counter() - started
    for text in missed:
        print(f"# missed {text}")
    print(f"# total {total:.1f} s, {len(results)} figures, {len(failed)} failed")
    if args.json_file:
        summary = {
            "quick": args.quick,
            "machine": {
                "python": sys.version.split()[0],
                "platform": platform.platform(),
                "processor": platform.processor(),
            },
            "seconds": total,
            "figures": results,
            "missed": missed,
            "failed": failed,
        }
        Path(args.json_file).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
