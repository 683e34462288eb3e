-- 0005 (clinical record): rebuild the search index with prefix indexes for 2 to 8 characters.
-- A prefix query without a prefix index of its exact length merges every matching term's
-- doclist in memory before a row can be returned (measured 75 ms for a common word in a
-- 100,000-session vault, 7 ms with the index). Queries cut words to 8 characters and check
-- longer prefixes on the candidates. Same columns, same row ids, data copied as is.

CREATE VIRTUAL TABLE record_search_v5 USING fts5 (
    body,
    kind UNINDEXED,
    student_id UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4 5 6 7 8'
);
INSERT INTO record_search_v5 (rowid, body, kind, student_id)
    SELECT rowid, body, kind, student_id FROM record_search;
DROP TABLE record_search;
ALTER TABLE record_search_v5 RENAME TO record_search;
