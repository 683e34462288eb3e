"""Schemathesis against /openapi.json: generated requests (valid and invalid) never get a 5xx,
and every answer conforms to the documented status codes, content types and schemas."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from county_server.app import create_app
from county_server.db import Database

from .conftest import Clock, make_settings

# schemathesis needs the schema when the module is collected; the database lives in a fresh
# temporary folder (the pytest fixture bridge of this schemathesis version does not load).
_DB = Database.open(str(Path(tempfile.mkdtemp(prefix="county-fuzz-")) / "fuzz.sqlite3"))
_APP = create_app(_DB, make_settings(Clock(), client_burst=100_000, enroll_burst=100_000))
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms(case: schemathesis.Case) -> None:
    response = case.call()
    assert response.status_code < 500, response.text[:300]
    case.validate_response(response)
