"""Full-text search over notes, addenda and student names (FTS5 inside the encrypted db).

Each word of the query is a prefix term and all must match; results are ranked by bm25.
Psychotherapy notes are searched only with ``include_psychotherapy=True`` (the clinician asks
explicitly). A search is not audited (it runs as the clinician types); opening a hit is.
"""

from __future__ import annotations

from dataclasses import dataclass

from clinician_desk.domain.students import display_name
from clinician_desk.errors import ValidationError
from clinician_desk.messages import M
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.repositories import search_index
from clinician_desk.storage.repositories import students as students_repo

MAX_QUERY_CHARS = 200


@dataclass(frozen=True)
class SearchHit:
    kind: str  # student | note | addendum | psychotherapy
    ref_id: int  # student id, note id, addendum id or psychotherapy-note id
    student_id: int | None
    student_display_name: str
    snippet: str
    score: float  # bm25: lower is better


def search(
    conn: Connection, query: str, *, include_psychotherapy: bool = False, limit: int = 50
) -> list[SearchHit]:
    if len(query) > MAX_QUERY_CHARS:
        raise ValidationError(M("A search is at most {limit} characters.", limit=MAX_QUERY_CHARS))
    raw = search_index.search(
        conn, query, include_psychotherapy=include_psychotherapy, limit=max(1, min(limit, 500))
    )
    ids = sorted({sid for _, _, sid, _, _ in raw if sid is not None})
    names = {
        sid: display_name(*parts) for sid, parts in students_repo.name_parts(conn, ids).items()
    }
    return [
        SearchHit(kind, ref, sid, names.get(sid, "") if sid is not None else "", snip, score)
        for kind, ref, sid, snip, score in raw
    ]
