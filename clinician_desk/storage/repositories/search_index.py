"""The FTS5 index ``record_search`` (inside the encrypted database) and its queries.

Row ids encode what a row indexes: notes ``id*4+1``, addenda ``id*4+2``, psychotherapy notes
``id*4+3``, and student names ``STUDENT_BASE + id`` (above every other row id, so names are
found with one rowid-bounded scan). Re-indexing one item is a delete and an insert by rowid.
Queries are built from the user's words only (no FTS syntax passes through): each word becomes
a quoted prefix term and all must match.

Ranking: Okapi BM25 (k1 1.2, b 0.75 — FTS5's bm25() formula) over every student-name match
plus the ``WINDOW`` newest other matches, with document frequencies estimated over the rows
scanned to find them. It is computed here rather than with FTS5's ``bm25()``/``ORDER BY
rank``: under SQLCipher's ``cipher_memory_security`` each ``bm25()`` call costs ~0.2–1.2 ms
and a descending scan of a prefix query is slower still, while an ascending scan bounded by a
rowid range is cheap. Snippets are cut in Python from the matched row's text.
"""

from __future__ import annotations

import math
import re
import unicodedata

from clinician_desk.storage.connection import Connection

KIND_CODES: dict[str, int] = {"note": 1, "addendum": 2, "psychotherapy": 3}
KIND_OF_CODE: dict[int, str] = {v: k for k, v in KIND_CODES.items()}
STUDENT_BASE = 1 << 52
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12
WINDOW = 200
SNIPPET_CHARS = 120
# Prefix indexes exist for 2-8 characters (migration 0005); longer words are matched on their
# first 8 characters and the full prefix is checked on the candidates.
MAX_INDEXED_PREFIX = 8


def rowid_for(kind: str, ref_id: int) -> int:
    if kind == "student":
        return STUDENT_BASE + ref_id
    return ref_id * 4 + KIND_CODES[kind]


def split_rowid(rowid: int) -> tuple[str, int]:
    if rowid >= STUDENT_BASE:
        return "student", rowid - STUDENT_BASE
    return KIND_OF_CODE[rowid % 4], rowid // 4


def index(conn: Connection, kind: str, ref_id: int, student_id: int | None, body: str) -> None:
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
    return " ".join(f'"{w[:MAX_INDEXED_PREFIX]}"*' for w in ws)


def snippet(body: str, query_words: list[str], width: int = SNIPPET_CHARS) -> str:
    """A window of ``body`` around the first matching word, matches in [brackets]."""
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in query_words) + r")\w*", re.I)
    first = pattern.search(body)
    start = 0 if first is None else max(0, first.start() - width // 3)
    piece = body[start : start + width]
    marked = pattern.sub(lambda m: f"[{m.group(0)}]", piece)
    return ("…" if start else "") + marked + ("…" if start + width < len(body) else "")


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _bm25(tfs: list[int], length: int, idf: list[float], avg_len: float) -> float:
    """Okapi BM25 (k1 = 1.2, b = 0.75, as FTS5's bm25()) of one document; higher is better."""
    k1, b = 1.2, 0.75
    norm = k1 * (1 - b + b * max(1, length) / avg_len)
    return sum(w * tf * (k1 + 1) / (tf + norm) for tf, w in zip(tfs, idf, strict=True) if tf)


def search(
    conn: Connection, query: str, *, include_psychotherapy: bool, limit: int
) -> list[tuple[str, int, int | None, str, float]]:
    """(kind, ref_id, student_id, snippet, score) best first; lower score = better (-bm25)."""
    expr = match_expression(query)
    if expr is None:
        return []
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: cheaper for many rows

    def matching(low: int, high: int, match: str = expr) -> list[int]:
        return [
            int(r[0])
            for r in cursor.execute(
                "SELECT rowid FROM record_search WHERE record_search MATCH ?"
                " AND rowid >= ? AND rowid < ?",
                (match, low, high),
            )
        ]

    def keep(i: int) -> bool:  # psychotherapy rows are id*4+3
        return include_psychotherapy or i % 4 != 3

    # 1. every student-name match (their rowids sit above STUDENT_BASE), then the newest
    # matches below it: scan a growing range of the newest row ids (ascending scans with a
    # rowid bound are cheap) until WINDOW matches are found or the whole index was scanned.
    names = matching(STUDENT_BASE, 1 << 62)
    top_row = conn.execute(
        "SELECT max(id) FROM record_search_content WHERE id < ?", (STUDENT_BASE,)
    ).fetchone()[0]
    top = 0 if top_row is None else int(top_row) + 1
    span, low, others = 4 * WINDOW * 8, top, []
    while top:
        low = max(0, top - span)
        others = [i for i in matching(low, top) if keep(i)]
        if len(others) >= WINDOW or low == 0:
            break
        span *= 8
    others = others[-WINDOW:]
    ids = names + others
    if not ids:
        return []
    # 2. the candidates: every student-name match plus the WINDOW newest other matches, read
    # from FTS5's content table (columns c0 body, c1 kind, c2 student_id) by primary key —
    # ~20x cheaper than rowid lookups through the virtual table
    candidates = ids
    rows: dict[int, tuple[str, int | None]] = {}
    for start in range(0, len(candidates), 500):
        chunk = candidates[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for r in conn.execute(
            f"SELECT id, c0, c2 FROM record_search_content WHERE id IN ({marks})", chunk
        ):
            rows[int(r[0])] = (str(r[1]), None if r[2] is None else int(r[2]))
    # 3. BM25 over the candidates. Document frequencies are estimated over the scanned range
    # (names + the newest rows): the share of those rows holding each word, which is what
    # weighs the words of a multi-word query against each other.
    prefixes = [_fold(w) for w in words(query)]
    scanned = max(1, len(names) + (top - low) // 4)
    if len(prefixes) == 1:
        dfs = [len(ids)]
    else:
        dfs = [
            len(matching(STUDENT_BASE, 1 << 62, f'"{w[:MAX_INDEXED_PREFIX]}"*'))
            + len(matching(low, top, f'"{w[:MAX_INDEXED_PREFIX]}"*'))
            for w in words(query)
        ]
    idf = [max(math.log((scanned - df + 0.5) / (df + 0.5) + 1), 1e-6) for df in dfs]
    patterns = [re.compile(r"\b" + re.escape(p)) for p in prefixes]
    folded = {rid: _fold(body) for rid, (body, _) in rows.items()}
    lengths = {rid: text.count(" ") + 1 for rid, text in folded.items()}  # ~ token count
    avg_len = max(1.0, sum(lengths.values()) / max(1, len(lengths)))
    long_words = [i for i, p in enumerate(prefixes) if len(p) > MAX_INDEXED_PREFIX]
    scored = []
    for rid, text in folded.items():
        tfs = [len(p.findall(text)) for p in patterns]
        if any(tfs[i] == 0 for i in long_words):
            continue  # matched only the first 8 characters of a longer word
        scored.append((rid, rows[rid][1], _bm25(tfs, lengths[rid], idf, avg_len)))
    # student names first, then by BM25 (higher is better), newest first on ties
    scored.sort(key=lambda h: (h[0] < STUDENT_BASE, -h[2], -h[0]))
    qw = words(query)
    out = []
    for rowid, sid, score in scored[:limit]:
        kind, ref = split_rowid(rowid)
        out.append((kind, ref, sid, snippet(rows[rowid][0], qw), -score))
    return out
