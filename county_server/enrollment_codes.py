"""Reading the enrollment codes for the admin page: label, org units, issued, expiry, use.
The codes themselves are stored only as hashes, so a page can never show an issued code again."""

from __future__ import annotations

import json
from dataclasses import dataclass

from county_server.db import Tx


@dataclass(frozen=True)
class CodeInfo:
    label: str
    org_units: tuple[str, ...]
    created_at: str
    expires_at: str
    used_at: str | None
    created_by: str
    device_id: str | None
    replaces: str | None

    def state(self, now_iso: str) -> str:
        if self.used_at:
            return "used"
        return "expired" if self.expires_at <= now_iso else "waiting"


def list_codes(tx: Tx, limit: int = 200) -> list[CodeInfo]:
    rows = tx.all(
        "SELECT label, org_units, created_at, expires_at, used_at, created_by, device_id, "
        "replaces FROM enrollment_codes ORDER BY created_at DESC LIMIT ?",
        (limit,),
    )
    return [
        CodeInfo(
            str(r[0]),
            tuple(json.loads(r[1])),
            str(r[2]),
            str(r[3]),
            r[4],
            str(r[5]),
            r[6],
            r[7],
        )
        for r in rows
    ]
