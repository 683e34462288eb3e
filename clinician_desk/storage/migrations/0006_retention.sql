-- 0006 (retention): destroying an eligible student's record on explicit action (docs/design/domain-rules.md).
-- The signed-record triggers stay; they gain one narrow exception: while a destruction of that
-- student is open in retention_destructions (inserted and closed inside the destroying
-- transaction by services/retention.py), the student's locked rows may be removed or emptied.
-- A destruction row can only be inserted open, for a student whose services ended and whose
-- retention date has passed, closed once, and never deleted, so the exception cannot be reused.

CREATE TABLE retention_destructions (
    student_id   INTEGER PRIMARY KEY NOT NULL REFERENCES students (id),
    retain_until TEXT NOT NULL,
    destroyed_on TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    completed_at TEXT,
    destroyed_by TEXT NOT NULL,
    removed      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(removed)),
    CHECK (retain_until < destroyed_on)
);

CREATE TRIGGER retention_destructions_insert_open BEFORE INSERT ON retention_destructions
WHEN NEW.completed_at IS NOT NULL
    OR (SELECT service_ended_on FROM students WHERE id = NEW.student_id) IS NULL
BEGIN
    SELECT RAISE(ABORT, 'a destruction starts open, for a student whose services ended');
END;
CREATE TRIGGER retention_destructions_close_once BEFORE UPDATE ON retention_destructions
WHEN OLD.completed_at IS NOT NULL OR NEW.completed_at IS NULL
    OR NEW.student_id IS NOT OLD.student_id OR NEW.retain_until IS NOT OLD.retain_until
    OR NEW.destroyed_on IS NOT OLD.destroyed_on OR NEW.started_at IS NOT OLD.started_at
    OR NEW.destroyed_by IS NOT OLD.destroyed_by
BEGIN
    SELECT RAISE(ABORT, 'a record destruction is recorded once and then kept');
END;
CREATE TRIGGER retention_destructions_no_delete BEFORE DELETE ON retention_destructions
BEGIN
    SELECT RAISE(ABORT, 'a record destruction is recorded once and then kept');
END;

DROP TRIGGER notes_signed_no_update;
CREATE TRIGGER notes_signed_no_update BEFORE UPDATE ON notes WHEN OLD.status = 'signed'
    AND NOT EXISTS (SELECT 1 FROM retention_destructions d
                    WHERE d.student_id = OLD.student_id AND d.completed_at IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'a signed note is locked; add an addendum instead');
END;

DROP TRIGGER note_addenda_no_delete;
CREATE TRIGGER note_addenda_no_delete BEFORE DELETE ON note_addenda
WHEN NOT EXISTS (SELECT 1 FROM retention_destructions d JOIN notes n ON n.student_id = d.student_id
                 WHERE n.id = OLD.note_id AND d.completed_at IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'an addendum is signed and locked');
END;

DROP TRIGGER psychotherapy_notes_signed_no_delete;
CREATE TRIGGER psychotherapy_notes_signed_no_delete BEFORE DELETE ON psychotherapy_notes
WHEN OLD.status = 'signed'
    AND NOT EXISTS (SELECT 1 FROM retention_destructions d
                    WHERE d.student_id = OLD.student_id AND d.completed_at IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'a signed psychotherapy note is locked');
END;

DROP TRIGGER safety_plans_no_delete;
CREATE TRIGGER safety_plans_no_delete BEFORE DELETE ON safety_plans
WHEN NOT EXISTS (SELECT 1 FROM retention_destructions d
                 WHERE d.student_id = OLD.student_id AND d.completed_at IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'a saved safety plan is kept as is; save a new version');
END;

DROP TRIGGER screenings_answers_locked;
CREATE TRIGGER screenings_answers_locked BEFORE UPDATE OF student_id, instrument,
    instrument_version, administered_on, respondent, language, population, responses,
    school_cds, recorded_by, created_at ON screenings
WHEN NOT EXISTS (SELECT 1 FROM retention_destructions d
                 WHERE d.student_id = OLD.student_id AND d.completed_at IS NULL)
    OR NEW.student_id IS NOT OLD.student_id
BEGIN
    SELECT RAISE(ABORT, 'a recorded screening is kept as given');
END;

DROP TRIGGER screenings_no_delete;
CREATE TRIGGER screenings_no_delete BEFORE DELETE ON screenings
WHEN NOT EXISTS (SELECT 1 FROM retention_destructions d
                 WHERE d.student_id = OLD.student_id AND d.completed_at IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'a recorded screening is kept as given');
END;

DROP TRIGGER screening_results_no_delete;
CREATE TRIGGER screening_results_no_delete BEFORE DELETE ON screening_results
WHEN NOT EXISTS (SELECT 1 FROM retention_destructions d JOIN screenings s
                 ON s.student_id = d.student_id
                 WHERE s.id = OLD.screening_id AND d.completed_at IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'a screening result is kept; re-score to add a newer one');
END;

DROP TRIGGER screening_follow_ups_no_delete;
CREATE TRIGGER screening_follow_ups_no_delete BEFORE DELETE ON screening_follow_ups
WHEN NOT EXISTS (SELECT 1 FROM retention_destructions d JOIN screenings s
                 ON s.student_id = d.student_id
                 WHERE s.id = OLD.screening_id AND d.completed_at IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'a recorded safety follow-up is kept as is');
END;

-- A destroyed record stays destroyed: nothing new may be attached to its de-identified residue
-- (the services refuse first; these are the backstop against a bug or a hand-written query).
CREATE TRIGGER session_students_not_destroyed BEFORE INSERT ON session_students
WHEN EXISTS (SELECT 1 FROM retention_destructions WHERE student_id = NEW.student_id)
BEGIN
    SELECT RAISE(ABORT, 'this student''s record was destroyed');
END;
CREATE TRIGGER notes_not_destroyed BEFORE INSERT ON notes
WHEN EXISTS (SELECT 1 FROM retention_destructions WHERE student_id = NEW.student_id)
BEGIN
    SELECT RAISE(ABORT, 'this student''s record was destroyed');
END;
CREATE TRIGGER psychotherapy_notes_not_destroyed BEFORE INSERT ON psychotherapy_notes
WHEN EXISTS (SELECT 1 FROM retention_destructions WHERE student_id = NEW.student_id)
BEGIN
    SELECT RAISE(ABORT, 'this student''s record was destroyed');
END;
CREATE TRIGGER screenings_not_destroyed BEFORE INSERT ON screenings
WHEN EXISTS (SELECT 1 FROM retention_destructions WHERE student_id = NEW.student_id)
BEGIN
    SELECT RAISE(ABORT, 'this student''s record was destroyed');
END;
CREATE TRIGGER referrals_not_destroyed BEFORE INSERT ON referrals
WHEN EXISTS (SELECT 1 FROM retention_destructions WHERE student_id = NEW.student_id)
BEGIN
    SELECT RAISE(ABORT, 'this student''s record was destroyed');
END;
CREATE TRIGGER safety_plans_not_destroyed BEFORE INSERT ON safety_plans
WHEN EXISTS (SELECT 1 FROM retention_destructions WHERE student_id = NEW.student_id)
BEGIN
    SELECT RAISE(ABORT, 'this student''s record was destroyed');
END;
CREATE TRIGGER mandated_reports_not_destroyed BEFORE INSERT ON mandated_reports
WHEN EXISTS (SELECT 1 FROM retention_destructions WHERE student_id = NEW.student_id)
BEGIN
    SELECT RAISE(ABORT, 'this student''s record was destroyed');
END;
CREATE TRIGGER guardians_not_destroyed BEFORE INSERT ON guardians
WHEN EXISTS (SELECT 1 FROM retention_destructions WHERE student_id = NEW.student_id)
BEGIN
    SELECT RAISE(ABORT, 'this student''s record was destroyed');
END;
CREATE TRIGGER students_destroyed_stay_destroyed BEFORE UPDATE ON students
WHEN EXISTS (SELECT 1 FROM retention_destructions WHERE student_id = OLD.id
             AND completed_at IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'this student''s record was destroyed');
END;
