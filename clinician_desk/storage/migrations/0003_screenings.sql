-- 0003 (screenings): administrations with every response, their scored results (one row per
-- rule version: re-scoring keeps the older result), and the safety follow-up a critical result
-- requires before the administration can be closed. Dates are ISO text (YYYY-MM-DD); instants
-- are UTC ISO text. The sync counts read screenings (administered_on, instrument, positive,
-- status = 'completed').

CREATE TABLE screenings (
    id                 INTEGER PRIMARY KEY,
    student_id         INTEGER NOT NULL REFERENCES students (id),
    instrument         TEXT NOT NULL,
    instrument_version TEXT NOT NULL,
    administered_on    TEXT NOT NULL CHECK (administered_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    respondent         TEXT NOT NULL CHECK (respondent IN ('self', 'parent', 'teacher')),
    language           TEXT NOT NULL,
    population         TEXT,
    responses          TEXT NOT NULL CHECK (json_valid(responses)),
    requires_follow_up INTEGER NOT NULL CHECK (requires_follow_up IN (0, 1)),
    positive           INTEGER CHECK (positive IN (0, 1)),
    status             TEXT NOT NULL CHECK (status IN ('open', 'completed')),
    school_cds         TEXT NOT NULL,
    recorded_by        TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    closed_at          TEXT,
    closed_by          TEXT
);
CREATE INDEX screenings_student ON screenings (student_id, instrument, administered_on);
CREATE INDEX screenings_month ON screenings (administered_on);
CREATE INDEX screenings_open ON screenings (student_id) WHERE status = 'open';

-- What was administered never changes; only the status, the latest positive flag and the
-- follow-up requirement move (re-scoring can raise it, never lower it).
CREATE TRIGGER screenings_answers_locked BEFORE UPDATE OF student_id, instrument,
    instrument_version, administered_on, respondent, language, population, responses,
    school_cds, recorded_by, created_at ON screenings
BEGIN
    SELECT RAISE(ABORT, 'a recorded screening is kept as given');
END;
CREATE TRIGGER screenings_no_delete BEFORE DELETE ON screenings
BEGIN
    SELECT RAISE(ABORT, 'a recorded screening is kept as given');
END;
CREATE TRIGGER screenings_follow_up_never_lowered BEFORE UPDATE OF requires_follow_up ON screenings
WHEN NEW.requires_follow_up < OLD.requires_follow_up
BEGIN
    SELECT RAISE(ABORT, 'a required safety follow-up cannot be removed');
END;
CREATE TRIGGER screenings_insert_open_when_critical BEFORE INSERT ON screenings
WHEN NEW.status = 'completed' AND NEW.requires_follow_up = 1
BEGIN
    SELECT RAISE(ABORT, 'a critical screening cannot be closed before its safety follow-up is recorded');
END;

-- One computed result per rule version; results are never edited or deleted.
CREATE TABLE screening_results (
    id           INTEGER PRIMARY KEY,
    screening_id INTEGER NOT NULL REFERENCES screenings (id),
    rule_version TEXT NOT NULL,
    scorable     INTEGER NOT NULL CHECK (scorable IN (0, 1)),
    total        INTEGER,
    band         TEXT,
    band_rank    INTEGER,
    positive     INTEGER CHECK (positive IN (0, 1)),
    critical     INTEGER NOT NULL CHECK (critical IN (0, 1)),
    complete     INTEGER NOT NULL CHECK (complete IN (0, 1)),
    result_json  TEXT NOT NULL CHECK (json_valid(result_json)),
    scored_at    TEXT NOT NULL,
    UNIQUE (screening_id, rule_version)
);
CREATE TRIGGER screening_results_no_update BEFORE UPDATE ON screening_results
BEGIN
    SELECT RAISE(ABORT, 'a screening result is kept; re-score to add a newer one');
END;
CREATE TRIGGER screening_results_no_delete BEFORE DELETE ON screening_results
BEGIN
    SELECT RAISE(ABORT, 'a screening result is kept; re-score to add a newer one');
END;

-- The safety follow-up of a critical administration: recorded once, never edited.
CREATE TABLE screening_follow_ups (
    screening_id           INTEGER PRIMARY KEY REFERENCES screenings (id),
    risk_outcome           TEXT NOT NULL
        CHECK (risk_outcome IN ('none_identified', 'low', 'moderate', 'high', 'imminent')),
    safety_plan_id         INTEGER REFERENCES safety_plans (id),
    safety_plan_reason_not TEXT CHECK (safety_plan_reason_not IS NULL OR safety_plan_reason_not <> ''),
    parent_decision        TEXT NOT NULL
        CHECK (parent_decision IN ('notified', 'will_notify', 'not_notified')),
    parent_rationale       TEXT NOT NULL CHECK (parent_rationale <> ''),
    parent_decided_at      TEXT NOT NULL,
    recorded_by            TEXT NOT NULL,
    recorded_at            TEXT NOT NULL,
    CHECK ((safety_plan_id IS NULL) <> (safety_plan_reason_not IS NULL))
) WITHOUT ROWID;
CREATE TRIGGER screening_follow_ups_no_update BEFORE UPDATE ON screening_follow_ups
BEGIN
    SELECT RAISE(ABORT, 'a recorded safety follow-up is kept as is');
END;
CREATE TRIGGER screening_follow_ups_no_delete BEFORE DELETE ON screening_follow_ups
BEGIN
    SELECT RAISE(ABORT, 'a recorded safety follow-up is kept as is');
END;
CREATE TRIGGER screenings_close_needs_follow_up BEFORE UPDATE ON screenings
WHEN NEW.status = 'completed' AND NEW.requires_follow_up = 1
    AND NOT EXISTS (SELECT 1 FROM screening_follow_ups WHERE screening_id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'a critical screening cannot be closed before its safety follow-up is recorded');
END;
