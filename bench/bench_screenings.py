"""Scoring speed: 100,000 administrations through the pure engine (figures, never pass/fail).

``python -m bench.bench_screenings [--quick]``. Answers are synthetic and generated up front so
the timing covers validation plus scoring only.
"""

from __future__ import annotations

import random
import sys
import time

from clinician_desk.bundled.instruments import load_instruments
from clinician_desk.domain.screenings import Instrument, score


def _answers(instrument: Instrument, rng: random.Random) -> dict[str, object]:
    answers: dict[str, object] = {}
    for item in instrument.items:
        if not item.required:
            continue
        if item.count_range is not None:
            answers[item.id] = rng.choice([0, 0, 1, 12])
        else:
            answers[item.id] = rng.choice([o.value for o in item.options])
    return answers


def _valid_answers(instrument: Instrument, rng: random.Random) -> dict[str, object]:
    """Random answers with items the flow skips removed (as the flows would produce)."""
    from clinician_desk.domain.screenings.responses import is_asked

    answers = _answers(instrument, rng)
    kept: dict[str, object] = {}
    for item in instrument.items:
        if item.id in answers and is_asked(instrument, item, kept):  # type: ignore[arg-type]
            kept[item.id] = answers[item.id]
    return kept


def run(quick: bool) -> list[tuple[str, float, str, float | None]]:
    n = 10_000 if quick else 100_000
    rng = random.Random(20260914)
    instruments = list(load_instruments().values())
    work = []
    for i in range(n):
        instrument = instruments[i % len(instruments)]
        work.append((instrument, _valid_answers(instrument, rng)))
    t0 = time.perf_counter()
    positives = 0
    for instrument, answers in work:
        if score(instrument, answers).positive:
            positives += 1
    elapsed = time.perf_counter() - t0
    phq9 = load_instruments()["PHQ-9"]
    one = {str(i): 1 for i in range(1, 10)}
    reps = 2_000 if quick else 20_000
    t1 = time.perf_counter()
    for _ in range(reps):
        score(phq9, one)
    per_phq9 = (time.perf_counter() - t1) / reps
    return [
        (f"screenings.score_{n}_administrations", elapsed, "s", None),
        ("screenings.score_per_administration_mixed", elapsed / n * 1e6, "us", None),
        ("screenings.score_phq9", per_phq9 * 1e6, "us", None),
    ]


if __name__ == "__main__":
    for name, value, unit, ratio in run(quick="--quick" in sys.argv):
        print(f"{name} {value:.3f} {unit}" + (f" ratio={ratio:.2f}" if ratio else ""))
