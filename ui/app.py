"""Entry point of the desktop app: ``clinician-desk [--data-dir DIR] [--demo] [--lang LANG]``
(``--self-test [REPORT]`` checks the installation and exits: see ``ui.selftest_qt``).

Builds the one ``QApplication``, the shared ``UiContext`` (paths, clock, task manager, clipboard
guard, window settings), installs the UI catalogue and an exception hook that logs by type and
frames only (never a message that could hold student data) and shows a generic message — never a
traceback. ``--demo`` makes a throw-away vault in a temporary folder, fills it with the demo
generator's obviously fictional students and sessions, opens straight into the caseload, and
deletes the folder on exit.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

DEMO_PASSPHRASE = "demo vault only, fictional data"
DEMO_PROFILE = "demo"
log = logging.getLogger("ui.app")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="clinician-desk", description="clinician-desk desktop app"
    )
    parser.add_argument("--data-dir", help="base folder for vaults (default: per-user data dir)")
    parser.add_argument("--demo", action="store_true", help="open a throw-away demo vault")
    parser.add_argument("--demo-students", type=int, default=120, help=argparse.SUPPRESS)
    parser.add_argument("--demo-sessions", type=int, default=5000, help=argparse.SUPPRESS)
    parser.add_argument("--lang", help="UI language (e.g. es, or pseudo for layout checks)")
    parser.add_argument(
        "--self-test",
        nargs="?",
        const="-",
        metavar="REPORT",
        help="check this installation with a throw-away vault and exit (0 = all ok)",
    )
    return parser.parse_args(argv)


def install_excepthook(show: Any) -> None:
    """Unexpected errors: log type and frames only, show a generic message, keep running."""
    from ui.tasks import generic_error_text, log_unexpected

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        exc.__traceback__ = tb
        from clinician_desk.errors import ClinicianDeskError

        if isinstance(exc, ClinicianDeskError):
            show(exc.message)
            return
        log_unexpected(exc, "GUI thread")
        show(generic_error_text())

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            log_unexpected(args.exc_value, f"thread {args.thread.name if args.thread else '?'}")

    sys.excepthook = hook
    threading.excepthook = thread_hook


def build_context(
    data_dir: Any, clock: Any = None, kdf: Any = None, settings_path: Any = None
) -> Any:
    from clinician_desk.clock import SystemClock
    from clinician_desk.config import AppPaths
    from ui.context import UiContext
    from ui.lock import ClipboardGuard
    from ui.settings import WindowSettings
    from ui.tasks import TaskManager

    clock = clock or SystemClock()
    return UiContext(
        paths=AppPaths.from_option(data_dir),
        tasks=TaskManager(),
        clipboard=ClipboardGuard(clock),
        settings=WindowSettings(settings_path),
        clock=clock,
        kdf=kdf,
    )


def idle_seconds() -> float:
    from clinician_desk.config.it_policy import load_policy
    from clinician_desk.errors import ClinicianDeskError

    try:
        return load_policy().effective_auto_lock_minutes() * 60.0
    except ClinicianDeskError as exc:  # a broken policy must not mean "never lock"
        log.warning("IT policy unreadable, using the default lock time: %s", exc.message)
        return 5 * 60.0


def build_window(ctx: Any, idle: float | None = None) -> Any:
    from PySide6.QtWidgets import QApplication

    from ui.lock import DEFAULT_IDLE_SECONDS, InactivityWatcher
    from ui.main_window import MainWindow
    from ui.theme.apply import apply_theme

    app = QApplication.instance()
    if isinstance(app, QApplication):  # one visual system for every page and dialog
        apply_theme(app, ctx.settings.theme())

    watcher = InactivityWatcher(ctx.clock, idle if idle is not None else DEFAULT_IDLE_SECONDS)
    window: Any = MainWindow(ctx, watcher)
    if idle is None:  # the IT policy's lock time, read at unlock: not needed to show the window
        window.session.opened.connect(lambda: watcher.set_idle_seconds(idle_seconds()))
    return window


def open_demo(window: Any, students: int, sessions: int) -> None:
    """Create, fill and open the demo vault on the DB worker; the window shows progress."""
    from clinician_desk.vault.kdf import KdfParams

    ctx = window.ctx
    paths = ctx.paths.vault(DEMO_PROFILE)
    clock = ctx.clock

    def work(_control: Any) -> Any:
        from clinician_desk.bootstrap import build_services
        from clinician_desk.demo.generator import generate_demo
        from clinician_desk.demo.screenings import demo_screenings
        from clinician_desk.vault import create_vault

        key, _recovery = create_vault(
            paths, DEMO_PASSPHRASE, clock=clock, kdf=KdfParams(memory_kib=32 * 1024, iterations=2)
        )
        services = build_services(paths, key, clock, create=True)
        extra = [demo_screenings(services.screenings.instruments)]
        generate_demo(services.db, students=students, sessions=sessions, extra=extra)
        return key, services

    from ui.i18n import _

    window.unlock_page.message_label.setText(_("Preparing the demo vault (fictional data)…"))
    window.unlock_page.demo_hint(DEMO_PASSPHRASE)
    ctx.tasks.run_db(
        work,
        context=window,
        on_done=lambda result: window.session.adopt(DEMO_PROFILE, result[0], result[1]),
        name="demo",
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from clinician_desk.vault.process import disable_core_dumps

    disable_core_dumps()  # before any key is typed: no core dump may hold one (issue 16)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.self_test:
        from ui.selftest_qt import main as self_test

        return self_test(args.self_test)
    from PySide6.QtWidgets import QApplication

    from ui import i18n

    language = i18n.install(args.lang)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    i18n.install_qt(language)  # Qt's own buttons and dialogs in the same language

    QApplication.setApplicationName("clinician-desk")
    QApplication.setOrganizationName("clinician-desk")
    demo_dir: Path | None = None
    data_dir = args.data_dir
    if args.demo:
        import tempfile  # only for --demo: every module loaded before the window costs start time

        demo_dir = Path(tempfile.mkdtemp(prefix="clinician-desk-demo-"))
        data_dir = demo_dir
    ctx = build_context(data_dir)
    ctx.demo = args.demo
    window = build_window(ctx)
    from ui.os_events import attach_os_lock_events

    # OS screen lock / session switch / suspend lock the app (listening starts at unlock). Here,
    # not in build_window: tests attach it to private buses, never to a developer's real desktop.
    window.os_lock_events = attach_os_lock_events(window)
    install_excepthook(window.show_error)
    if not ctx.settings.restore_window(window):
        # First start: a comfortable size that still fits a 1366x768 school laptop's work area.
        area = window.screen().availableGeometry()
        window.resize(min(1180, int(area.width() * 0.95)), min(760, int(area.height() * 0.9)))
    window.show()
    window.warm_up()
    if args.demo:
        open_demo(window, args.demo_students, args.demo_sessions)
        _quit_on_terminate(app)
    try:
        return int(app.exec())
    finally:
        ctx.tasks.shutdown()
        if demo_dir is not None:
            import shutil

            shutil.rmtree(demo_dir, ignore_errors=True)


def _quit_on_terminate(app: Any) -> None:
    """SIGTERM/SIGINT end the event loop so the demo folder is removed on the way out.

    Python runs signal handlers only between bytecodes, so a light timer hands control back
    to the interpreter twice a second while Qt's loop runs.
    """
    import signal

    from PySide6.QtCore import QTimer

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: app.quit())
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(500)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
