"""Loads the bundled screening instruments (``resources/instruments/*.json``) once per process.

Each file is parsed and handed to the pure validator; a broken file raises ``ValidationError``
naming the file and the field. The file name (without ``.json``) must equal the instrument id,
which is also the instrument code of the county counts (``clinician_desk.sync.wire``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from clinician_desk.bundled.paths import resource_path
from clinician_desk.domain.screenings import Instrument, instrument_from_dict
from clinician_desk.errors import NotFoundError, ValidationError


def load_instrument_file(path: Path) -> Instrument:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError(f"{path.name}: cannot be read ({exc.__class__.__name__})") from None
    instrument = instrument_from_dict(data, source=path.name)
    if instrument.id != path.stem:
        raise ValidationError(f"{path.name}: id {instrument.id!r} must match the file name")
    return instrument


def load_instruments_from(folder: Path) -> dict[str, Instrument]:
    return {p.stem: load_instrument_file(p) for p in sorted(folder.glob("*.json"))}


@cache
def load_instruments() -> dict[str, Instrument]:
    """All bundled instruments by id, validated."""
    return load_instruments_from(resource_path("instruments"))


def get_instrument(instrument_id: str) -> Instrument:
    """The instrument with this id, matched without regard to case (``phq-9`` finds ``PHQ-9``)."""
    instruments = load_instruments()
    found = instruments.get(instrument_id) or next(
        (v for k, v in instruments.items() if k.casefold() == instrument_id.casefold()), None
    )
    if found is None:
        raise NotFoundError(
            f"Unknown instrument {instrument_id!r} (known: {', '.join(sorted(instruments))})"
        )
    return found
