"""Loads the bundled service taxonomy (``resources/taxonomy.json``) once per process."""

from __future__ import annotations

import json
from functools import cache

from clinician_desk.bundled.paths import resource_path
from clinician_desk.domain.taxonomy import Taxonomy
from clinician_desk.errors import ValidationError


@cache
def load_taxonomy() -> Taxonomy:
    path = resource_path("taxonomy.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError(f"{path.name}: cannot be read ({exc.__class__.__name__})") from None
    return Taxonomy.from_dict(data, source=path.name)
