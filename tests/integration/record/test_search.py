"""FTS5 search inside the vault: prefixes, ranking, names first, diacritics, addenda."""

from __future__ import annotations

import pytest

from clinician_desk.errors import ValidationError
from clinician_desk.services.record.service import RecordService
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


def test_window_finds_old_sparse_matches_and_names_first(db: Database) -> None:
    from clinician_desk.storage.repositories import search_index as si

    with db.unit_of_work() as uow:
        rows = [(si.rowid_for("note", n), f"ordinary note {n}", "note", 1) for n in range(1, 3001)]
        rows[4] = (si.rowid_for("note", 5), "rare quokka sighting", "note", 1)  # oldest rows
        rows[9] = (si.rowid_for("note", 10), "another quokka", "note", 1)
        rows.append((si.rowid_for("psychotherapy", 7), "quokka process note", "psychotherapy", 1))
        rows.append((si.rowid_for("student", 3), "Quokka Fictional", "student", 3))
        uow.conn.executemany(
            "INSERT INTO record_search (rowid, body, kind, student_id) VALUES (?, ?, ?, ?)", rows
        )
    with db.read() as conn:
        hits = si.search(conn, "quokka", include_psychotherapy=False, limit=10)
        # names first; the shorter note ranks higher at equal term frequency (BM25)
        assert [(k, r) for k, r, *_ in hits] == [("student", 3), ("note", 10), ("note", 5)]
        with_psy = si.search(conn, "quokka", include_psychotherapy=True, limit=10)
        assert ("psychotherapy", 7) in [(k, r) for k, r, *_ in with_psy]
        common = si.search(conn, "ordinary", include_psychotherapy=False, limit=5)
        assert len(common) == 5 and all(r > 3000 - si.WINDOW for _, r, *_ in common)


def test_long_words_match_their_full_prefix(record: RecordService) -> None:
    sid = record.create_student(student())
    n1 = record.document_session(session((sid,))).note_ids[sid]
    n2 = record.document_session(session((sid,), start_minute=700, end_minute=730)).note_ids[sid]
    record.save_draft(n1, {"subjective": "Used the feelings thermometer."})
    record.save_draft(n2, {"subjective": "Discussed thermomechanics homework (fictional)."})
    assert [h.ref_id for h in record.search("thermometer")] == [n1]
    assert {h.ref_id for h in record.search("thermom")} == {n1, n2}
