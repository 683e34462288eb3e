"""The FTS5 index ``record_search`` (inside the encrypted database) and its queries.

Row ids encode what a row indexes: notes ``id*4+1``, addenda ``id*4+2``, psychotherapy notes
``id*4+3``, and student names ``STUDENT_BASE + id`` — above every other row id, so names come
first when the index is read newest-first. Re-indexing one item is a delete and an insert by
rowid. Queries are built from the user's words only (no FTS syntax passes through): each word
becomes a quoted prefix term and all must match.

Ranking: bm25 over the ``WINDOW`` newest matching rows (all student-name matches first). A
word found in thousands of notes would otherwise cost one bm25 evaluation per match — with
SQLCipher's memory security that is ~1 ms per 5 matches — so the window bounds the cost
while the ranking inside it is true bm25 (global term statistics). Snippets are cut in Python
from the matched row's text.
"""

from __future__ import annotations

import re
from typing import Any

KIND_CODES: dict[str, int] = {"note": 1, "addendum": 2, "psychotherapy": 3}
KIND_OF_CODE: dict[int, str] = {v: k for k, v in KIND_CODES.items()}
STUDENT_BASE = 1 << 52
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12
WINDOW = 400
SNIPPET_CHARS = 120

Conn = Any


def rowid_for(kind: str, ref_id: int) -> int:
    if kind == "student":
        return STUDENT_BASE + ref_id
    return ref_id * 4 + KIND_CODES[kind]


def split_rowid(rowid: int) -> tuple[str, int]:
    if rowid >= STUDENT_BASE:
        return "student", rowid - STUDENT_BASE
    return KIND_OF_CODE[rowid % 4], rowid // 4


def index(conn: Conn, kind: str, ref_id: int, student_id: int | None, body: str) -> None:
    rid = rowid_for(kind, ref_id)
    conn.execute("DELETE FROM record_search WHERE rowid = ?", (rid,))
    if body.strip():
        conn.execute(
            "INSERT INTO record_search (rowid, body, kind, student_id) VALUES (?, ?, ?, ?)",
            (rid, body, kind, student_id),
        )


def words(query: str) -> list[str]:
    return _WORD.findall(query)[:MAX_TERMS]


def match_expression(query: str) -> str | None:
    """An FTS5 MATCH expression for the words of ``query`` (prefix terms, all required)."""
    ws = words(query)
    if not ws:
        return None
    return " ".join(f'"{w}"*' for w in ws)


def snippet(body: str, query_words: list[str], width: int = SNIPPET_CHARS) -> str:
    """A window of ``body`` around the first matching word, matches in [brackets]."""
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in query_words) + r")\w*", re.I)
    first = pattern.search(body)
    start = 0 if first is None else max(0, first.start() - width // 3)
    piece = body[start : start + width]
    marked = pattern.sub(lambda m: f"[{m.group(0)}]", piece)
    return ("…" if start else "") + marked + ("…" if start + width < len(body) else "")


def search(
    conn: Conn, query: str, *, include_psychotherapy: bool, limit: int
) -> list[tuple[str, int, int | None, str, float]]:
    """(kind, ref_id, student_id, snippet, score) best first; lower score = better (bm25)."""
    expr = match_expression(query)
    if expr is None:
        return []
    rows = conn.execute(
        "SELECT rowid, student_id, bm25(record_search) FROM record_search"
        " WHERE record_search MATCH ? ORDER BY rowid DESC LIMIT ?",
        (expr, WINDOW),
    ).fetchall()
    hits: list[tuple[int, int | None, float]] = []
    for r in rows:
        kind, _ = split_rowid(int(r[0]))
        if kind == "psychotherapy" and not include_psychotherapy:
            continue
        hits.append((int(r[0]), None if r[1] is None else int(r[1]), float(r[2])))
    # student names first, then by bm25 (lower is better), newest first on ties
    hits.sort(key=lambda h: (h[0] < STUDENT_BASE, h[2], -h[0]))
    hits = hits[:limit]
    if not hits:
        return []
    marks = ",".join("?" * len(hits))
    bodies = {
        int(r[0]): str(r[1])
        for r in conn.execute(
            f"SELECT rowid, body FROM record_search WHERE rowid IN ({marks})",
            [h[0] for h in hits],
        )
    }
    qw = words(query)
    out = []
    for rowid, sid, score in hits:
        kind, ref = split_rowid(rowid)
        out.append((kind, ref, sid, snippet(bodies.get(rowid, ""), qw), score))
    return out
