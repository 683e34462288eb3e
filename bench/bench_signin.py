"""County sign-in: the time to refuse an unknown username against a known user's wrong password,
with the server's production Argon2id parameters (64 MiB, 3 iterations), on SQLite. Before
issue 18 an unknown user was answered in ~6 ms and a real one in ~114 ms (username discovery);
the ratio unknown/known should now be close to 1."""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from county_server import auth
from county_server.db import Database
from county_server.errors import Refused

Row = tuple[str, float, str, float | None]
PASSWORD = "bench fictional password"


def run(quick: bool) -> list[Row]:
    rounds = 5 if quick else 15
    with tempfile.TemporaryDirectory(prefix="bench-signin-") as tmp:
        db = Database.open(str(Path(tmp) / "c.sqlite3"))
        now = datetime(2026, 12, 3, tzinfo=UTC)
        auth.add_user(db, "ada", "admin", PASSWORD, [], now=now, actor="bench")
        policy = auth.LoginPolicy(threshold=10_000)  # measure the answer, not the delays

        def once(name: str, i: int) -> float:
            t0 = time.perf_counter()
            try:
                auth.login(db, name, "wrong-wrong-wrong", now=now, source=f"s{i}", policy=policy)
            except Refused:
                pass
            return time.perf_counter() - t0

        once("nobody", -1)  # warm the dummy hash
        times: dict[str, list[float]] = {"ada": [], "nobody": []}
        for i in range(rounds):  # interleaved, so load on the machine hits both alike
            for name in ("ada", "nobody") if i % 2 else ("nobody", "ada"):
                times[name].append(once(name, i))
        known = 1000 * statistics.median(times["ada"])
        unknown = 1000 * statistics.median(times["nobody"])
        db.close()
    return [
        ("signin_refuse_known_user_ms", known, "ms", None),
        ("signin_refuse_unknown_user_ms", unknown, "ms", unknown / known),
    ]
