"""Family documents after issue 19: safety plan render time per language, handout first-of-session.

``python -m bench.bench_documents [--quick]``. Figures only, printed as Markdown tables:

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
