import json
from pathlib import Path

import pytest

from clinician_desk.config.it_policy import Policy, load_policy, parse_policy
from clinician_desk.errors import ValidationError


def test_no_policy_file_means_clinician_chooses(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CLINICIAN_DESK_POLICY_FILE", str(tmp_path / "absent.json"))
    policy = load_policy()
    assert policy == Policy()
    assert policy.effective_auto_lock_minutes(10) == 10
    assert policy.effective_auto_lock_minutes(None) == 5
    assert not policy.is_locked("server_url")


def test_policy_values_win_and_are_locked(tmp_path: Path, monkeypatch) -> None:
    f = tmp_path / "policy.json"
    f.write_text(json.dumps({"server_url": "https://county.example.org", "auto_lock_minutes": 3}))
    monkeypatch.setenv("CLINICIAN_DESK_POLICY_FILE", str(f))
    policy = load_policy()
    assert policy.server_url == "https://county.example.org"
    assert policy.effective_auto_lock_minutes(30) == 3
    assert policy.is_locked("auto_lock_minutes") and policy.is_locked("server_url")
    assert not policy.is_locked("ca_bundle")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"auto_lock_minutes": 0}, "auto_lock_minutes"),
        ({"auto_lock_minutes": True}, "auto_lock_minutes"),
        ({"auto_lock_minutes": "5"}, "auto_lock_minutes"),
        ({"server_url": "ftp://x"}, "server_url"),
        ({"server_url": "http://county.example.org"}, "https"),
        ({"ca_bundle": ""}, "ca_bundle"),
        ({"colour": "red"}, "unknown policy field"),
        ([], "JSON object"),
    ],
)
def test_bad_policy_is_named(data: object, field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        parse_policy(data, "p.json")


def test_http_allowed_on_loopback_only() -> None:
    assert parse_policy({"server_url": "http://127.0.0.1:8080"}, "p").server_url


def test_unreadable_policy_file_is_an_error(tmp_path: Path, monkeypatch) -> None:
    f = tmp_path / "policy.json"
    f.write_text("{not json")
    monkeypatch.setenv("CLINICIAN_DESK_POLICY_FILE", str(f))
    with pytest.raises(ValidationError, match="not readable JSON"):
        load_policy()
