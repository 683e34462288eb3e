"""Stanley–Brown safety plans: the six steps, validation, and the read model for printing.

The printable document is built by the reports engineer from ``SafetyPlanView``; this module
only says what a plan contains. Step 5 always lists the 988 Suicide & Crisis Lifeline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from clinician_desk.errors import ValidationError
from clinician_desk.messages import M

STEPS: tuple[tuple[str, str], ...] = (
    ("warning_signs", "Warning signs"),
    ("coping_strategies", "Internal coping strategies"),
    ("distraction", "People and social settings that provide distraction"),
    ("help_contacts", "People whom I can ask for help"),
    ("professionals", "Professionals or agencies I can contact during a crisis"),
    ("environment_safety", "Making the environment safe"),
)
STEP_KEYS: tuple[str, ...] = tuple(k for k, _ in STEPS)
LIFELINE_988 = "988 Suicide & Crisis Lifeline (call or text 988)"
MAX_ITEM_CHARS = 2000


def validate_plan(steps: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Six steps in order, items trimmed, blanks dropped; 988 added to step 5 when absent."""
    unknown = sorted(set(steps) - set(STEP_KEYS))
    if unknown:
        raise ValidationError(M("A safety plan has no step {value!r}.", value=unknown[0]))
    out: dict[str, tuple[str, ...]] = {}
    for key in STEP_KEYS:
        items = tuple(i.strip() for i in steps.get(key, ()) if i.strip())
        if any(len(i) > MAX_ITEM_CHARS for i in items):
            raise ValidationError(
                M(
                    "An item of {key!r} is longer than {MAX_ITEM_CHARS} characters.",
                    key=key,
                    MAX_ITEM_CHARS=MAX_ITEM_CHARS,
                )
            )
        out[key] = items
    if not out["warning_signs"]:
        raise ValidationError(M("A safety plan starts with at least one warning sign (step 1)."))
    if not any("988" in i for i in out["professionals"]):
        out["professionals"] = (*out["professionals"], LIFELINE_988)
    return out


@dataclass(frozen=True)
class SafetyPlanStep:
    number: int
    key: str
    title: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class SafetyPlanView:
    """Everything the printable plan needs, in step order."""

    plan_id: int
    student_id: int
    student_display_name: str
    created_on: date
    created_by: str
    steps: tuple[SafetyPlanStep, ...]


def plan_steps(steps: Mapping[str, Sequence[str]]) -> tuple[SafetyPlanStep, ...]:
    return tuple(
        SafetyPlanStep(n, key, title, tuple(steps.get(key, ())))
        for n, (key, title) in enumerate(STEPS, start=1)
    )
