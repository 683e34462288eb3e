"""A student handed back (A → B → A) between two real SQLCipher vaults: the vault that once held
the student (marked transferred) takes them back — re-activated, its own old records kept as they
were, the records the colleague added imported once with their provenance, nothing it already
holds duplicated — a replay of the package changes nothing, and a student still active here (a
true duplicate) is still refused with nothing imported."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from clinician_desk.services.handoff.package import PackageRefused
from clinician_desk.storage.repositories import handoff as handoff_repo
from tests.support.handoff import (
    Pair,
    make_pair,
    rows_of,
    sign_visit,
    student_ids,
    table_counts,
)
from tests.support.vaultkit import Vault


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    p = make_pair(tmp_path_factory.mktemp("handback"), students=8, sessions=120)
    yield p
    p.close()


def _per_student(vault: Vault, student: int) -> dict[str, int]:
    with vault.services.db.read() as conn:
        one = conn.execute
        return {
            "notes": int(
                one("SELECT count(*) FROM notes WHERE student_id = ?", (student,)).fetchone()[0]
            ),
            "sessions": int(
                one(
                    "SELECT count(*) FROM session_students WHERE student_id = ?", (student,)
                ).fetchone()[0]
            ),
            "guardians": int(
                one("SELECT count(*) FROM guardians WHERE student_id = ?", (student,)).fetchone()[0]
            ),
            "screenings": int(
                one("SELECT count(*) FROM screenings WHERE student_id = ?", (student,)).fetchone()[
                    0
                ]
            ),
        }


@pytest.fixture(scope="module")
def round_trip(pair: Pair) -> dict[str, Any]:
    ids = student_ids(pair.sender)[:3]
    before = {sid: _per_student(pair.sender, sid) for sid in ids}
    first_notes = {
        sid: [r["content_hash"] for r in rows_of(pair.sender, "notes", "student_id = ?", (sid,))]
        for sid in ids
    }
    out = pair.out.export(ids, pair.recipient_fp)
    got = pair.into.import_package(out.data)
    assert pair.out.confirm(out.package_hash) == ids
    with pair.sender.services.db.read() as conn:
        assert handoff_repo.transferred(conn, ids) == set(ids)
    # the colleague sees the first student once more before handing them back
    theirs = got.student_ids[0]
    school = rows_of(pair.recipient, "students", "id = ?", (theirs,))[0]["school_cds"]
    new_note = sign_visit(pair.recipient, theirs, school, date(2026, 10, 9))
    new_hash = rows_of(pair.recipient, "notes", "id = ?", (new_note,))[0]["content_hash"]
    back = pair.into.export(got.student_ids, pair.sender_fp)
    counts_before = table_counts(pair.sender)
    home = pair.out.import_package(back.data)
    return {
        "ids": ids,
        "before": before,
        "first_notes": first_notes,
        "back": back,
        "home": home,
        "new_hash": new_hash,
        "counts_before": counts_before,
    }


def test_a_handed_back_student_is_reactivated_with_the_new_records_once(
    pair: Pair, round_trip: dict[str, Any]
) -> None:
    ids, home = round_trip["ids"], round_trip["home"]
    assert not home.already
    assert sorted(home.student_ids) == ids  # the same students, not new ones
    with pair.sender.services.db.read() as conn:
        assert handoff_repo.transferred(conn, ids) == set()
    for sid in ids:
        assert rows_of(pair.sender, "students", "id = ?", (sid,))[0]["active"] == 1
    first = ids[0]
    now = _per_student(pair.sender, first)
    was = round_trip["before"][first]
    assert now == {**was, "notes": was["notes"] + 1, "sessions": was["sessions"] + 1}
    for sid in ids[1:]:
        assert _per_student(pair.sender, sid) == round_trip["before"][sid]  # nothing duplicated
    # the vault's own old notes are still its own (no provenance); the new one is received
    kept = rows_of(pair.sender, "notes", "student_id = ?", (first,))
    with pair.sender.services.db.read() as conn:
        for note in kept:
            prov = handoff_repo.provenance(conn, "note", int(note["id"]))
            if note["content_hash"] == round_trip["new_hash"]:
                assert prov is not None and prov[1] == pair.recipient_fp
            else:
                assert note["content_hash"] in round_trip["first_notes"][first]
                assert prov is None
    assert [n["content_hash"] for n in kept].count(round_trip["new_hash"]) == 1
    assert pair.sender.services.db.verify() == []


def test_the_hand_back_is_audited_and_more_work_can_be_added(
    pair: Pair, round_trip: dict[str, Any]
) -> None:
    with pair.sender.services.db.read() as conn:
        rows = conn.execute(
            "SELECT action, details FROM audit_log WHERE action = 'handoff.imported'"
            " ORDER BY id DESC LIMIT 1"
        ).fetchall()
    assert rows and "returned" in str(rows[0][1])
    school = rows_of(pair.sender, "students", "id = ?", (round_trip["ids"][0],))[0]["school_cds"]
    sign_visit(pair.sender, round_trip["ids"][0], school, date(2026, 10, 10))  # active again


def test_a_replay_of_the_hand_back_changes_nothing(pair: Pair, round_trip: dict[str, Any]) -> None:
    counts = table_counts(pair.sender)
    again = pair.out.import_package(round_trip["back"].data)
    assert again.already and again.student_ids == []
    assert table_counts(pair.sender) == counts


def test_a_student_still_active_here_is_refused_as_a_duplicate(pair: Pair) -> None:
    sid = student_ids(pair.sender)[4]
    out = pair.out.export([sid], pair.recipient_fp)  # sent, never confirmed: still active here
    got = pair.into.import_package(out.data)
    back = pair.into.export(got.student_ids, pair.sender_fp)
    counts = table_counts(pair.sender)
    with pytest.raises(PackageRefused, match="already in this vault"):
        pair.out.import_package(back.data)
    assert table_counts(pair.sender) == counts
