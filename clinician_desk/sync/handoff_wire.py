"""The handoff-keys registry's wire form, shared by the laptop and the county server.

A published card is ``{name, credential, schools, x25519, ed25519, proof}``; ``proof`` is the
card's own Ed25519 signature over ``proof_message(device_id, card)``: the label, the publishing
device's id, a NUL and the canonical JSON (sorted keys, no spaces, UTF-8) of the other fields.
It binds the card to the device that sends it and proves that device's vault holds the card's
private key (docs/design/handoff.md, "Finding a colleague").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

PROOF_LABEL = b"clinician-desk handoff-keys v1\0"
FIELDS = ("name", "credential", "schools", "x25519", "ed25519")
PATH = "/api/v1/handoff-keys"
SEARCH_PATH = "/api/v1/handoff-keys/search"


def proof_message(device_id: str, card: Mapping[str, Any]) -> bytes:
    fields = {k: card.get(k) for k in FIELDS}
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return PROOF_LABEL + device_id.encode("utf-8") + b"\0" + canonical.encode("utf-8")
