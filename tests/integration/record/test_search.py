"""FTS5 search inside the vault: prefixes, ranking, names first, diacritics, addenda."""

from __future__ import annotations

import pytest

from clinician_desk.errors import ValidationError
from clinician_desk.services.record import RecordService
from clinician_desk.storage import Database
from tests.integration.record.conftest import session, student


def test_prefix_ranked_names_first_and_addenda(record: RecordService, db: Database) -> None:
    a = record.create_student(student(1, legal_first_name="Zoë", legal_last_name="Imaginario"))
    b = record.create_student(student(2))
    n1 = record.document_session(session((a,))).note_ids[a]
    n2 = record.document_session(session((b,))).note_ids[b]
    record.sign_note(n1, {"subjective": "Practiced breathing. Breathing helped. Breathing again."})
    record.sign_note(n2, {"subjective": "Talked about breathing once and about imaginary friends."})
    hits = record.search("breath")
    assert [(h.kind, h.ref_id) for h in hits] == [("note", n1), ("note", n2)]  # bm25 order
    assert "[Breathing]" in hits[0].snippet or "[breathing]" in hits[0].snippet
    assert hits[0].student_display_name == "Zoë Imaginario"
    names = record.search("imagin")
    assert names[0].kind == "student" and names[0].ref_id == a  # names before notes
    assert {h.kind for h in names} == {"student", "note"}
    assert [h.ref_id for h in record.search("zoe")] == [a]  # diacritics folded
    assert record.search("breathing imaginary")[0].ref_id == n2  # all words must match
    add = record.add_addendum(n2, "Guardian called about the volcano project.")
    assert [(h.kind, h.ref_id) for h in record.search("volcan")] == [("addendum", add)]
    assert record.search("") == [] and record.search("***") == []
    assert record.search('") OR (x') == []  # FTS syntax never passes through
    with pytest.raises(ValidationError, match="at most"):
        record.search("x" * 300)


def test_renamed_student_is_reindexed(record: RecordService) -> None:
    sid = record.create_student(student(1))
    view = record.student_view(sid)
    from dataclasses import replace

    data = student(1)
    record.update_student(sid, replace(data, preferred_name="Sparky"))
    assert [h.ref_id for h in record.search("sparky")] == [sid]
    assert view.preferred_name == ""
