"""The FTS5 index ``record_search`` (inside the encrypted database) and its queries.

Row ids encode what a row indexes: ``ref_id * 4 + kind code`` (0 student name, 1 note,
2 addendum, 3 psychotherapy note), so re-indexing one item is a delete and an insert by rowid.
Queries are built from the user's words only (no FTS syntax passes through): each word becomes
a quoted prefix term, all must match, and results are ranked by bm25.
"""

from __future__ import annotations

import re
from typing import Any

KIND_CODES: dict[str, int] = {"student": 0, "note": 1, "addendum": 2, "psychotherapy": 3}
KIND_OF_CODE: dict[int, str] = {v: k for k, v in KIND_CODES.items()}
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12

Conn = Any


def rowid_for(kind: str, ref_id: int) -> int:
    return ref_id * 4 + KIND_CODES[kind]


def split_rowid(rowid: int) -> tuple[str, int]:
    return KIND_OF_CODE[rowid % 4], rowid // 4


def index(conn: Conn, kind: str, ref_id: int, student_id: int | None, body: str) -> None:
    rid = rowid_for(kind, ref_id)
    conn.execute("DELETE FROM record_search WHERE rowid = ?", (rid,))
    if body.strip():
        conn.execute(
            "INSERT INTO record_search (rowid, body, kind, student_id) VALUES (?, ?, ?, ?)",
            (rid, body, kind, student_id),
        )


def match_expression(query: str) -> str | None:
    """An FTS5 MATCH expression for the words of ``query`` (prefix terms, all required)."""
    words = _WORD.findall(query)[:MAX_TERMS]
    if not words:
        return None
    return " ".join(f'"{w}"*' for w in words)


def search(
    conn: Conn, query: str, *, include_psychotherapy: bool, limit: int
) -> list[tuple[str, int, int | None, str, float]]:
    """(kind, ref_id, student_id, snippet, score) best first; lower score = better (bm25)."""
    expr = match_expression(query)
    if expr is None:
        return []
    kinds = "" if include_psychotherapy else " AND kind <> 'psychotherapy'"
    rows = conn.execute(
        "SELECT rowid, student_id, snippet(record_search, 0, '[', ']', '…', 12),"
        " bm25(record_search) AS score FROM record_search"
        f" WHERE record_search MATCH ?{kinds} ORDER BY score LIMIT ?",
        (expr, limit),
    ).fetchall()
    out = []
    for r in rows:
        kind, ref = split_rowid(int(r[0]))
        out.append((kind, ref, None if r[1] is None else int(r[1]), str(r[2]), float(r[3])))
    return out
