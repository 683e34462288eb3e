"""The issue-23 targets of ``bench_state``'s figures and, for a missed one, where its time goes
(from the run's own figures)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bench.state_data import Row


@dataclass(frozen=True)
class Target:
    pattern: str
    text: str
    limit: float
    at_least: bool = False


TARGETS = (
    Target(r"state_puts_per_s_2proc", ">= 1000 PUT/s", 1000.0, at_least=True),
    Target(r"state_rebuild_full_est(_cpu)?(_pow)?_s", "<= 60 s", 60.0),
    Target(r"state_refresh_district(_cpu)?_s", "<= 2 s", 2.0),
    Target(r"state_(wide_)?page_p95_ms_.*", "<= 100 ms", 100.0),
)


def where(name: str, got: dict[str, float]) -> str:
    """Where the time of a missed target goes, from this run's own figures."""
    load = got.get("state_load_avg_end", float("nan"))
    if name == "state_puts_per_s_2proc":
        srv = got.get("state_cpu_ms_per_put_server_2proc", float("nan"))
        pg = got.get("state_cpu_ms_per_put_pg_2proc", float("nan"))
        return (
            f"CPU per PUT {srv:.2f} ms serve + {pg:.2f} ms PostgreSQL = {srv + pg:.2f} ms: "
            f"1,000 PUT/s needs {srv + pg:.1f} free cores, this machine has 2 shared "
            f"(load {load:.1f}); serve CPU is HTTP + framework and the database driver"
        )
    if name.startswith("state_rebuild"):
        b = got.get("state_rebuild_exponent_cpu", float("nan"))
        half = got.get("state_rebuild_cpu_s_half", float("nan"))
        whole = got.get("state_rebuild_cpu_s", float("nan"))
        return (
            f"rebuild CPU {half:.1f} s at half the state, {whole:.1f} s at all of it (snapshots^"
            f"{b:.2f} between the two points); the suppression's linear programs (HiGHS, "
            "issue 17) took 91 % of it when profiled at 1/100 (docs/scaling.md)"
        )
    if name.startswith("state_refresh"):
        parts = got.get("state_refresh_district_parts", float("nan"))
        secs = got.get("state_refresh_district_cpu_s", float("nan"))
        return (
            f"{parts:.0f} stale part(s) rebuilt in {secs:.2f} s CPU: a part is a fiscal year of "
            "the whole state, so one district's month rebuilds every district's year; its "
            "suppression linear programs take most of it (issue 17)"
        )
    if name.endswith("_during_ingest"):
        rate = got.get("state_wide_ingest_puts_per_s_during_pages", float("nan"))
        return (
            f"the page shares 2 cores (load {load:.1f}) with {rate:.0f} PUT/s of signed ingest "
            "and the cube rebuilds each sync round triggers in the serve processes"
        )
    cpu = got.get(name.replace("_p95_ms_", "_cpu_ms_"))
    if cpu is not None:
        return (
            f"the page costs {cpu:.0f} ms of serve CPU per request; the rest of the p95 is "
            f"waiting for one of 2 shared cores (load {load:.1f})"
        )
    return f"waiting for a core on a machine at load {load:.1f}, and rendering the page"


def with_targets(rows: list[Row]) -> list[tuple[object, ...]]:
    """Each figure that has a target gets it: ``(…, {"target", "target_ratio", "met",
    "where"})`` (bench/__main__.py prints it and lists the missed ones)."""
    got = {name: value for name, value, _, _ in rows}
    out: list[tuple[object, ...]] = []
    for row in rows:
        name, value = row[0], row[1]
        target = next((t for t in TARGETS if re.fullmatch(t.pattern, name)), None)
        if target is None:
            out.append(row)
            continue
        met = value >= target.limit if target.at_least else value <= target.limit
        info = {"target": target.text, "target_ratio": value / target.limit, "met": met}
        if not met:
            info["where"] = where(name, got)
        out.append((*row, info))
    return out
