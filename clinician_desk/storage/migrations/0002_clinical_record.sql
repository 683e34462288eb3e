-- 0002 (clinical record): schools, students with guardians and consent basis, sessions with
-- their participants, notes (sign-and-lock by trigger), addenda, psychotherapy notes, drafts,
-- referrals with status history, safety plans, mandated-report events, safety flags (filled by
-- screenings), the count_dirty outbox marks for sync, and the FTS5 search index.
-- Dates are ISO text (YYYY-MM-DD); instants are UTC ISO text (utc_iso).
-- CHECKs use OR chains, not IN lists: with cipher_memory_security=ON an IN list builds an
-- ephemeral table per row and made inserts ~25x slower.

CREATE TABLE schools (
    cds_code     TEXT PRIMARY KEY NOT NULL
                 CHECK (length(cds_code) = 14 AND cds_code NOT GLOB '*[^0-9]*'),
    name         TEXT NOT NULL,
    district_cds TEXT NOT NULL CHECK (length(district_cds) = 14)
) WITHOUT ROWID;

CREATE TABLE students (
    id                        INTEGER PRIMARY KEY,
    legal_first_name          TEXT NOT NULL CHECK (legal_first_name <> ''),
    legal_last_name           TEXT NOT NULL CHECK (legal_last_name <> ''),
    preferred_name            TEXT NOT NULL DEFAULT '',
    date_of_birth             TEXT NOT NULL,
    grade                     TEXT NOT NULL,
    school_cds                TEXT NOT NULL REFERENCES schools (cds_code),
    district_cds              TEXT NOT NULL,
    district_student_number   TEXT,
    ssid                      TEXT,
    language                  TEXT NOT NULL DEFAULT '',
    consent_basis             TEXT CHECK ((consent_basis = 'parent_consent' OR consent_basis = 'minor_consent')),
    parent_contact_attempted_on TEXT,
    parent_contact_outcome    TEXT NOT NULL DEFAULT '',
    parent_contact_inappropriate_reason TEXT NOT NULL DEFAULT '',
    handout_basis             TEXT CHECK ((handout_basis = 'parent_consent' OR handout_basis = 'student_authorization')),
    handout_authorized_on     TEXT,
    active                    INTEGER NOT NULL DEFAULT 1 CHECK ((active = 0 OR active = 1)),
    service_ended_on          TEXT,
    created_at                TEXT NOT NULL,
    updated_at                TEXT NOT NULL,
    -- HSC 124260(c): minor consent needs the parent-contact documentation.
    CHECK (consent_basis IS NOT 'minor_consent'
           OR (parent_contact_attempted_on IS NOT NULL AND parent_contact_outcome <> '')
           OR parent_contact_inappropriate_reason <> '')
);
CREATE UNIQUE INDEX students_district_number
    ON students (district_cds, district_student_number)
    WHERE district_student_number IS NOT NULL;
CREATE INDEX students_school ON students (school_cds);

CREATE TABLE guardians (
    id                 INTEGER PRIMARY KEY,
    student_id         INTEGER NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    position           INTEGER NOT NULL,
    name               TEXT NOT NULL,
    relationship       TEXT NOT NULL DEFAULT '',
    phone              TEXT NOT NULL DEFAULT '',
    email              TEXT NOT NULL DEFAULT '',
    preferred_language TEXT NOT NULL DEFAULT '',
    is_primary         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX guardians_student ON guardians (student_id, position);

CREATE TABLE sessions (
    id               INTEGER PRIMARY KEY,
    session_date     TEXT NOT NULL,
    start_minute     INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute       INTEGER NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
    service_code     TEXT NOT NULL,
    tier             INTEGER CHECK ((tier = 1 OR tier = 2 OR tier = 3)),
    modality         TEXT NOT NULL CHECK ((modality = 'in_person' OR modality = 'telehealth' OR modality = 'phone')),
    location         TEXT NOT NULL,
    participant_kind TEXT NOT NULL CHECK ((participant_kind = 'student' OR participant_kind = 'family' OR participant_kind = 'group')),
    group_size       INTEGER,
    school_cds       TEXT NOT NULL REFERENCES schools (cds_code),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    CHECK (end_minute > start_minute)
);
CREATE INDEX sessions_date ON sessions (session_date);

-- Students present; session_date is copied here so "last contact" is one index seek.
CREATE TABLE session_students (
    session_id   INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    student_id   INTEGER NOT NULL REFERENCES students (id),
    session_date TEXT NOT NULL,
    PRIMARY KEY (session_id, student_id)
) WITHOUT ROWID;
CREATE INDEX session_students_student ON session_students (student_id, session_date);

CREATE TABLE notes (
    id           INTEGER PRIMARY KEY,
    session_id   INTEGER NOT NULL REFERENCES sessions (id),
    student_id   INTEGER REFERENCES students (id),
    template     TEXT NOT NULL CHECK ((template = 'SOAP' OR template = 'DAP' OR template = 'BIRP' OR template = 'free')),
    sections     TEXT NOT NULL DEFAULT '{}',
    status       TEXT NOT NULL DEFAULT 'draft' CHECK ((status = 'draft' OR status = 'signed')),
    signed_by    TEXT,
    signed_at    TEXT,
    content_hash TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    CHECK (status = 'draft'
           OR (signed_by IS NOT NULL AND signed_at IS NOT NULL AND content_hash IS NOT NULL)),
    UNIQUE (session_id, student_id)
);
CREATE INDEX notes_student ON notes (student_id);

CREATE TRIGGER notes_signed_no_update BEFORE UPDATE ON notes WHEN OLD.status = 'signed'
BEGIN
    SELECT RAISE(ABORT, 'a signed note is locked; add an addendum instead');
END;
CREATE TRIGGER notes_signed_no_delete BEFORE DELETE ON notes WHEN OLD.status = 'signed'
BEGIN
    SELECT RAISE(ABORT, 'a signed note is locked; add an addendum instead');
END;

-- A session documented by a signed note is part of the signed record.
CREATE TRIGGER sessions_signed_no_update BEFORE UPDATE ON sessions
WHEN EXISTS (SELECT 1 FROM notes WHERE session_id = OLD.id AND status = 'signed')
BEGIN
    SELECT RAISE(ABORT, 'the session has a signed note and is locked');
END;
CREATE TRIGGER sessions_signed_no_delete BEFORE DELETE ON sessions
WHEN EXISTS (SELECT 1 FROM notes WHERE session_id = OLD.id AND status = 'signed')
BEGIN
    SELECT RAISE(ABORT, 'the session has a signed note and is locked');
END;

CREATE TABLE note_addenda (
    id           INTEGER PRIMARY KEY,
    note_id      INTEGER NOT NULL REFERENCES notes (id),
    body         TEXT NOT NULL CHECK (body <> ''),
    signed_by    TEXT NOT NULL,
    signed_at    TEXT NOT NULL,
    content_hash TEXT NOT NULL
);
CREATE INDEX note_addenda_note ON note_addenda (note_id);

CREATE TRIGGER note_addenda_only_on_signed BEFORE INSERT ON note_addenda
WHEN (SELECT status FROM notes WHERE id = NEW.note_id) IS NOT 'signed'
BEGIN
    SELECT RAISE(ABORT, 'an addendum can only be added to a signed note');
END;
CREATE TRIGGER note_addenda_no_update BEFORE UPDATE ON note_addenda
BEGIN
    SELECT RAISE(ABORT, 'an addendum is signed and locked');
END;
CREATE TRIGGER note_addenda_no_delete BEFORE DELETE ON note_addenda
BEGIN
    SELECT RAISE(ABORT, 'an addendum is signed and locked');
END;

-- Process notes: kept apart, never printed or summarized.
CREATE TABLE psychotherapy_notes (
    id           INTEGER PRIMARY KEY,
    session_id   INTEGER NOT NULL REFERENCES sessions (id),
    student_id   INTEGER NOT NULL REFERENCES students (id),
    body         TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'draft' CHECK ((status = 'draft' OR status = 'signed')),
    signed_by    TEXT,
    signed_at    TEXT,
    content_hash TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (session_id, student_id)
);
CREATE TRIGGER psychotherapy_notes_signed_no_update BEFORE UPDATE ON psychotherapy_notes
WHEN OLD.status = 'signed'
BEGIN
    SELECT RAISE(ABORT, 'a signed psychotherapy note is locked');
END;
CREATE TRIGGER psychotherapy_notes_signed_no_delete BEFORE DELETE ON psychotherapy_notes
WHEN OLD.status = 'signed'
BEGIN
    SELECT RAISE(ABORT, 'a signed psychotherapy note is locked');
END;

-- Autosaved form state that is not yet a note (e.g. a new session being typed).
CREATE TABLE form_drafts (
    key      TEXT PRIMARY KEY NOT NULL,
    payload  TEXT NOT NULL,
    saved_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE referrals (
    id                INTEGER PRIMARY KEY,
    student_id        INTEGER NOT NULL REFERENCES students (id),
    destination       TEXT NOT NULL
                      CHECK ((destination = 'county_mhp' OR destination = 'community_provider' OR destination = 'school_team')),
    destination_name  TEXT NOT NULL DEFAULT '',
    referral_date     TEXT NOT NULL,
    reason            TEXT NOT NULL,
    status            TEXT NOT NULL
                      CHECK ((status = 'sent' OR status = 'accepted' OR status = 'first_appointment' OR status = 'closed' OR status = 'declined')),
    status_changed_on TEXT NOT NULL,
    follow_up_on      TEXT,
    school_cds        TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX referrals_student ON referrals (student_id);
CREATE INDEX referrals_follow_up ON referrals (follow_up_on);

CREATE TABLE referral_status_history (
    id           INTEGER PRIMARY KEY,
    referral_id  INTEGER NOT NULL REFERENCES referrals (id),
    status       TEXT NOT NULL,
    changed_on   TEXT NOT NULL,
    follow_up_on TEXT,
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL
);
CREATE INDEX referral_status_history_referral ON referral_status_history (referral_id);
CREATE TRIGGER referral_status_history_no_update BEFORE UPDATE ON referral_status_history
BEGIN
    SELECT RAISE(ABORT, 'referral status history is append-only');
END;
CREATE TRIGGER referral_status_history_no_delete BEFORE DELETE ON referral_status_history
BEGIN
    SELECT RAISE(ABORT, 'referral status history is append-only');
END;

-- Stanley–Brown safety plans; each save is a new version (steps as JSON), never edited.
CREATE TABLE safety_plans (
    id         INTEGER PRIMARY KEY,
    student_id INTEGER NOT NULL REFERENCES students (id),
    created_on TEXT NOT NULL,
    created_by TEXT NOT NULL,
    steps      TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX safety_plans_student ON safety_plans (student_id, id);
CREATE TRIGGER safety_plans_no_update BEFORE UPDATE ON safety_plans
BEGIN
    SELECT RAISE(ABORT, 'a saved safety plan is kept as is; save a new version');
END;
CREATE TRIGGER safety_plans_no_delete BEFORE DELETE ON safety_plans
BEGIN
    SELECT RAISE(ABORT, 'a saved safety plan is kept as is; save a new version');
END;

-- Penal Code 11166: the phone report and the 36-hour written follow-up. No report content.
CREATE TABLE mandated_reports (
    id                INTEGER PRIMARY KEY,
    student_id        INTEGER NOT NULL REFERENCES students (id),
    phone_report_at   TEXT NOT NULL,
    agency            TEXT NOT NULL,
    follow_up_due_at  TEXT NOT NULL,
    status            TEXT NOT NULL CHECK ((status = 'follow_up_pending' OR status = 'follow_up_sent')),
    follow_up_sent_at TEXT,
    school_cds        TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX mandated_reports_pending ON mandated_reports (follow_up_due_at)
    WHERE status = 'follow_up_pending';

-- Open safety follow-ups per student; the screenings workflow opens and closes them
-- (source 'screening', source_ref its id); the record can open 'manual' ones.
CREATE TABLE safety_flags (
    id            INTEGER PRIMARY KEY,
    student_id    INTEGER NOT NULL REFERENCES students (id),
    source        TEXT NOT NULL,
    source_ref    TEXT,
    reason        TEXT NOT NULL,
    opened_at     TEXT NOT NULL,
    closed_at     TEXT,
    closed_reason TEXT
);
CREATE INDEX safety_flags_open ON safety_flags (student_id) WHERE closed_at IS NULL;

-- Outbox marks for sync: a (org_unit, month) whose counts changed, written in the same
-- transaction as the change. The sync worker rebuilds the snapshot and clears the mark.
CREATE TABLE count_dirty (
    org_unit  TEXT NOT NULL,
    period    TEXT NOT NULL CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    marked_at TEXT NOT NULL,
    PRIMARY KEY (org_unit, period)
) WITHOUT ROWID;

-- Full-text search inside the encrypted database. The rowid encodes the indexed item
-- (see storage/repositories/search_index.py) so updates are by rowid.
CREATE VIRTUAL TABLE record_search USING fts5 (
    body,
    kind UNINDEXED,
    student_id UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

-- Associate hours logged explicitly (non-clinical time and supervision); no student data.
CREATE TABLE hours_log (
    id          INTEGER PRIMARY KEY,
    day         TEXT NOT NULL,
    kind        TEXT NOT NULL,
    minutes     INTEGER NOT NULL CHECK (minutes > 0),
    supervision INTEGER NOT NULL DEFAULT 0 CHECK ((supervision = 0 OR supervision = 1)),
    created_at  TEXT NOT NULL
);
CREATE INDEX hours_log_day ON hours_log (day);
