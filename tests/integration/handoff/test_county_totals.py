"""Counts stay right across a handoff, with a real county server on loopback: sessions count on
the device that wrote them, so the county's totals are the same before and after a caseload
moves; a session the recipient writes afterwards counts once, on the recipient; and handing the
students back to the first vault changes no total."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from clinician_desk.domain.sessions import SessionInput
from clinician_desk.services import notes
from tests.support.county import DEMO_DISTRICT, DISTRICT, CountyServer
from tests.support.handoff import make_pair, rows_of, student_ids


@pytest.fixture
def county(tmp_path: Path) -> Iterator[CountyServer]:
    server = CountyServer(tmp_path / "county")
    server.start()
    yield server
    server.stop()


@pytest.mark.slow  # ~10 s: a county server process, two vaults, six sync rounds
def test_county_totals_equal_before_and_after_a_handoff(
    tmp_path: Path, county: CountyServer
) -> None:
    pair = make_pair(tmp_path / "vaults", students=12, sessions=200)
    try:
        for vault in (pair.sender, pair.recipient):
            vault.sync.enroll(county.url, county.issue_code((DISTRICT, DEMO_DISTRICT)))
            assert vault.sync.sync_until_idle(sleep=lambda s: None)[-1].stopped is None
        before = county.totals()
        assert before, "the sender's counts must have reached the county"

        ids = student_ids(pair.sender)[:6]
        done = pair.out.export(ids, pair.recipient_fp)
        got = pair.into.import_package(done.data)
        pair.out.confirm(done.package_hash)
        for vault in (pair.sender, pair.recipient):
            assert vault.sync.sync_until_idle(sleep=lambda s: None)[-1].stopped is None
            assert vault.sync.status().pending_count == 0
        assert county.totals() == before

        # The recipient's own work on a received student counts, once, on the recipient.
        student = got.student_ids[0]
        school = rows_of(pair.recipient, "students", "id = ?", (student,))[0]["school_cds"]
        session = SessionInput(
            session_date=date(2026, 10, 8),
            start_minute=600,
            end_minute=650,
            service_code="TX-IND",
            tier=2,
            modality="in_person",
            location="school",
            participant_kind="student",
            school_cds=school,
            student_ids=(student,),
        )
        with pair.recipient.services.db.unit_of_work() as uow:
            doc = notes.document_session(uow, session, "SOAP")
            for note_id in doc.note_ids.values():
                notes.sign_note(uow, note_id, {"subjective": "Fictional follow-up visit."})
        assert pair.recipient.sync.sync_until_idle(sleep=lambda s: None)[-1].stopped is None
        after = county.totals()
        grown = {k: after.get(k, 0) - before.get(k, 0) for k in after.keys() | before.keys()}
        changed = {k: v for k, v in grown.items() if v}
        services = [k for k in changed if k[2] == "services"]
        minutes = [k for k in changed if k[2] == "minutes"]
        assert [changed[k] for k in services] == [1] and [changed[k] for k in minutes] == [50]
        assert all(v > 0 for v in changed.values())

        # Handed back (A -> B -> A): the sender takes its students back (re-activated, its own
        # records not duplicated, the recipient's session received); nothing counts twice.
        back = pair.into.export(got.student_ids, pair.sender_fp)
        home = pair.out.import_package(back.data)
        assert sorted(home.student_ids) == ids and not home.already
        assert pair.into.confirm(back.package_hash) == sorted(got.student_ids)
        assert pair.out.import_package(back.data).already  # a replay changes nothing
        for vault in (pair.sender, pair.recipient):
            assert vault.sync.sync_until_idle(sleep=lambda s: None)[-1].stopped is None
            assert vault.sync.status().pending_count == 0
        assert county.totals() == after
        assert pair.sender.services.db.verify() == [] and pair.recipient.services.db.verify() == []
    finally:
        pair.close()
