"""Power loss: every write not yet synced to disk is lost at the crash, not just the process.

SIGKILL alone never drops the page cache, so the crash part cannot tell ``synchronous=FULL`` from
``synchronous=OFF``. Here the writer runs with ``unsynced.c`` preloaded (``LD_PRELOAD``): before
each write to a file of the vault it logs the old bytes to ``<file>.undo``, and an fsync of the
file empties that log. After the SIGKILL the harness replays the undo logs backwards — the state
a power cut would leave, with only synced writes kept — and then checks every acknowledged write
exactly as the crash part does (``crash._check``) and runs ``verify``.

Run twice: with the vault's own pragmas (``synchronous=FULL``): 0 acknowledged writes may be lost;
and a **control** with ``synchronous=OFF`` patched into the writer, which *must* lose some — if
it does not, the simulation is not biting and the run is a breach.

The writer is a fresh interpreter (the preload has to be there at exec); it forks one child per
cycle, like the crash part. Linux with a C compiler (``cc``) only.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

from bench.torture.common import Outcome

SHIM_SOURCE = Path(__file__).with_name("unsynced.c")


def build_shim(folder: Path) -> Path:
    """Compile the preload library into ``folder``; RuntimeError when no compiler is found."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise RuntimeError("no C compiler (cc) to build the power-loss shim")
    out = folder / "unsynced.so"
    subprocess.run(
        [compiler, "-shared", "-fPIC", "-O2", "-o", str(out), str(SHIM_SOURCE), "-ldl"],
        check=True,
        capture_output=True,
    )
    return out


def replay_undo_logs(folder: Path) -> int:
    """Undo every unsynced write under ``folder`` (newest first); how many writes were undone."""
    undone = 0
    for log in sorted(folder.rglob("*.undo")):
        target = log.with_name(log.name.removesuffix(".undo"))
        data = log.read_bytes()
        records: list[tuple[int, int, bytes]] = []
        pos = 0
        while pos + 25 <= len(data) and data[pos : pos + 1] == b"W":
            offset, old_size, length = struct.unpack_from("<QQQ", data, pos + 1)
            pos += 25
            if pos + length > len(data):
                break  # a record torn by the kill itself: its write never happened either
            records.append((offset, old_size, data[pos : pos + length]))
            pos += length
        if records and target.exists():
            fd = os.open(target, os.O_RDWR)
            try:
                for offset, old_size, old in reversed(records):
                    keep = max(0, min(len(old), old_size - offset))
                    if keep:
                        os.pwrite(fd, old[:keep], offset)
                    os.ftruncate(fd, old_size)
                    undone += 1
            finally:
                os.close(fd)
        log.unlink()
    return undone


def _worker(folder: Path, cycles: int, synchronous: str, seed: int) -> dict[str, object]:
    """Runs inside the preloaded interpreter: the crash part's cycle plus the power cut."""
    from bench.torture import crash
    from clinician_desk.clock import FakeClock
    from clinician_desk.storage import Database

    rng = random.Random(seed)
    key, db_path, student_id = crash.prepare(folder)
    states: dict[int, crash.NoteState] = {}
    acks = undone = 0
    lost: list[str] = []
    problems: list[str] = []
    cycle = 0
    for cycle in range(cycles):
        data = crash.run_cycle(
            db_path, key, student_id, rng, env={"PL_ACTIVE": "1"}, synchronous=synchronous
        )
        acks += crash.record_acks(data, states, problems, cycle)
        undone += replay_undo_logs(db_path.parent)
        db = Database.open(db_path, key, clock=FakeClock())
        try:
            lost = crash.check(db, states)
            if cycle % 25 == 24 or cycle == cycles - 1:
                problems += db.verify()
        except Exception as exc:  # a vault the power cut left unreadable
            problems.append(f"cycle {cycle}: {type(exc).__name__}: {exc}")
        finally:
            db.close()
        if lost or problems:
            break
    return {
        "cycles": cycle + 1,
        "acks": acks,
        "undone_writes": undone,
        "lost": lost[:10],
        "lost_count": len(lost),
        "problems": problems[:10],
    }


def _spawn(folder: Path, shim: Path, cycles: int, synchronous: str, seed: int) -> dict[str, object]:
    env = dict(os.environ)
    env["LD_PRELOAD"] = str(shim)
    env["PL_DIR"] = str(folder.resolve())
    env.pop("PL_ACTIVE", None)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.torture.powerloss",
            str(folder),
            str(cycles),
            synchronous,
            str(seed),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"power-loss writer failed: {proc.stderr.strip()[-400:]}")
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def run(folder: Path, cycles: int, control_cycles: int = 50, seed: int = 13) -> Outcome:
    out = Outcome()
    if not sys.platform.startswith("linux"):
        out.notes.append("power loss: skipped (LD_PRELOAD shim is Linux only)")
        return out
    shim = build_shim(folder)
    t0 = time.perf_counter()
    full_dir = folder / "full"
    full_dir.mkdir()
    full = _spawn(full_dir, shim, cycles, "FULL", seed)
    seconds = time.perf_counter() - t0
    control_dir = folder / "off"
    control_dir.mkdir()
    control = _spawn(control_dir, shim, control_cycles, "OFF", seed)
    out.figure("torture.powerloss_cycles", float(str(full["cycles"])), "cycles")
    out.figure("torture.powerloss_acknowledged_writes", float(str(full["acks"])), "writes")
    out.figure(
        "torture.powerloss_unsynced_writes_dropped", float(str(full["undone_writes"])), "writes"
    )
    out.figure("torture.powerloss_lost_writes", float(str(full["lost_count"])), "writes")
    out.figure("torture.powerloss_seconds", seconds, "s")
    out.figure("torture.powerloss_control_cycles", float(str(control["cycles"])), "cycles")
    out.figure("torture.powerloss_control_lost_writes", float(str(control["lost_count"])), "writes")
    out.figure(
        "torture.powerloss_control_unsynced_writes_dropped",
        float(str(control["undone_writes"])),
        "writes",
    )
    out.breaches += [f"power loss: {x}" for x in full["lost"]]  # type: ignore[attr-defined]
    out.breaches += [f"power loss: {x}" for x in full["problems"]]  # type: ignore[attr-defined]
    if not full["acks"]:
        out.breaches.append("power loss: no write was acknowledged (tested nothing)")
    if not control["lost_count"] and not control["problems"]:
        out.breaches.append(
            "power loss control: synchronous=OFF lost nothing, so the simulation does not bite"
        )
    example = list(control["lost"] or control["problems"])[:1]  # type: ignore[call-overload]
    out.notes.append(
        f"power loss control (synchronous=OFF): lost {control['lost_count']} acknowledged "
        f"write(s) in {control['cycles']} cycle(s), e.g. {example}"
    )
    return out


if __name__ == "__main__":
    where, count, sync_mode, seed_text = sys.argv[1:5]
    print(json.dumps(_worker(Path(where), int(count), sync_mode, int(seed_text))))
