"""Shared demo data for the benches: vaults built by the demo generator at fixed seeds, cached.

Building 200 students × 20,000 sessions takes about a minute on this machine and 100,000
sessions several; every bench that needs such a vault gets it from here instead. Each cached
vault is keyed by students + sessions + seed + the clock it was built with + the schema version
(the highest migration number and a hash of the migrations and the demo generator's sources),
so a new migration or generator change rebuilds it and never reads a stale one. The cache lives
in ``$CLINICIAN_DESK_BENCH_CACHE`` or ``<tempdir>/clinician-desk-bench-cache``; stale entries are
removed when a new one is built. Builders take a file lock, so two benches running at once build
once. Callers get a private copy (benches write to their vault).

All data is generated, obviously fictional. The database files are encrypted with the fixed
bench key ``KEY``; ``demo_profile`` caches a whole profile (key slots with the KDF calibrated on
this machine, passphrase ``PASSPHRASE``) for benches that unlock like a user.

- ``demo_database(dest, sessions, ...) -> DemoData``: a copy of the cached database at ``dest``.
- ``demo_profile(data_dir, sessions, ...) -> DemoData``: a copy of a cached profile
  ``<data_dir>/profiles/default``.

``python -m bench.data`` builds (or checks) the 20,000- and 100,000-session vaults.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

KEY = bytes(range(32))
PASSPHRASE = "bench passphrase, fictional vault"
SIZES = {20_000: 2026, 100_000: 2026}  # sessions -> seed (issue 10: fixed seeds)
STUDENTS = 200
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class DemoData:
    path: Path  # the database file (of the copy)
    key: bytes | None  # raw data key for demo_database; None for a profile (unlock it)
    students: int
    sessions: int
    seed: int
    build_seconds: float  # measured when the cached vault was built (on this machine)
    from_cache: bool


def cache_dir() -> Path:
    folder = Path(
        os.environ.get("CLINICIAN_DESK_BENCH_CACHE")
        or Path(tempfile.gettempdir()) / "clinician-desk-bench-cache"
    )
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def schema_version() -> str:
    """Highest migration number + a hash of everything that shapes the generated data."""
    migrations = sorted((ROOT / "clinician_desk" / "storage" / "migrations").glob("*.sql"))
    sources = migrations + sorted((ROOT / "clinician_desk" / "services").glob("*demo*.py"))
    h = hashlib.sha256()
    for path in sources:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    top = max((int(p.name[:4]) for p in migrations), default=0)
    return f"v{top:04d}-{h.hexdigest()[:10]}"


@contextmanager
def _locked(name: str) -> Iterator[None]:
    with open(cache_dir() / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _prune(prefix: str, keep: str) -> None:
    """Remove older versions of a cached vault (and their lock files)."""
    for old in cache_dir().glob(f"{prefix}-*"):
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
    for lock in cache_dir().glob(f".{prefix}-*.lock"):
        if lock.name != f".{keep}.lock":
            lock.unlink(missing_ok=True)


def _meta(folder: Path) -> dict[str, float]:
    data: dict[str, float] = json.loads((folder / "meta.json").read_text())
    return data


def _cached(kind: str, sessions: int, students: int, seed: int, today: bool) -> tuple[Path, bool]:
    """The cache folder for this vault, building it if missing; (folder, was_built_now)."""
    stamp = date.today().isoformat() if today else "fixedclock"
    name = f"{kind}-{students}st-{sessions}s-seed{seed}-{stamp}-{schema_version()}"
    folder = cache_dir() / name
    with _locked(name):
        if (folder / "meta.json").exists():
            return folder, False
        _prune(f"{kind}-{students}st-{sessions}s-seed{seed}", name)
        staging = cache_dir() / f".building-{name}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(mode=0o700)
        t0 = time.perf_counter()
        if kind == "db":
            _build_database(staging / "vault.db", sessions, students, seed)
        else:
            _build_profile(staging, sessions, students, seed)
        meta = {"build_seconds": time.perf_counter() - t0, "sessions": sessions}
        (staging / "meta.json").write_text(json.dumps(meta))
        os.replace(staging, folder)
        return folder, True


def _build_database(path: Path, sessions: int, students: int, seed: int) -> None:
    from clinician_desk.clock import FakeClock
    from clinician_desk.demo.generator import generate_demo
    from clinician_desk.storage import Database

    db = Database.open(path, KEY, clock=FakeClock(), create=True)
    try:
        generate_demo(db, students=students, sessions=sessions, seed=seed)
        db.checkpoint()
    finally:
        db.close()


def _build_profile(folder: Path, sessions: int, students: int, seed: int) -> None:
    from clinician_desk.bootstrap import build_services
    from clinician_desk.clock import SystemClock
    from clinician_desk.config import AppPaths
    from clinician_desk.demo.generator import generate_demo
    from clinician_desk.vault import create_vault

    paths = AppPaths.from_option(folder / "data").vault("default")
    key, _recovery = create_vault(paths, PASSPHRASE)  # KDF calibrated here, as on a laptop
    services = build_services(paths, key, SystemClock(), create=True)
    try:
        generate_demo(services.db, students=students, sessions=sessions, seed=seed)
        services.db.checkpoint()
    finally:
        services.close()


def _copy_db(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    for suffix in ("-wal", "-shm"):
        Path(f"{dest}{suffix}").unlink(missing_ok=True)


def demo_database(
    dest: Path, sessions: int, *, students: int = STUDENTS, seed: int | None = None
) -> DemoData:
    """A private copy at ``dest`` of the cached demo database (bench key ``KEY``, built with
    ``FakeClock``'s fixed date so the data never depends on the day)."""
    seed = SIZES.get(sessions, 2026) if seed is None else seed
    folder, built = _cached("db", sessions, students, seed, today=False)
    _copy_db(folder / "vault.db", dest)
    return DemoData(dest, KEY, students, sessions, seed, _meta(folder)["build_seconds"], not built)


def demo_profile(
    data_dir: Path, sessions: int, *, students: int = STUDENTS, seed: int | None = None
) -> DemoData:
    """A private copy of a cached demo profile under ``data_dir/profiles/default`` (passphrase
    ``PASSPHRASE``, KDF calibrated on this machine, demo dated from today)."""
    seed = SIZES.get(sessions, 2026) if seed is None else seed
    folder, built = _cached("profile", sessions, students, seed, today=True)
    src = folder / "data" / "profiles" / "default"
    dest = data_dir / "profiles" / "default"
    dest.mkdir(parents=True, exist_ok=True)
    for item in src.iterdir():
        if item.is_file() and not item.name.endswith(("-wal", "-shm", ".lock")):
            shutil.copyfile(item, dest / item.name)
    return DemoData(
        dest / "vault.db",
        None,
        students,
        sessions,
        seed,
        _meta(folder)["build_seconds"],
        not built,
    )


if __name__ == "__main__":
    for size in SIZES if "--quick" not in sys.argv else [20_000]:
        with tempfile.TemporaryDirectory() as tmp:
            d = demo_database(Path(tmp) / "vault.db", size)
            state = "cached" if d.from_cache else "built"
            print(f"demo {size} sessions seed {d.seed}: {state}, build {d.build_seconds:.1f} s")
