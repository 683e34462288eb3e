-- 0009 (caseload handoff, docs/design/handoff.md): the vault's handoff identity (an X25519 key
-- for sealing packages to it and an Ed25519 key for signing the packages it sends, both inside
-- the encrypted database), the colleagues whose handoff keys this clinician checked, the
-- packages sent and received, the provenance of every imported row, and the students handed
-- off from this vault (read-only here from then on, kept until their retention date).

CREATE TABLE handoff_identity (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    x25519_private  BLOB NOT NULL CHECK (length(x25519_private) = 32),
    ed25519_private BLOB NOT NULL CHECK (length(ed25519_private) = 32),
    created_at      TEXT NOT NULL
);

-- Colleagues' public handoff keys, added from their handoff card after reading the
-- fingerprint aloud (or from the county's handoff-keys registry).
CREATE TABLE handoff_contacts (
    fingerprint    TEXT PRIMARY KEY NOT NULL,
    name           TEXT NOT NULL CHECK (name <> ''),
    x25519_public  TEXT NOT NULL,
    ed25519_public TEXT NOT NULL,
    added_at       TEXT NOT NULL
) WITHOUT ROWID;

-- One row per package this vault sent or received. package_id is the random id in the
-- package header; a package is imported once (idempotent: the second import changes nothing).
CREATE TABLE handoffs (
    id               INTEGER PRIMARY KEY,
    direction        TEXT NOT NULL CHECK ((direction = 'sent' OR direction = 'received')),
    package_id       TEXT NOT NULL,
    package_hash     TEXT NOT NULL CHECK (length(package_hash) = 64),
    peer_name        TEXT NOT NULL,
    peer_fingerprint TEXT NOT NULL,
    made_at          TEXT NOT NULL,
    recorded_at      TEXT NOT NULL,
    student_count    INTEGER NOT NULL CHECK (student_count > 0),
    confirmed_at     TEXT,
    UNIQUE (direction, package_id)
);

-- The students a package holds (sender: this vault's ids; receiver: the ids they got here).
CREATE TABLE handoff_students (
    handoff_id INTEGER NOT NULL REFERENCES handoffs (id),
    student_id INTEGER NOT NULL REFERENCES students (id),
    PRIMARY KEY (handoff_id, student_id)
) WITHOUT ROWID;

-- Provenance of every imported row ("received from <sender>, <date>"): kind is the table's
-- record kind, origin_ref what the row's content hash was computed with where that is not
-- this vault's id (an addendum's hash covers the id of its note in the vault that signed it).
CREATE TABLE handoff_records (
    kind       TEXT NOT NULL,
    row_id     INTEGER NOT NULL,
    handoff_id INTEGER NOT NULL REFERENCES handoffs (id),
    origin_ref TEXT,
    PRIMARY KEY (kind, row_id)
) WITHOUT ROWID;

CREATE TRIGGER handoff_records_no_update BEFORE UPDATE ON handoff_records
BEGIN
    SELECT RAISE(ABORT, 'the provenance of a received record is kept as is');
END;

-- Students handed off from this vault after a confirmed handoff: read-only from then on.
CREATE TABLE handoff_transfers (
    student_id     INTEGER PRIMARY KEY NOT NULL REFERENCES students (id),
    handoff_id     INTEGER NOT NULL REFERENCES handoffs (id),
    transferred_on TEXT NOT NULL
);

CREATE TRIGGER handoff_transfers_no_update BEFORE UPDATE ON handoff_transfers
BEGIN
    SELECT RAISE(ABORT, 'this student was handed off to a colleague');
END;

-- A handed-off record is read-only: nothing new is attached to it, its note drafts cannot be
-- signed and the student cannot be edited (the retention destruction, which opens its own row
-- first, still can empty it at the end of retention).
CREATE TRIGGER session_students_not_transferred BEFORE INSERT ON session_students
WHEN EXISTS (SELECT 1 FROM handoff_transfers WHERE student_id = NEW.student_id)
BEGIN
    SELECT RAISE(ABORT, 'this student was handed off to a colleague');
END;
CREATE TRIGGER notes_not_transferred BEFORE INSERT ON notes
WHEN EXISTS (SELECT 1 FROM handoff_transfers WHERE student_id = NEW.student_id)
BEGIN
    SELECT RAISE(ABORT, 'this student was handed off to a colleague');
END;
CREATE TRIGGER notes_sign_not_transferred BEFORE UPDATE ON notes
WHEN NEW.status = 'signed' AND OLD.status = 'draft'
    AND EXISTS (SELECT 1 FROM handoff_transfers WHERE student_id = OLD.student_id)
BEGIN
    SELECT RAISE(ABORT, 'this student was handed off to a colleague');
END;
CREATE TRIGGER note_addenda_not_transferred BEFORE INSERT ON note_addenda
WHEN EXISTS (SELECT 1 FROM handoff_transfers t JOIN notes n ON n.student_id = t.student_id
             WHERE n.id = NEW.note_id)
BEGIN
    SELECT RAISE(ABORT, 'this student was handed off to a colleague');
END;
CREATE TRIGGER psychotherapy_notes_not_transferred BEFORE INSERT ON psychotherapy_notes
WHEN EXISTS (SELECT 1 FROM handoff_transfers WHERE student_id = NEW.student_id)
BEGIN
    SELECT RAISE(ABORT, 'this student was handed off to a colleague');
END;
CREATE TRIGGER screenings_not_transferred BEFORE INSERT ON screenings
WHEN EXISTS (SELECT 1 FROM handoff_transfers WHERE student_id = NEW.student_id)
BEGIN
    SELECT RAISE(ABORT, 'this student was handed off to a colleague');
END;
CREATE TRIGGER referrals_not_transferred BEFORE INSERT ON referrals
WHEN EXISTS (SELECT 1 FROM handoff_transfers WHERE student_id = NEW.student_id)
BEGIN
    SELECT RAISE(ABORT, 'this student was handed off to a colleague');
END;
CREATE TRIGGER safety_plans_not_transferred BEFORE INSERT ON safety_plans
WHEN EXISTS (SELECT 1 FROM handoff_transfers WHERE student_id = NEW.student_id)
BEGIN
    SELECT RAISE(ABORT, 'this student was handed off to a colleague');
END;
CREATE TRIGGER mandated_reports_not_transferred BEFORE INSERT ON mandated_reports
WHEN EXISTS (SELECT 1 FROM handoff_transfers WHERE student_id = NEW.student_id)
BEGIN
    SELECT RAISE(ABORT, 'this student was handed off to a colleague');
END;
CREATE TRIGGER guardians_not_transferred BEFORE INSERT ON guardians
WHEN EXISTS (SELECT 1 FROM handoff_transfers WHERE student_id = NEW.student_id)
BEGIN
    SELECT RAISE(ABORT, 'this student was handed off to a colleague');
END;
CREATE TRIGGER students_transferred_read_only BEFORE UPDATE ON students
WHEN EXISTS (SELECT 1 FROM handoff_transfers WHERE student_id = OLD.id)
    AND NOT EXISTS (SELECT 1 FROM retention_destructions d
                    WHERE d.student_id = OLD.id AND d.completed_at IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'this student was handed off to a colleague');
END;
