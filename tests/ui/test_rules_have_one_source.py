"""Each clinical or security rule is computed in one place, and every layer asks that place.

* "mandated report overdue": the domain (``domain.mandated_reports.is_overdue``), the caseload
  query (home screen flags) and the mandated-report dialog (count-down) agree at every instant
  around the deadline, sub-second included;
* the referral follow-up default (``domain.referrals``) is what both referral dialogs offer;
* the passphrase policy: the entry widget accepts exactly what the vault accepts, and names the
  vault's minimum length;
* no module outside the rule's home assigns a rule constant of its own (a static check).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.domain import mandated_reports as mr
from clinician_desk.domain import referrals
from clinician_desk.domain.students import StudentInput
from clinician_desk.errors import UsageError
from clinician_desk.services.record.service import RecordService
from clinician_desk.storage import Database
from clinician_desk.vault import passphrase_policy

ROOT = Path(__file__).resolve().parents[2]
PHONE_AT = datetime(2026, 10, 5, 9, 0, 0, tzinfo=UTC)


@pytest.fixture
def record(tmp_path: Path) -> Iterator[RecordService]:
    clock = FakeClock(datetime(2026, 10, 5, 10, 0, tzinfo=UTC))
    db = Database.open(tmp_path / "vault.db", b"\x29" * 32, clock=clock, create=True)
    yield RecordService(db)
    db.close()


@pytest.mark.parametrize("offset_s", [-3600, -1, -0.5, 0, 0.25, 0.5, 0.999, 1, 59.5, 3600], ids=str)
def test_overdue_is_the_same_in_the_domain_the_caseload_and_the_dialog(
    record: RecordService, offset_s: float
) -> None:
    from ui.dialogs.mandated_report_dialog import time_left_text

    student_id = record.create_student(
        StudentInput(
            legal_first_name="Rulo",
            legal_last_name="Onesource",
            date_of_birth=date(2012, 1, 2),
            grade="8",
            school_cds="99999999999901",
            consent_basis="parent_consent",
        ),
        school_name="Imaginary Rules Middle",
    )
    record.record_mandated_report(student_id, PHONE_AT, "child_welfare")
    deadline = mr.follow_up_deadline(PHONE_AT)
    now = deadline + timedelta(seconds=offset_s)
    record.db.clock.set(now)  # type: ignore[attr-defined]

    domain = mr.is_overdue("follow_up_pending", deadline, now)
    caseload = bool(record.caseload().overdue_mandated_reports)
    (report,) = record.student_page(student_id).mandated_reports
    _text, dialog = time_left_text(report.status, report.follow_up_due_at, now)
    assert (domain, caseload, dialog) == (offset_s > 0,) * 3


def test_both_referral_dialogs_offer_the_domain_follow_up_default() -> None:
    from ui.dialogs import referral_dialog, referral_status_dialog

    today = date(2026, 10, 5)
    assert referrals.default_follow_up_on(today) == today + timedelta(
        days=referrals.DEFAULT_FOLLOW_UP_DAYS
    )
    for module in (referral_dialog, referral_status_dialog):
        assert "FOLLOW_UP_DAYS" not in vars(module) or (
            vars(module)["FOLLOW_UP_DAYS"] is referrals.DEFAULT_FOLLOW_UP_DAYS
        )


SAMPLES = [
    "",
    "a",
    "short one",
    "x" * (passphrase_policy.MIN_CHARS - 1),
    "password1234",
    "abcdefghijklmnop",
    "aaaaaaaaaaaaaaaa",
    "plum kettle",
    "plum kettle fir",
    "purple otter fictional lighthouse",
    "Tr0ub4dor&3xyz",
]


@pytest.mark.parametrize("text", SAMPLES, ids=range(len(SAMPLES)))
def test_the_passphrase_widget_accepts_exactly_what_the_vault_accepts(qtbot, text: str) -> None:
    from ui.widgets.passphrase_fields import PassphraseFields

    try:
        passphrase_policy.check_new_passphrase(text)
        vault_accepts = True
    except UsageError:
        vault_accepts = False
    fields = PassphraseFields()
    qtbot.addWidget(fields)
    fields.first.setText(text)
    fields.second.setText(text)
    assert fields.acceptable() is vault_accepts


def test_the_empty_passphrase_hint_names_the_vaults_minimum(qtbot) -> None:
    from ui.widgets.passphrase_fields import PassphraseFields

    fields = PassphraseFields()
    qtbot.addWidget(fields)
    assert str(passphrase_policy.MIN_CHARS) in fields.message.text()


# Rule constants and the one module that may define each.
RULE_HOMES = {
    "MIN_CHARS": "clinician_desk/vault/passphrase_policy.py",
    "RECOMMENDED_CHARS": "clinician_desk/vault/passphrase_policy.py",
    "FOLLOW_UP_HOURS": "clinician_desk/domain/mandated_reports.py",
    "FOLLOW_UP_DAYS": "clinician_desk/domain/referrals.py",
    "DEFAULT_FOLLOW_UP_DAYS": "clinician_desk/domain/referrals.py",
}


def rule_copies(root: Path) -> list[str]:
    """Assignments of a rule constant outside its home module, in the core and the UI."""
    copies = []
    for folder in ("clinician_desk", "ui"):
        for path in sorted((root / folder).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                targets = []
                if isinstance(node, ast.Assign):
                    targets = node.targets
                elif isinstance(node, ast.AnnAssign):
                    targets = [node.target]
                for target in targets:
                    if isinstance(target, ast.Name) and RULE_HOMES.get(target.id, rel) != rel:
                        copies.append(f"{rel}:{node.lineno} {target.id}")
    return copies


def test_no_layer_keeps_its_own_copy_of_a_rule_constant() -> None:
    assert rule_copies(ROOT) == []


def rule_numbers_in_ui_text(root: Path) -> list[str]:
    """Translated UI strings (``_()``/``N_()`` arguments) that spell out a rule's number."""
    patterns = [
        (passphrase_policy.MIN_CHARS, "characters?"),
        (passphrase_policy.RECOMMENDED_CHARS, "characters?"),
        (mr.FOLLOW_UP_HOURS, "hours?"),
        (referrals.DEFAULT_FOLLOW_UP_DAYS, "days?"),
    ]
    found = []
    for path in sorted((root / "ui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"_", "N_"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                continue
            text = node.args[0].value
            for number, unit in patterns:
                if re.search(rf"\b{number}[ -]?(?:{unit})\b", text):
                    found.append(f"{path.relative_to(root).as_posix()}:{node.lineno} {text[:60]}")
    return found


def test_ui_texts_take_rule_numbers_from_the_rule() -> None:
    assert rule_numbers_in_ui_text(ROOT) == []
