"""Table-driven scoring vectors for every bundled instrument (synthetic answers only).

Each vector gives answers and the expected result written out by hand from the instrument's
published rules. ``spread`` only builds an answer map with a given sum (items filled in order),
so the expected total, band and positive flag stay literals that the engine must reproduce.
The coverage tests in ``test_vectors.py`` check that every band boundary (both sides), every
threshold, every critical rule and every skip path appears here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NO_SUICIDE_EXTRAS = {"past_year": "no", "serious_thoughts": "no", "ever_attempted": "no"}


def spread(ids: list[str], total: int, max_each: int) -> dict[str, int]:
    """Answers for ``ids`` summing to ``total``, filling items in order up to ``max_each``."""
    out: dict[str, int] = {}
    left = total
    for item_id in ids:
        take = min(max_each, left)
        out[item_id] = take
        left -= take
    assert left == 0, "total too large for these items"
    return out


def nums(n: int) -> list[str]:
    return [str(i) for i in range(1, n + 1)]


@dataclass(frozen=True)
class Vector:
    name: str
    responses: dict[str, Any]
    expect: dict[str, Any] = field(default_factory=dict)
    population: str | None = None
    error: str | None = None  # substring of the expected error message


def _phq9() -> list[Vector]:
    out = []
    cases = [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (11, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
        (24, "severe"),
    ]
    for total, band in cases:
        r = spread(nums(8), total, 3) | {"9": 0}
        out.append(
            Vector(
                f"total {total}",
                r,
                {"total": total, "band": band, "positive": total >= 10, "critical": []},
            )
        )
        out.append(
            Vector(
                f"adolescent total {total}",
                r,
                {"total": total, "positive": total >= 11},
                population="adolescent",
            )
        )
    full = dict.fromkeys(nums(9), 3)
    out += [
        Vector("maximum 27 with item 9", full, {"total": 27, "band": "severe", "critical": ["9"]}),
        Vector(
            "item 9 alone",
            spread(nums(8), 0, 3) | {"9": 1},
            {"total": 1, "band": "minimal", "positive": False, "critical": ["9"]},
        ),
        Vector(
            "difficulty item optional",
            spread(nums(9), 6, 3) | {"difficulty": 2},
            {"total": 6, "complete": True},
        ),
        Vector(
            "missing item 3 cannot be scored",
            {k: v for k, v in full.items() if k != "3"},
            {"scorable": False, "total": None, "band": None, "complete": False, "critical": ["9"]},
        ),
        Vector(
            "value outside options", spread(nums(9), 0, 3) | {"4": 4}, error="one of 0, 1, 2, 3"
        ),
        Vector("unknown item", spread(nums(9), 0, 3) | {"10": 1}, error="has no item '10'"),
        Vector("list is not a value", spread(nums(9), 0, 3) | {"2": [1]}, error="one of"),
        Vector("null is not a value", spread(nums(9), 0, 3) | {"2": None}, error="one of"),
        Vector("boolean is not a value", spread(nums(9), 0, 3) | {"1": True}, error="one of"),
        Vector(
            "unknown population",
            spread(nums(9), 0, 3),
            population="toddler",
            error="no threshold for population",
        ),
    ]
    return out


def _phqa() -> list[Vector]:
    out = []
    cases = [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (11, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
        (24, "severe"),
    ]
    for total, band in cases:
        r = spread(nums(8), total, 3) | {"9": 0} | NO_SUICIDE_EXTRAS
        out.append(
            Vector(
                f"total {total}",
                r,
                {
                    "total": total,
                    "band": band,
                    "positive": total >= 11,
                    "critical": [],
                    "complete": True,
                },
            )
        )
    base = spread(nums(9), 3, 3) | NO_SUICIDE_EXTRAS
    out += [
        Vector(
            "item 9",
            spread(nums(8), 0, 3) | {"9": 2} | NO_SUICIDE_EXTRAS,
            {"total": 2, "critical": ["9"]},
        ),
        Vector(
            "serious thoughts past month",
            base | {"serious_thoughts": "yes"},
            {"total": 3, "positive": False, "critical": ["serious_thoughts"]},
        ),
        Vector(
            "ever attempted", base | {"ever_attempted": "yes"}, {"critical": ["ever_attempted"]}
        ),
        Vector("past year yes is not critical", base | {"past_year": "yes"}, {"critical": []}),
        Vector(
            "extras missing: scored, incomplete",
            spread(nums(9), 12, 3),
            {"total": 12, "positive": True, "complete": False},
        ),
        Vector("yes/no item refuses a number", base | {"ever_attempted": 1}, error="'yes', 'no'"),
    ]
    return out


def _two_item(name: str) -> list[Vector]:
    out = []
    for total in (0, 2, 3, 6):
        band = "positive" if total >= 3 else "negative"
        out.append(
            Vector(
                f"{name} total {total}",
                spread(nums(2), total, 3),
                {"total": total, "band": band, "positive": total >= 3},
            )
        )
    out.append(Vector("one item missing", {"1": 3}, {"scorable": False, "complete": False}))
    return out


def _gad7() -> list[Vector]:
    cases = [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ]
    out = [
        Vector(f"total {t}", spread(nums(7), t, 3), {"total": t, "band": b, "positive": t >= 10})
        for t, b in cases
    ]
    out.append(Vector("missing item", spread(nums(6), 6, 3), {"scorable": False, "missing": ["7"]}))
    return out


PSC_I, PSC_A, PSC_E = (
    ["2", "6", "9", "11", "15"],
    ["1", "3", "7", "13", "17"],
    ["4", "5", "8", "10", "12", "14", "16"],
)


def _psc(i: int = 0, a: int = 0, e: int = 0) -> dict[str, int]:
    return spread(PSC_I, i, 2) | spread(PSC_A, a, 2) | spread(PSC_E, e, 2)


def _psc17() -> list[Vector]:
    sub = lambda i, a, e: {"internalizing": i, "attention": a, "externalizing": e}  # noqa: E731
    return [
        Vector("all never", _psc(), {"total": 0, "band": "below cut-off", "positive": False}),
        Vector(
            "total 14 no subscale",
            _psc(4, 6, 4),
            {"total": 14, "band": "below cut-off", "positive": False, "subscales": sub(4, 6, 4)},
        ),
        Vector(
            "total 15",
            _psc(4, 6, 5),
            {"total": 15, "band": "at or above cut-off", "positive": True},
        ),
        Vector(
            "internalizing 5",
            _psc(5, 0, 0),
            {
                "total": 5,
                "positive": True,
                "subscales": sub(5, 0, 0),
                "subscale_positive": {"internalizing": True, "attention": False},
            },
        ),
        Vector(
            "attention 6",
            _psc(0, 6, 0),
            {"positive": False, "subscale_positive": {"attention": False}},
        ),
        Vector(
            "attention 7",
            _psc(0, 7, 0),
            {"positive": True, "subscale_positive": {"attention": True}},
        ),
        Vector("externalizing 6", _psc(0, 0, 6), {"positive": False}),
        Vector(
            "externalizing 7",
            _psc(0, 0, 7),
            {"positive": True, "subscale_positive": {"externalizing": True}},
        ),
        Vector("maximum", _psc(10, 10, 14), {"total": 34, "positive": True}),
        Vector(
            "three blanks count zero",
            {k: v for k, v in _psc(4, 6, 4).items() if k not in ("1", "2", "4")},
            {"scorable": True, "complete": False},
        ),
        Vector(
            "four blanks cannot be scored",
            {k: v for k, v in _psc(4, 6, 4).items() if k not in ("1", "2", "4", "5")},
            {"scorable": False, "positive": None},
        ),
        Vector("value 3 is outside", _psc() | {"3": 3}, error="one of 0, 1, 2"),
    ]


def _asq() -> list[Vector]:
    no = {"1": "no", "2": "no", "3": "no", "4": "no"}
    out = [
        Vector(
            "all no: negative, item 5 skipped",
            no,
            {"band": "negative", "positive": False, "critical": [], "complete": True},
        ),
        Vector("item 5 after all no is refused", no | {"5": "no"}, error="skipped"),
        Vector(
            "item 1 yes, acuity not asked yet",
            no | {"1": "yes"},
            {
                "band": "positive (acuity not assessed)",
                "positive": True,
                "complete": False,
                "critical": ["1"],
            },
        ),
        Vector(
            "item 3 missing, others no",
            {"1": "no", "2": "no", "4": "no"},
            {"scorable": False, "complete": False},
        ),
        Vector(
            "acute",
            no | {"3": "yes", "5": "yes"},
            {"band": "acute positive", "positive": True, "critical": ["3", "5"]},
        ),
    ]
    for i in nums(4):
        for answer in ("yes", "refused"):
            out.append(
                Vector(
                    f"item {i} {answer}",
                    no | {i: answer, "5": "no"},
                    {"band": "non-acute positive", "positive": True, "critical": [i]},
                )
            )
    return out


def _cssrs() -> list[Vector]:
    n = {"1": "no", "2": "no", "6": "no"}
    ideation = {"1": "yes", "2": "yes", "3": "no", "4": "no", "5": "no", "6": "no"}
    return [
        Vector("all no", n, {"band": "no risk identified", "positive": False, "critical": []}),
        Vector("wish to be dead only", n | {"1": "yes"}, {"band": "low risk", "critical": []}),
        Vector("thoughts, no method", ideation, {"band": "low risk", "critical": []}),
        Vector("method", ideation | {"3": "yes"}, {"band": "moderate risk", "critical": ["3"]}),
        Vector("intent", ideation | {"4": "yes"}, {"band": "high risk", "critical": ["4"]}),
        Vector("plan", ideation | {"5": "yes"}, {"band": "high risk", "critical": ["5"]}),
        Vector(
            "behavior past 3 months",
            n | {"6": "yes", "6_recent": "yes"},
            {"band": "high risk", "critical": ["6_recent"], "critical_levels": ["high"]},
        ),
        Vector(
            "lifetime behavior only",
            n | {"6": "yes", "6_recent": "no"},
            {"band": "moderate risk", "critical": ["6_recent"], "critical_levels": ["moderate"]},
        ),
        Vector(
            "behavior, recency unrecorded",
            n | {"6": "yes"},
            {"scorable": False, "complete": False, "critical": ["6"]},
        ),
        Vector("item 3 after 2 no is refused", n | {"3": "yes"}, error="skipped"),
        Vector("recency after 6 no is refused", n | {"6_recent": "no"}, error="skipped"),
        Vector(
            "item 3-5 unanswered after 2 yes",
            {"1": "no", "2": "yes", "6": "no"},
            {"scorable": False, "missing": ["3", "4", "5"]},
        ),
    ]


def _crafft() -> list[Vector]:
    zero = {"alcohol_days": 0, "cannabis_days": 0, "other_days": 0}
    b = ["car", "relax", "alone", "forget", "friends", "trouble"]
    used = zero | {"cannabis_days": 3}
    yes = lambda k: {x: ("yes" if i < k else "no") for i, x in enumerate(b)}  # noqa: E731
    return [
        Vector(
            "no use, CAR no",
            zero | {"car": "no"},
            {"total": 0, "band": "lower risk", "positive": False, "critical": [], "complete": True},
        ),
        Vector(
            "no use, CAR yes",
            zero | {"car": "yes"},
            {"total": 1, "band": "lower risk", "positive": False, "critical": ["car"]},
        ),
        Vector("no use but relax answered", zero | {"car": "no", "relax": "no"}, error="skipped"),
        Vector(
            "nicotine only stays CAR-only",
            zero | {"nicotine_days": 40, "car": "no"},
            {"total": 0, "complete": True},
        ),
        Vector("use, all no", used | yes(0), {"total": 0, "band": "lower risk", "positive": False}),
        Vector(
            "use, one yes",
            used | {x: "no" for x in b} | {"relax": "yes"},
            {"total": 1, "band": "lower risk", "positive": False, "critical": []},
        ),
        Vector(
            "use, two yes",
            used | yes(2),
            {"total": 2, "band": "higher risk", "positive": True, "critical": ["car"]},
        ),
        Vector("use, all yes", used | yes(6), {"total": 6, "band": "higher risk"}),
        Vector(
            "use, Part B unanswered", used | {"car": "no"}, {"scorable": False, "complete": False}
        ),
        Vector("Part A missing", {"car": "no"}, {"scorable": False, "complete": False}),
        Vector("days above range", zero | {"alcohol_days": 400, "car": "no"}, error="0 to 366"),
        Vector("negative days", zero | {"other_days": -1, "car": "no"}, error="0 to 366"),
        Vector("days as text", zero | {"other_days": "3", "car": "no"}, error="whole number"),
    ]


VECTORS: dict[str, list[Vector]] = {
    "PHQ-9": _phq9(),
    "PHQ-A": _phqa(),
    "PHQ-2": _two_item("PHQ-2"),
    "GAD-2": _two_item("GAD-2"),
    "GAD-7": _gad7(),
    "PSC-17": _psc17(),
    "ASQ": _asq(),
    "C-SSRS": _cssrs(),
    "CRAFFT": _crafft(),
}
