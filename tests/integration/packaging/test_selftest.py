"""The self-test, unfrozen: a real throw-away vault, real failures, nothing left behind."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clinician_desk.selftest import (
    ThrowAwayVault,
    check_policy,
    run_check,
    run_checks,
    run_self_test,
    throw_away_vault,
)
from clinician_desk.selftest.tls import _handshake_with_self_signed_server, check_tls

ROOT = Path(__file__).resolve().parents[3]
CORE_CHECKS = ["resources", "sqlcipher", "policy", "tls", "vault-create", "vault-unlock"]


def _lines(text: str) -> list[str]:
    """The check lines; ``warn …`` lines (not failures) are checked separately."""
    return [line for line in text.splitlines() if line and not line.startswith("warn ")]


def test_self_test_warns_while_the_county_crisis_line_is_unset(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_self_test(out, base=tmp_path) is True  # a warning, not a failure
    warns = [line for line in out.getvalue().splitlines() if line.startswith("warn ")]
    assert len(warns) == 1 and warns[0].startswith("warn county-crisis-line: ")


def test_core_self_test_passes_and_leaves_nothing(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_self_test(out, base=tmp_path) is True
    lines = _lines(out.getvalue())
    assert all(line.startswith("ok ") for line in lines), lines
    names = [line.removeprefix("ok ") for line in lines]
    assert names[:6] == CORE_CHECKS
    assert {"handout-en", "handout-ar", "handout-zh-Hant", "vault-verify"} <= set(names)
    assert names[-1] == "vault-delete"
    assert list(tmp_path.iterdir()) == []  # the throw-away vault is gone


def test_broken_machine_policy_fails_its_check_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"auto_lock_minutes": "never"}), encoding="utf-8")
    monkeypatch.setenv("CLINICIAN_DESK_POLICY_FILE", str(policy))
    work = tmp_path / "work"
    work.mkdir()
    out = io.StringIO()
    assert run_self_test(out, base=work) is False
    lines = _lines(out.getvalue())
    failed = [line for line in lines if not line.startswith("ok ")]
    assert failed == [f"FAIL policy: {policy}: auto_lock_minutes must be a whole number 1–240"]
    assert "ok vault-delete" in lines
    assert list(work.iterdir()) == []


@pytest.mark.parametrize("content", [None, "not a certificate"])
def test_policy_ca_bundle_must_be_readable_pem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None
) -> None:
    bundle = tmp_path / "proxy.pem"
    if content is not None:
        bundle.write_text(content, encoding="utf-8")
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"ca_bundle": str(bundle)}), encoding="utf-8")
    monkeypatch.setenv("CLINICIAN_DESK_POLICY_FILE", str(policy))
    result = run_check("policy", check_policy)
    assert not result.ok
    assert result.line() == (
        f"FAIL policy: the policy's CA bundle {bundle} cannot be read as PEM certificates"
    )


def test_policy_ca_bundle_with_a_real_certificate_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import certifi

    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"ca_bundle": certifi.where()}), encoding="utf-8")
    monkeypatch.setenv("CLINICIAN_DESK_POLICY_FILE", str(policy))
    assert run_check("policy", check_policy).line() == "ok policy"


def test_tls_check_refuses_self_signed_and_would_notice_no_verification() -> None:
    import ssl

    assert run_check("tls", check_tls).line() == "ok tls"
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    _handshake_with_self_signed_server(unverified)  # completes: what check_tls would flag
    strict = ssl.create_default_context()
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake_with_self_signed_server(strict)


def test_unexpected_errors_are_reported_by_type_and_place_only() -> None:
    def boom() -> None:
        raise KeyError("Testy McFakeface")  # a message could hold data: never printed

    result = run_check("x", boom)
    assert result.line().startswith("FAIL x: KeyError at test_selftest.py:")
    assert "Testy" not in result.line()


def test_a_failed_step_fails_the_steps_that_need_it(tmp_path: Path) -> None:
    vault = ThrowAwayVault(tmp_path / "selftest")
    vault.paths.profile_dir.mkdir(parents=True)
    vault.paths.keyslots.write_text("{}", encoding="utf-8")  # a vault is already there
    out = io.StringIO()
    results = run_checks(vault.checks()[:4], out)
    assert [r.ok for r in results] == [False, False, False, False]
    assert "A vault already exists" in results[0].reason
    assert _lines(out.getvalue())[1:] == [
        "FAIL vault-unlock: not run because vault-create failed",
        "FAIL note-sign: not run because vault-create failed",
        "FAIL screening-score: not run because note-sign failed",
    ]


def test_temp_folder_removed_even_when_a_check_raises(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), throw_away_vault(tmp_path) as vault:
        vault.create()
        assert vault.paths.database.is_file()
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_app_self_test_option_writes_a_report_and_exits_0(tmp_path: Path) -> None:
    report = tmp_path / "selftest.txt"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TMPDIR": str(tmp_path)}
    env.pop("CLINICIAN_DESK_POLICY_FILE", None)
    proc = subprocess.run(
        [sys.executable, "-m", "ui.app", "--self-test", str(report)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    lines = _lines(report.read_text(encoding="utf-8"))
    assert proc.returncode == 0, (proc.stderr[-2000:], lines)
    assert all(line.startswith("ok ") for line in lines), lines
    assert lines[-3:] == ["ok ui-modules", "ok ui-translations", "ok qt-pdf-render"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["selftest.txt"]
