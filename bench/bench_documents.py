"""Family documents: handout vs bare reportlab, first handout of a session, safety plans.

``python -m bench --only documents [--quick]`` prints the figures of issue 23 (``run``):

* ``documents.handout_en_ms`` — the English generic "suicide-warning-signs" handout, median of
  interleaved rounds with ``documents.bare_reportlab_ms`` (the same text, bare reportlab:
  Helvetica, sample styles, no fallback, no footer); ratio = handout / bare (target <= 1.5);
* ``documents.first_handout_ms`` — a fresh Python process with the app's modules imported (as
  they are once the app is up), then the first personalized handout of the session: font
  registration, text loading and the build; median over fresh processes, ratio = to the
  20 ms target. ``documents.first_bare_reportlab_ms`` is the same for the bare document, the
  processes interleaved; ``documents.first_handout_with_imports_ms`` adds the imports;
  ``documents.first_handout_in_app_ms`` is the first handout after importing what the app has
  imported by the time it can print (``clinician_desk.bootstrap``: the report modules, and the
  Latin faces registered by their styles), ratio = to the 20 ms target;
  ``documents.first_handout_after_warm_up_ms`` is the same after ``handout.warm_up()`` (a
  throwaway generic handout, as the app's worker can render before unlock), ratio = to 20 ms;
* ``documents.first_handout_unlocked_ms`` — the issue's figure, the first handout as the app
  meets it: a fresh process imports the core as the app's worker does before unlock, unlocks a
  vault (five fictional demo students), then times the first personalized handout through the
  print service (``PrintService.produce``: the student read from the vault, the audit row, the
  build); median over fresh processes, ratio = to the 20 ms target. The font cache
  (``reports.font_cache``) is in a temporary folder filled by one untimed process first, as on
  any laptop after its first session; ``documents.first_handout_unlocked_cold_cache_ms`` is the
  same with an empty font cache (the first session after installing: the faces are parsed and
  the cache written), ratio = to 20 ms. Every child process of this benchmark uses that
  temporary cache folder (``CLINICIAN_DESK_CACHE_DIR``), so the user's own is never touched.

``python -m bench.bench_documents [--quick]`` prints Markdown tables instead:

* safety plan, typical (the six steps, one or two entries each) and longest (three steps with a
  long entry and seven entries in other scripts: Dari, Arabic with harakat, Chinese, Gurmukhi,
  Vietnamese, Russian), median of N builds in this process after one warm-up; the ratio column
  divides by the English typical plan measured in the same run;
* handout first-of-session: a fresh Python process imports the renderer and builds one
  personalized "suicide-warning-signs" handout; the time covers imports, font registration,
  text loading and the build (median of 3 processes per language). The baseline row is a fresh
  process building the same English text with bare reportlab (Helvetica, no fallback).

Inputs are synthetic and obviously fictional.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from clinician_desk.reports.models import PlanStep, SafetyPlanDoc
from clinician_desk.reports.safety_plan import render_safety_plan, safety_plan_languages

MIXED = (
    "وقتی تنها هستم احساس خستگی می‌کنم",
    "سمِّ الشعور، ثُمَّ تنفَّسْ بهدوء",
    "李小龍 說他不想說話，也不想吃飯",
    "ਆਪਣੀ ਚਚੇਰੀ ਭੈਣ ਨਾਲ ਸੈਰ ਕਰਨਾ",
    "Đi dạo với em họ của tôi sau giờ học",
    "Гулять с двоюродной сестрой",
)
LONG = (
    "When I start to feel that nobody would notice if I was gone, I text my cousin Imaginary "
    "Example and we walk around the block twice before dinner, even when it is raining."
)


def typical_plan() -> SafetyPlanDoc:
    from datetime import date

    items = {
        1: ("Can't sleep, feel trapped",),
        2: ("Draw in my sketchbook", "Listen to music"),
        3: ("Basketball court at the park",),
        4: ("Aunt Example — (555) 010-0000",),
        5: ("School clinician, room 12",),
        6: ("Ask a parent to lock up medicines",),
    }
    return SafetyPlanDoc(
        student_name="Zephyrine Testcase",
        created_on=date(2026, 10, 1),
        steps=tuple(PlanStep(n, f"Step {n}", items[n]) for n in range(1, 7)),
        clinician="Alex Sample, AMFT",
    )


def longest_plan() -> SafetyPlanDoc:
    doc = typical_plan()
    steps = tuple(
        replace(s, items=(*s.items, LONG, *MIXED)) if s.number in (1, 2, 4) else s
        for s in doc.steps
    )
    return replace(doc, student_name="Zephyrine فرشته احمدی 王小明", steps=steps)


def _median_ms(fn: Callable[[], object], reps: int) -> float:
    fn()  # warm-up: fonts, texts, shaping caches
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


_COLD = """
import time
t0 = time.perf_counter()
from clinician_desk.reports.handout import render_handout
from clinician_desk.reports.models import PersonalDetails
who = PersonalDetails("Zephyrine Testcase", ("Individual counseling",), 6)
render_handout("suicide-warning-signs", {lang!r}, who)
print(time.perf_counter() - t0)
"""

_COLD_BARE = """
import time
t0 = time.perf_counter()
from io import BytesIO
from xml.sax.saxutils import escape
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate
from clinician_desk.reports.handout_library import load_handout
text = load_handout("suicide-warning-signs", "en")
s = getSampleStyleSheet()
story = [Paragraph(escape(text.title), s["Title"])]
story += [Paragraph(escape(b.text), s["BodyText"]) for b in text.blocks]
SimpleDocTemplate(BytesIO(), pagesize=LETTER).build(story)
print(time.perf_counter() - t0)
"""


_FIRST = """
import time
from clinician_desk.reports.handout import render_handout
from clinician_desk.reports.models import PersonalDetails
t0 = time.perf_counter()
who = PersonalDetails("Zephyrine Testcase", ("Individual counseling",), 6)
render_handout("suicide-warning-signs", "en", who)
print(time.perf_counter() - t0)
"""

# As in the app: its worker imports the core services before the unlock screen is answered
# (ui/main_window.py, warm_up), which imports the report modules and registers the Latin faces.
_FIRST_IN_APP = "import clinician_desk.bootstrap\n" + _FIRST
# The same, once the worker has rendered a throwaway generic handout (``handout.warm_up``).
_FIRST_AFTER_WARM_UP = (
    "import clinician_desk.bootstrap\n"
    "from clinician_desk.reports.handout import warm_up\n"
    "warm_up()\n" + _FIRST
)

_FIRST_BARE = """
import time
from io import BytesIO
from xml.sax.saxutils import escape
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate
from clinician_desk.reports.handout_library import load_handout
t0 = time.perf_counter()
text = load_handout("suicide-warning-signs", "en")
s = getSampleStyleSheet()
story = [Paragraph(escape(text.title), s["Title"])]
story += [Paragraph(escape(b.text), s["BodyText"]) for b in text.blocks]
SimpleDocTemplate(BytesIO(), pagesize=LETTER).build(story)
print(time.perf_counter() - t0)
"""


# As the app meets it: the worker's start-up work before unlock (ui/main_window.py, warm_up:
# the core imported, which registers the Latin faces, the instruments loaded, the generic English
# handout rendered once), the vault unlocked, then the first handout through the print service.
# argv: data dir, student id, "warm" or "cold" (whether the start-up handout warm-up runs).
# Prints: the first handout's wall ms and CPU ms, the start-up import ms, the warm-up ms.
_FIRST_UNLOCKED = """
import sys, time
t = time.perf_counter()
import clinician_desk.bootstrap
from clinician_desk.bundled.instruments import load_instruments
load_instruments()
imports = time.perf_counter() - t
t = time.perf_counter()
if sys.argv[3] == "warm":
    from clinician_desk.reports.handout import warm_up_once
    warm_up_once("en")
warm = time.perf_counter() - t
from clinician_desk.bootstrap import build_services
from clinician_desk.clock import SystemClock
from clinician_desk.config import AppPaths
from clinician_desk.services.printing import DocumentRequest
from clinician_desk.vault import unlock_vault
paths = AppPaths.from_option(sys.argv[1]).vault("default")
services = build_services(paths, unlock_vault(paths, {phrase!r}), SystemClock())
req = DocumentRequest(
    "handout", topic="suicide-warning-signs", language="en",
    student_id=int(sys.argv[2]), personalized=True,
)
t0, c0 = time.perf_counter(), time.process_time()
services.printing.produce(req)
elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
services.close()
print(elapsed, cpu, imports, warm)
"""
_PHRASE = "bench passphrase, fictional first handout"


def _process_s(code: str, *args: str, env: dict[str, str] | None = None) -> float:
    return _process_out(code, *args, env=env)[0]


def _process_out(code: str, *args: str, env: dict[str, str] | None = None) -> list[float]:
    """The numbers the child prints on its last line."""
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    return [float(x) for x in out.stdout.strip().splitlines()[-1].split()]


def _unlocked_vault(data_dir: Path) -> str:
    """A vault with five fictional demo students; the id of one whose consent basis allows a
    personalized handout (the print service refuses the others)."""
    from clinician_desk.bootstrap import build_services
    from clinician_desk.clock import SystemClock
    from clinician_desk.config import AppPaths
    from clinician_desk.demo.generator import generate_demo
    from clinician_desk.errors import PermissionRefusedError
    from clinician_desk.services.printing import DocumentRequest
    from clinician_desk.vault import create_vault
    from clinician_desk.vault.kdf import KdfParams

    paths = AppPaths.from_option(data_dir).vault("default")
    kdf = KdfParams(memory_kib=1024, iterations=1, lanes=1)  # unlock is not what is timed
    key, _recovery = create_vault(paths, _PHRASE, kdf=kdf)
    services = build_services(paths, key, SystemClock(), create=True)
    try:
        generate_demo(services.db, students=5, sessions=10)
        for sid in range(1, 6):
            req = DocumentRequest(
                "handout",
                topic="suicide-warning-signs",
                language="en",
                student_id=sid,
                personalized=True,
            )
            try:
                services.printing.produce(req)
            except PermissionRefusedError:
                continue
            return str(sid)
    finally:
        services.close()
    raise RuntimeError("no demo student allows a personalized handout")


Row = tuple[str, float, str, float | None]
T = TypeVar("T")


def first_unlocked(procs: int) -> list[Row]:
    """The first handout as the app meets it (start-up warm-up, font cache filled); with an
    empty font cache (first session after installing); without the start-up warm-up. The three
    kinds of process are interleaved, so a burst of load hits each alike."""
    code = _FIRST_UNLOCKED.format(phrase=_PHRASE)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        filled, empty = Path(tmp) / "cache", Path(tmp) / "empty"
        sid = _unlocked_vault(data)
        env = {**os.environ, "CLINICIAN_DESK_CACHE_DIR": str(filled)}
        cold_env = {**os.environ, "CLINICIAN_DESK_CACHE_DIR": str(empty)}
        _process_out(code, str(data), sid, "warm", env=env)  # fills the font cache (untimed)
        kinds = [("app", env, "warm"), ("cold", cold_env, "warm"), ("no_warm_up", env, "cold")]

        def one(j: int) -> list[float]:
            _name, e, mode = kinds[j]
            shutil.rmtree(empty, ignore_errors=True)
            return _process_out(code, str(data), sid, mode, env=e)

        runs = _rotating(len(kinds), procs, one)
        got = {name: runs[j] for j, (name, _, _) in enumerate(kinds)}

    def med(name: str, col: int) -> float:
        return statistics.median(r[col] for r in got[name]) * 1000

    app, app_cpu, cold, plain = med("app", 0), med("app", 1), med("cold", 0), med("no_warm_up", 0)
    return [
        ("documents.first_handout_unlocked_ms", app, "ms", app / 20.0),
        ("documents.first_handout_unlocked_cpu_ms", app_cpu, "ms", app_cpu / 20.0),
        ("documents.first_handout_unlocked_cold_cache_ms", cold, "ms", cold / 20.0),
        ("documents.first_handout_unlocked_no_warm_up_ms", plain, "ms", plain / 20.0),
        ("documents.start_up_imports_ms", med("app", 2), "ms", None),
        ("documents.start_up_imports_cold_cache_ms", med("cold", 2), "ms", None),
        ("documents.start_up_handout_warm_up_ms", med("app", 3), "ms", None),
    ]


def _rotating(count: int, rounds: int, one: Callable[[int], T]) -> list[list[T]]:
    """``one(j)`` for every j < ``count``, ``rounds`` times, the first of each round rotating
    (so a burst of load lands on every kind alike); results per j, in order."""
    got: list[list[T]] = [[] for _ in range(count)]
    for i in range(rounds):
        for k in range(count):
            j = (i + k) % count
            got[j].append(one(j))
    return got


def _interleaved_ms(fns: list[Callable[[], object]], rounds: int) -> list[float]:
    """Median ms of each function over rounds in which each runs once, the first rotating."""

    def timed(j: int) -> float:
        t0 = time.perf_counter()
        fns[j]()
        return time.perf_counter() - t0

    return [statistics.median(xs) * 1000 for xs in _rotating(len(fns), rounds, timed)]


@contextmanager
def _temporary_font_cache() -> Iterator[None]:
    """Every process of the benchmark (this one and its children) uses a temporary font cache,
    never the user's own; it is filled by the first process that parses a face."""
    old = os.environ.get("CLINICIAN_DESK_CACHE_DIR")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CLINICIAN_DESK_CACHE_DIR"] = tmp
        try:
            yield
        finally:
            if old is None:
                os.environ.pop("CLINICIAN_DESK_CACHE_DIR", None)
            else:
                os.environ["CLINICIAN_DESK_CACHE_DIR"] = old


def run(quick: bool) -> list[Row]:
    with _temporary_font_cache():
        return _run(quick)


def _run(quick: bool) -> list[Row]:
    from bench.bench_reports import _bare
    from clinician_desk.reports.handout import render_handout

    rows: list[Row] = []
    procs = 5 if quick else 15
    unlocked = first_unlocked(procs)
    _process_s(_FIRST)  # fills this run's font cache (untimed), as any earlier session has
    first = _rotating(2, procs, lambda j: _process_s((_FIRST, _FIRST_BARE)[j]))
    ours_first, bare_first = (statistics.median(xs) * 1000 for xs in first)
    in_app = statistics.median(_process_s(_FIRST_IN_APP) for _ in range(3 if quick else 7)) * 1000
    warmed = (
        statistics.median(_process_s(_FIRST_AFTER_WARM_UP) for _ in range(3 if quick else 7)) * 1000
    )
    with_imports = _cold_ms(_COLD.format(lang="en"), 1 if quick else 3)

    def handout() -> object:
        return render_handout("suicide-warning-signs", "en")

    def bare() -> object:
        return _bare("suicide-warning-signs")

    _interleaved_ms([handout, bare], 3)  # warm-up: fonts, texts, reportlab's own caches
    ours, base = _interleaved_ms([handout, bare], 30 if quick else 150)
    rows.append(("documents.handout_en_ms", ours, "ms", ours / base))
    rows.append(("documents.bare_reportlab_ms", base, "ms", None))
    rows.append(("documents.first_handout_ms", ours_first, "ms", ours_first / 20.0))
    rows.append(("documents.first_bare_reportlab_ms", bare_first, "ms", None))
    rows.append(("documents.first_handout_in_app_ms", in_app, "ms", in_app / 20.0))
    rows.append(("documents.first_handout_after_warm_up_ms", warmed, "ms", warmed / 20.0))
    rows.append(("documents.first_handout_with_imports_ms", with_imports, "ms", None))
    rows += unlocked
    return rows


def _cold_ms(code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times) * 1000


def main(argv: list[str]) -> int:
    with _temporary_font_cache():
        return _main(argv)


def _main(argv: list[str]) -> int:
    quick = "--quick" in argv
    reps = 3 if quick else 9
    runs = 1 if quick else 3
    typical, longest = typical_plan(), longest_plan()
    base = _median_ms(lambda: render_safety_plan(typical, "en"), reps)
    print("| language | plan, typical (ms) | ratio to en | plan, longest (ms) | pages |")
    print("|---|---|---|---|---|")
    import io

    import pypdf

    for lang in safety_plan_languages():
        t = base if lang == "en" else _median_ms(lambda: render_safety_plan(typical, lang), reps)  # noqa: B023
        long_ms = _median_ms(lambda: render_safety_plan(longest, lang), reps)  # noqa: B023
        pages = len(pypdf.PdfReader(io.BytesIO(render_safety_plan(longest, lang))).pages)
        print(f"| {lang} | {t:.0f} | {t / base:.2f} | {long_ms:.0f} | {pages} |")
    print()
    bare = _cold_ms(_COLD_BARE, runs)
    print("| handout first-of-session (fresh process) | ms | ratio to bare reportlab |")
    print("|---|---|---|")
    print(f"| bare reportlab, English text, Helvetica | {bare:.0f} | 1.00 |")
    for lang in safety_plan_languages():
        ms = _cold_ms(_COLD.format(lang=lang), runs)
        print(f"| personalized suicide-warning-signs, {lang} | {ms:.0f} | {ms / bare:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
