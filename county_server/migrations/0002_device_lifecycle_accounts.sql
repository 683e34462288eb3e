-- County server schema, version 2: device lifecycle (labels, replacement, retirement), account
-- management (disable, forced password change, per-account-and-source sign-in delays), audit
-- trail indexes and failed sign-in summaries.
--
-- Counting rule: the table "cells" holds only the counts of devices that count. A retired or
-- replaced device's cells are moved, in the same transaction, to "cells_set_aside" (same
-- columns) and moved back by unretire-device; "devices.counting" says which devices count.
ALTER TABLE enrollment_codes ADD COLUMN label TEXT NOT NULL DEFAULT '';
ALTER TABLE enrollment_codes ADD COLUMN replaces TEXT;
ALTER TABLE enrollment_codes ADD COLUMN device_id TEXT;

ALTER TABLE devices ADD COLUMN label TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN replaces TEXT;
ALTER TABLE devices ADD COLUMN replaced_by TEXT;
ALTER TABLE devices ADD COLUMN retired_at TEXT;
ALTER TABLE devices ADD COLUMN retired_reason TEXT;
ALTER TABLE devices ADD COLUMN counting INTEGER NOT NULL DEFAULT 1;

CREATE TABLE cells_set_aside (
    device_id TEXT NOT NULL,
    org_unit TEXT NOT NULL,
    district_code TEXT NOT NULL,
    period TEXT NOT NULL,
    measure TEXT NOT NULL,
    service TEXT NOT NULL,
    tier INTEGER NOT NULL,
    grade_band TEXT NOT NULL,
    instrument TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (device_id, org_unit, period, measure, service, tier, grade_band, instrument)
);

ALTER TABLE users ADD COLUMN disabled_at TEXT;
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

CREATE TABLE login_throttle (
    username TEXT NOT NULL,
    source TEXT NOT NULL,
    failures INTEGER NOT NULL,
    next_allowed_unix BIGINT NOT NULL,
    PRIMARY KEY (username, source)
);

CREATE TABLE login_failure_summary (
    window_start TEXT NOT NULL,
    username TEXT NOT NULL,
    source TEXT NOT NULL,
    failures INTEGER NOT NULL,
    audit_id BIGINT,
    PRIMARY KEY (window_start, username, source)
);

CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, at);
CREATE INDEX audit_log_action ON audit_log (action, at);
CREATE INDEX snapshot_history_received ON snapshot_history (received_at);
