"""Renders every workspace page in light, dark and high contrast for docs/screenshots/visual/.

Run by ``tests/ui/test_visual_screenshots.py`` once per scale in its own process, because
``QT_SCALE_FACTOR`` must be set before Qt starts::

    QT_QPA_PLATFORM=offscreen QT_SCALE_FACTOR=1.5 python -m tests.support.screenshots OUT 150

A throw-away vault in a temporary folder gets the demo generator's obviously fictional students
(fixed clock and seed, so the pictures change only when the app's look does); the clinician is
"Alex Sample (fictional)". Each PNG is reduced to a 96-colour palette (text stays crisp; the
files are a fraction of the size) and named ``<page>-<palette>-<scale>.png``, plus
``caseload-empty-light-<scale>.png`` (the first-use state, before any student). Prints one line
per file, the total bytes, and every contrast or layout problem measured on the rendered pages (the
exit status is 1 if there is any).
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

WINDOW = (1024, 640)  # logical pixels: 1366x768 at 125 %, with room for a taskbar
PALETTES = ("light", "dark", "high-contrast")
COLOURS = 96


class _Bot:
    """The two qtbot calls ``tests.support.visual.show_page`` makes, outside pytest."""

    def waitUntil(self, condition, timeout: int = 5_000) -> None:
        from PySide6.QtWidgets import QApplication

        deadline = time.monotonic() + timeout / 1000
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("page did not load")
            QApplication.processEvents()
            time.sleep(0.01)

    def wait(self, ms: int) -> None:
        from PySide6.QtWidgets import QApplication

        end = time.monotonic() + ms / 1000
        while time.monotonic() < end:
            QApplication.processEvents()
            time.sleep(0.005)


def optimised_png(image) -> bytes:
    from PIL import Image
    from PySide6.QtGui import QImage

    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    picture = Image.frombuffer(
        "RGB", (rgb.width(), rgb.height()), bytes(rgb.constBits()), "raw", "RGB",
        rgb.bytesPerLine(), 1,
    )  # fmt: skip
    reduced = picture.quantize(colors=COLOURS, method=Image.Quantize.FASTOCTREE, dither=0)
    out = io.BytesIO()
    reduced.save(out, "PNG", compress_level=6)
    return out.getvalue()


def render(out: Path, scale_label: str, problems: list[str]) -> list[tuple[Path, int]]:
    from PySide6.QtWidgets import QApplication

    from clinician_desk.clock import FakeClock
    from clinician_desk.services.profile import set_profile
    from clinician_desk.vault import create_vault
    from tests.support.ui import CHEAP_KDF, PASSPHRASE
    from tests.support.visual import (
        PAGES,
        contrast_problems,
        fill_demo,
        first_student_id,
        layout_problems,
        settle,
        show_page,
    )
    from ui import i18n
    from ui.app import build_context, build_window

    i18n.install("en")
    app = QApplication.instance() or QApplication(["screenshots"])
    bot = _Bot()
    written = []
    with tempfile.TemporaryDirectory(prefix="cd-shots-") as tmp:
        clock = FakeClock(datetime(2026, 10, 6, 17, 30, tzinfo=UTC))
        ctx = build_context(
            Path(tmp) / "data", clock=clock, kdf=CHEAP_KDF, settings_path=Path(tmp) / "ui.ini"
        )
        key, _recovery = create_vault(
            ctx.paths.vault("default"), PASSPHRASE, clock=clock, kdf=CHEAP_KDF
        )
        window = build_window(ctx, idle=3600)
        window.resize(*WINDOW)
        window.show()
        window.session.open("default", key, create=True)
        bot.waitUntil(lambda: window.stack.currentWidget() is window.workspace, 30_000)
        services = ctx.services
        ctx.tasks.call_db_blocking(
            lambda: set_profile(services.db, display_name="Alex Sample (fictional)")
        )
        window.header.set_unlocked()
        show_page(bot, window, "caseload")  # the first-use state, before any student
        settle(bot, window)
        problems += contrast_problems(window, f"light/empty@{scale_label}%")
        path = out / f"caseload-empty-light-{scale_label}.png"
        data = optimised_png(window.grab().toImage())
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
        written.append((path, len(data)))
        fill_demo(window)
        student = first_student_id(window)
        try:
            for palette in PALETTES:
                window.set_appearance(palette)
                for page in PAGES:
                    show_page(bot, window, page, student)
                    window.page_stack.currentWidget().setFocus()  # not the sidebar's ring
                    settle(bot, window)
                    where = f"{palette}/{page}@{scale_label}%"
                    problems += contrast_problems(window, where)
                    problems += layout_problems(window, where)
                    path = out / f"{page}-{palette}-{scale_label}.png"
                    data = optimised_png(window.grab().toImage())
                    if not path.exists() or path.read_bytes() != data:
                        path.write_bytes(data)
                    written.append((path, len(data)))
        finally:
            ctx.tasks.wait_idle(10_000)
            ctx.tasks.call_db_blocking(ctx.services.close) if ctx.services else None
            ctx.tasks.shutdown()
            window.deleteLater()
            app.processEvents()
    return written


def main(argv: list[str]) -> int:
    out, scale_label = Path(argv[0]), argv[1]
    out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    written = render(out, scale_label, problems)
    for path, size in written:
        print(f"file {path.name} {size}")
    print(f"total {sum(size for _p, size in written)}")
    for line in problems:
        print(f"problem {line}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
