"""A second program that holds a vault open, driven line by line on stdin (tests only).

``python -m tests.integration.vault.holder cli PROFILE_DIR`` unlocks through the core the way
``clinician-desk-admin`` does; ``... app DATA_DIR`` starts the real desktop window (offscreen) and
unlocks it through its unlock page. Both print ``open`` once unlocked and then obey ``write TEXT``
(an acknowledged save: prints ``written`` after COMMIT), ``lock`` (prints ``locked``) and ``quit``.
Passphrase from ``$CLINICIAN_DESK_PASSPHRASE``. Synthetic data only.
"""

from __future__ import annotations

import os
import select
import sys
import time
from pathlib import Path
from typing import Any


def _save(services: Any, text: str) -> None:
    with services.db.unit_of_work() as uow:
        uow.conn.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, '2026-12-03')",
            (f"holder-{time.monotonic_ns()}", text),
        )


def _cli(profile_dir: str) -> int:
    from clinician_desk.bootstrap import build_services
    from clinician_desk.clock import SystemClock
    from clinician_desk.config import VaultPaths
    from clinician_desk.vault import unlock_vault

    paths = VaultPaths(Path(profile_dir))
    services: Any = build_services(
        paths, unlock_vault(paths, os.environ["CLINICIAN_DESK_PASSPHRASE"]), SystemClock()
    )
    print("open", flush=True)
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command == "write" and services is not None:
            _save(services, arg)
            print("written", flush=True)
        elif command == "lock" and services is not None:
            services.close()
            services = None
            print("locked", flush=True)
        elif command == "quit":
            break
    if services is not None:
        services.close()
    return 0


def _app(data_dir: str) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from clinician_desk.vault import TEST_KDF
    from ui.app import build_context, build_window

    app = QApplication([])
    ctx = build_context(data_dir, kdf=TEST_KDF, settings_path=Path(data_dir) / "holder-ui.ini")
    window = build_window(ctx, idle=300)
    window.show()
    window.unlock_page.passphrase_edit.setText(os.environ["CLINICIAN_DESK_PASSPHRASE"])
    window.unlock_page.try_unlock()
    state = {"announced": False}

    def poll() -> None:
        if ctx.unlocked and not state["announced"]:
            state["announced"] = True
            print("open", flush=True)
        if not select.select([sys.stdin], [], [], 0)[0]:
            return
        command, _, arg = sys.stdin.readline().strip().partition(" ")
        if command == "write" and ctx.services is not None:
            services = ctx.services
            ctx.tasks.run_db(lambda _c: _save(services, arg), context=window, name="holder")
            ctx.tasks.wait_idle(30_000)
            print("written", flush=True)
        elif command == "lock":
            window.session.lock()
            ctx.tasks.wait_idle(30_000)
            print("locked", flush=True)
        elif command in ("quit", ""):
            window.session.shutdown()
            app.quit()

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(50)
    return int(app.exec())


if __name__ == "__main__":
    mode, where = sys.argv[1], sys.argv[2]
    sys.exit(_cli(where) if mode == "cli" else _app(where))
