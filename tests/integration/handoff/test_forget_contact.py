"""A kept colleague's card can be revoked (forgotten) in a real vault, through the service and the
admin CLI: it is no longer offered or accepted as a recipient, a package it sends is refused as
from an unknown clinician, the audit trail records the revocation (name and fingerprint, never
content), and bad input (an unknown or malformed fingerprint) is a clear error that changes
nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinician_desk.errors import NotFoundError, ValidationError
from clinician_desk.services.handoff.package import PackageRefused
from tests.support.admin_cli import PASSPHRASE, admin
from tests.support.handoff import make_pair, student_ids, table_counts


def _audit(vault, action: str) -> list[str]:
    with vault.services.db.read() as conn:
        rows = conn.execute(
            "SELECT details FROM audit_log WHERE action = ? ORDER BY id", (action,)
        ).fetchall()
    return [str(r[0]) for r in rows]


def test_a_revoked_card_is_no_longer_a_recipient_nor_a_known_sender(tmp_path: Path) -> None:
    pair = make_pair(tmp_path, students=3, sessions=20)
    try:
        theirs = pair.into.whoami()
        assert [fp for fp, _n, _a in pair.out.contacts()] == [pair.recipient_fp]
        package = pair.into.export(
            [pair.into.import_package(pair.out.export([1], pair.recipient_fp).data).student_ids[0]],
            pair.sender_fp,
        )
        before = table_counts(pair.sender)

        forgotten = pair.out.forget_contact(pair.recipient_fp.replace(" ", "-"))
        assert forgotten == (pair.recipient_fp, theirs.name)
        assert pair.out.contacts() == []
        with pytest.raises(NotFoundError, match="No colleague with the handoff fingerprint"):
            pair.out.export(student_ids(pair.sender)[1:2], pair.recipient_fp)
        with pytest.raises(PackageRefused, match="not known here"):
            pair.out.import_package(package.data)
        (details,) = _audit(pair.sender, "handoff.contact_revoked")
        assert pair.recipient_fp in details and theirs.name in details
        after = table_counts(pair.sender)
        assert after["audit_log"] == before["audit_log"] + 1
        assert {k: v for k, v in after.items() if k != "audit_log"} == {
            k: v for k, v in before.items() if k != "audit_log"
        }

        # bad input: a clear error, nothing changes
        for bad, error in (
            (pair.recipient_fp, NotFoundError),  # already forgotten
            ("12345", ValidationError),
            ("", ValidationError),
        ):
            with pytest.raises(error):
                pair.out.forget_contact(bad)
        assert table_counts(pair.sender) == after

        # the card can be kept again (after checking the fingerprint once more)
        pair.out.add_contact(theirs.card)
        assert [fp for fp, _n, _a in pair.out.contacts()] == [pair.recipient_fp]
        assert pair.sender.services.db.verify() == []
    finally:
        pair.close()


def test_forget_contact_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from clinician_desk.clock import FakeClock
    from clinician_desk.config import AppPaths
    from clinician_desk.storage import Database
    from clinician_desk.vault import TEST_KDF, create_vault

    monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", PASSPHRASE)
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        paths = AppPaths.from_option(d).vault("default")
        key, _recovery = create_vault(paths, PASSPHRASE, kdf=TEST_KDF)
        Database.open(paths.database, key, clock=FakeClock(), create=True).close()
        key.wipe()
    assert admin(["--data-dir", str(b), "whoami"]) == 0
    lines = dict(
        (k.strip(), v.strip())
        for k, v in (x.split(":", 1) for x in capsys.readouterr().out.splitlines())
    )
    assert admin(["--data-dir", str(a), "handoff", "add-contact", lines["card"]]) == 0
    capsys.readouterr()
    argv = ["--data-dir", str(a), "handoff", "forget-contact"]
    assert admin([*argv, "not a fingerprint"]) == 2
    assert "6 groups of 5 digits" in capsys.readouterr().err
    assert admin([*argv, lines["fingerprint"]]) == 0
    said = capsys.readouterr().out
    assert "forgot" in said and lines["fingerprint"] in said
    assert admin(["--data-dir", str(a), "handoff", "contacts"]) == 0
    assert "no colleague's card is kept" in capsys.readouterr().out
    assert admin([*argv, lines["fingerprint"]]) != 0  # nothing to forget: an error, not silence
    assert "No colleague with the handoff fingerprint" in capsys.readouterr().err


def test_whoami_prints_the_card_as_a_qr_and_a_printed_card(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import segno

    from clinician_desk.clock import FakeClock
    from clinician_desk.config import AppPaths
    from clinician_desk.services.handoff.card_qr import card_terminal
    from clinician_desk.storage import Database
    from clinician_desk.vault import TEST_KDF, create_vault
    from tests.support.pdf_tools import text_of

    monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", PASSPHRASE)
    paths = AppPaths.from_option(tmp_path / "a").vault("default")
    key, _recovery = create_vault(paths, PASSPHRASE, kdf=TEST_KDF)
    Database.open(paths.database, key, clock=FakeClock(), create=True).close()
    pdf = tmp_path / "card.pdf"
    argv = ["--data-dir", str(tmp_path / "a"), "whoami", "--qr", "--pdf", str(pdf)]
    assert admin(argv) == 0
    said = capsys.readouterr().out
    card = next(x.split(":", 1)[1].strip() for x in said.splitlines() if x.startswith("card:"))
    assert card_terminal(card) in said
    assert segno.make(card, error="m", micro=False).symbol_size(border=0)[0] >= 21
    assert "cdhk1." in text_of(pdf.read_bytes())
    assert admin(argv) == 2  # the file exists: refused, not overwritten
    assert "exists" in capsys.readouterr().err
