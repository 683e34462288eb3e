"""The core's refusals and findings reach a Spanish UI in Spanish.

Each test provokes real messages of the core — the tamper check on a vault attacked the way
``tests/support/tamper_harness.py`` attacks it, handoff packages that are not packages, are
damaged, altered or addressed to someone else, and a bad hours-limits file — and translates them
the way the UI does (``ui.i18n.core_text`` under the Spanish catalogue). Every message must be a
``clinician_desk.messages.M`` (else the UI cannot translate it) and what the UI would show must
pass the checks of ``tests/ui/test_spanish_everywhere.py`` (``tests/support/spanish_ui.py``).

The last tests enumerate every ``M("…")`` of the core: each is a literal (so the catalogue can
find it), has Spanish, and the Spanish keeps the same ``{fields}``. All data is fictional.
"""

from __future__ import annotations

import ast
import json
import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from clinician_desk.errors import ClinicianDeskError
from clinician_desk.messages import Msg
from tests.support import tamper_harness as th
from tests.support.spanish_ui import english_problem, spanish_catalogue
from ui import i18n

CORE_DIR = Path(i18n.__file__).resolve().parent.parent / "clinician_desk"
_FIELD = re.compile(r"\{(\w*)[^{}]*\}")


@pytest.fixture
def es() -> Iterator[dict[str, str]]:
    i18n.install("es")
    try:
        yield spanish_catalogue()
    finally:
        i18n.install("en")


def _english_left(messages: list[str], catalogue: dict[str, str]) -> list[str]:
    """Why each message would show English in the Spanish UI (empty: all Spanish)."""
    problems = []
    for text in messages:
        if not isinstance(text, Msg):
            problems.append(f"not an M(...) message, so never translated: {text!r}")
            continue
        shown = i18n.core_text(text)
        why = english_problem(shown, catalogue)
        if why is not None:
            problems.append(f"{text.msgid!r} shows {shown!r}: {why}")
    return problems


def _raised(call: Callable[[], object]) -> str:
    with pytest.raises(ClinicianDeskError) as caught:
        call()
    return caught.value.message


def _edit_audit_row(scene: th.Scene, rng: random.Random) -> dict[str, int]:
    """Change one audit entry's details behind the app's back (the chain's MAC breaks)."""
    conn = th.raw_connection(scene.paths)
    sql = th._trigger_sql(conn, "audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET details = '{}' WHERE id = 3")
    conn.execute(sql)
    conn.close()
    return {}


def test_tamper_findings_are_spanish(tmp_path: Path, es: dict[str, str]) -> None:
    """Schema, record and audit-chain findings of a tampered vault, as the UI shows them."""
    scene = th.build_scene(tmp_path, students=2, sessions_each=2)
    rng = random.Random(20)
    th.drop_trigger_edit_leave(scene, rng)  # schema (a trigger gone) and a note's text
    th.delete_signed_note(scene, rng)  # a signed note missing, its audit entry kept
    _edit_audit_row(scene, rng)  # the audit chain
    found = th.findings(scene)
    joined = "\n".join(found)
    for kind in ("schema:", "audit chain:", "its text no longer matches", "is missing"):
        assert kind in joined, f"the attack was not found ({kind}):\n{joined}"
    assert not _english_left(found, es), "\n".join(_english_left(found, es))


def _packages() -> list[str]:
    from clinician_desk.services.handoff.keys import Identity, parse_card
    from clinician_desk.services.handoff.package import (
        MAGIC,
        open_package,
        read_header,
        seal_package,
    )

    sender, recipient, stranger = Identity.generate(), Identity.generate(), Identity.generate()
    data, _ = seal_package(
        sender,
        sender.public("Sender Fictional"),
        recipient.public("Recipient Fictional"),
        {"tables": {"students": [{"id": 1}]}},
        "2026-12-03T09:00:00Z",
    )
    own = recipient.public("")
    altered = bytearray(data)
    altered[-100] ^= 0xFF
    return [
        _raised(lambda: read_header(b"not a package at all")),
        _raised(lambda: read_header(MAGIC + (0).to_bytes(2, "big") + data[len(MAGIC) + 2 :])),
        _raised(lambda: read_header(MAGIC + (9).to_bytes(2, "big") + data[len(MAGIC) + 2 :])),
        _raised(lambda: read_header(data[: len(data) // 2])),  # truncated
        _raised(lambda: read_header(data + b"extra")),
        _raised(lambda: open_package(bytes(altered), recipient, own)),
        _raised(lambda: open_package(data, stranger, stranger.public(""))),  # someone else's
        _raised(lambda: parse_card("not a card")),
    ]


def test_handoff_package_refusals_are_spanish(es: dict[str, str]) -> None:
    refusals = _packages()
    assert len(set(refusals)) == len(refusals)  # eight different refusals
    assert not _english_left(refusals, es), "\n".join(_english_left(refusals, es))


def test_hours_limits_file_errors_are_spanish(tmp_path: Path, es: dict[str, str]) -> None:
    from clinician_desk.domain.hours import HoursLimits

    bad = []
    for content in ({"weekly": 3}, {"week_max_hours": -1}, {"week_max_hours": "forty"}):
        path = tmp_path / "hours-limits.json"
        path.write_text(json.dumps(content), encoding="utf-8")
        data = json.loads(path.read_text(encoding="utf-8"))
        bad.append(_raised(lambda data=data: HoursLimits.from_dict(data)))
    assert "weekly" in bad[0] and "week_max_hours" in bad[1]
    assert not _english_left(bad, es), "\n".join(_english_left(bad, es))


def _m_calls() -> Iterator[tuple[str, ast.Call]]:
    for path in sorted(CORE_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id in ("M", "Msg"):
                    yield f"{path.relative_to(CORE_DIR.parent)}:{node.lineno}", node


def test_every_core_message_is_a_literal_with_spanish_and_the_same_fields() -> None:
    """Enumerate every message id of the core: a literal, translated, same fields."""
    po = i18n.parse_po(
        (i18n.translations_dir() / "es" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po").read_text(
            encoding="utf-8"
        )
    )
    not_literal, missing, broken = [], [], []
    ids = set()
    for where, call in _m_calls():
        if not call.args:
            continue
        first = call.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            not_literal.append(f"{where}: {ast.unparse(first)[:60]}")
            continue
        msgid = first.value
        ids.add(msgid)
        spanish = po.get(msgid, "")
        words = re.sub(r"\w+_\w+", "", _FIELD.sub("", msgid))  # fields and identifiers aside
        if not spanish or (spanish == msgid and re.search("[a-z]{3}", words)):
            missing.append(f"{where}: {msgid!r}")
        elif set(_FIELD.findall(msgid)) != set(_FIELD.findall(spanish)):
            broken.append(f"{where}: {msgid!r} -> {spanish!r}")
        fields = set(_FIELD.findall(msgid))
        given = {k.arg for k in call.keywords if k.arg is not None}
        if fields != given and not any(k.arg is None for k in call.keywords):
            broken.append(f"{where}: {msgid!r} fields {sorted(fields)} but given {sorted(given)}")
    assert len(ids) > 200
    assert not not_literal, "M() needs literal text the catalogue can find:\n" + "\n".join(
        not_literal
    )
    assert not missing, "No Spanish (python -m ui.i18n extract, then translate):\n" + "\n".join(
        missing
    )
    assert not broken, "\n".join(broken)


_CLI_SYNTAX = re.compile(r"clinician-desk-admin|(?<![\w-])--[a-z]")


# Core code whose refusals reach the app's dialogs and pages word for word (decision 0150).
_SHOWN_IN_THE_APP = (
    "clinician_desk/services/handoff/",  # Find a colleague, Hand off to a colleague
    "clinician_desk/services/sync_service.py",  # the Sync page: enrolling, syncing
    "clinician_desk/sync/enrollment.py",
)


def test_refusals_the_app_shows_name_no_command_line_syntax() -> None:
    """The handoff and enrollment services' messages reach the app's dialogs and Sync page,
    where an ``clinician-desk-admin …`` command or a ``--option`` means nothing; the CLI words
    its own refusals (``clinician_desk/cli/handoff_cmds.py``, ``sync_cmds.py``)."""
    cli_syntax = [
        f"{where}: {call.args[0].value!r}"
        for where, call in _m_calls()
        if where.startswith(_SHOWN_IN_THE_APP)
        and call.args
        and isinstance(call.args[0], ast.Constant)
        and _CLI_SYNTAX.search(str(call.args[0].value))
    ]
    assert cli_syntax == [], "\n".join(cli_syntax)


def test_no_app_text_names_command_line_syntax() -> None:
    """What the app itself says (every ``_("…")`` and ``N_("…")`` of ``ui/``) names the app's
    own buttons, not ``clinician-desk-admin`` commands or ``--options``."""
    ui_dir = CORE_DIR.parent / "ui"
    cli_syntax = []
    for path in sorted(ui_dir.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "N_")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and _CLI_SYNTAX.search(str(node.args[0].value))
            ):
                where = f"{path.relative_to(ui_dir.parent)}:{node.lineno}"
                cli_syntax.append(f"{where}: {node.args[0].value!r}")
    assert cli_syntax == [], "\n".join(cli_syntax)
