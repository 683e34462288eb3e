"""Wellness screenings: instrument model and loader, pure scoring engine, question flows,
trends and safety-workflow rules. No I/O: instrument files are read by
``clinician_desk.bundled.instruments`` and administrations stored by the screenings repository.
"""

from clinician_desk.domain.screenings.flows import ScreeningFlow
from clinician_desk.domain.screenings.loader import instrument_from_dict
from clinician_desk.domain.screenings.model import Instrument, Item, Option, Value
from clinician_desk.domain.screenings.responses import validate_responses
from clinician_desk.domain.screenings.safety import (
    NOTIFICATION_DECISIONS,
    RISK_OUTCOMES,
    SafetyFollowUp,
    ensure_can_close,
    validate_follow_up,
)
from clinician_desk.domain.screenings.scoring import (
    CriticalFlag,
    ScreeningResult,
    SubscaleScore,
    check_population,
    score,
    score_valid,
)
from clinician_desk.domain.screenings.trends import TrendInput, TrendPoint, TrendSeries, build_trend

__all__ = [
    "NOTIFICATION_DECISIONS",
    "RISK_OUTCOMES",
    "CriticalFlag",
    "Instrument",
    "Item",
    "Option",
    "SafetyFollowUp",
    "ScreeningFlow",
    "ScreeningResult",
    "SubscaleScore",
    "TrendInput",
    "TrendPoint",
    "TrendSeries",
    "Value",
    "build_trend",
    "check_population",
    "ensure_can_close",
    "instrument_from_dict",
    "score",
    "score_valid",
    "validate_follow_up",
    "validate_responses",
]
