-- 0008 (tamper evidence, docs/design/tamper-evidence.md): the keyed audit chain starts, and
-- signed rows and record destructions written before every one was audited (demo data, old
-- fixtures) are recorded once in record_baseline with the hash of their content at this moment.
-- From this migration on, each migration also records the schema it leaves (meta
-- 'schema_objects') with its fingerprint in an audit entry ('schema.migrated'). The Python step of this
-- migration (storage/tamper.py, ``seal_0008``) runs in the same transaction: it fills
-- record_baseline and appends the first keyed audit entry (action 'audit.chain_keyed'), whose
-- details seal the baseline with a digest, so a row added to it later is a finding.

CREATE TABLE record_baseline (
    kind         TEXT NOT NULL
                 CHECK ((kind = 'note' OR kind = 'addendum' OR kind = 'psychotherapy_note'
                         OR kind = 'destruction')),
    row_id       INTEGER NOT NULL,
    content_hash TEXT NOT NULL CHECK (length(content_hash) = 64),
    PRIMARY KEY (kind, row_id)
) WITHOUT ROWID;

CREATE TRIGGER record_baseline_no_update BEFORE UPDATE ON record_baseline
BEGIN
    SELECT RAISE(ABORT, 'the record baseline is written once by migration 0008');
END;
CREATE TRIGGER record_baseline_no_delete BEFORE DELETE ON record_baseline
BEGIN
    SELECT RAISE(ABORT, 'the record baseline is written once by migration 0008');
END;

-- The county anchors this vault sent (storage/tamper.py, sync/anchors.py): the local audit
-- entry each commits to, kept for checks while offline. The county keeps only ``anchor``.
CREATE TABLE audit_anchors (
    position  INTEGER PRIMARY KEY,
    audit_id  INTEGER NOT NULL,
    anchor    TEXT NOT NULL CHECK (length(anchor) = 92),
    sent_on   TEXT NOT NULL
);
