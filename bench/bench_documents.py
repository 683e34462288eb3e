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
  throwaway generic handout, as the app's worker can render before unlock), ratio = to 20 ms.

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

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace

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


def _process_s(code: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120
    )
    return float(out.stdout.strip().splitlines()[-1])


def _interleaved_ms(fns: list[Callable[[], object]], rounds: int) -> list[float]:
    """Median ms of each function over rounds in which each runs once, the first rotating."""
    times: list[list[float]] = [[] for _ in fns]
    for i in range(rounds):
        for k in range(len(fns)):
            j = (i + k) % len(fns)
            t0 = time.perf_counter()
            fns[j]()
            times[j].append(time.perf_counter() - t0)
    return [statistics.median(xs) * 1000 for xs in times]


def run(quick: bool) -> list[tuple[str, float, str, float | None]]:
    from bench.bench_reports import _bare
    from clinician_desk.reports.handout import render_handout

    rows: list[tuple[str, float, str, float | None]] = []
    procs = 5 if quick else 15
    first: list[list[float]] = [[], []]
    for i in range(procs):
        for k in range(2):
            j = (i + k) % 2
            first[j].append(_process_s((_FIRST, _FIRST_BARE)[j]))
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
