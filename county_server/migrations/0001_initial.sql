-- County server schema, version 1. Portable SQL for SQLite and PostgreSQL: {{AUTOID}} becomes
-- the dialect's auto-increment primary key; timestamps are UTC ISO text ('YYYY-MM-DDTHH:MM:SSZ').
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE districts (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE schools (
    code TEXT PRIMARY KEY,
    district_code TEXT NOT NULL REFERENCES districts (code),
    name TEXT NOT NULL
);
CREATE INDEX schools_district ON schools (district_code);

CREATE TABLE enrollment_codes (
    code_hash TEXT PRIMARY KEY,
    org_units TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    created_by TEXT NOT NULL
);

CREATE TABLE devices (
    device_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL UNIQUE,
    org_units TEXT NOT NULL,
    app_version TEXT NOT NULL,
    enrolled_at TEXT NOT NULL,
    last_seen_at TEXT,
    revoked_at TEXT
);

CREATE TABLE snapshots (
    device_id TEXT NOT NULL REFERENCES devices (device_id),
    org_unit TEXT NOT NULL,
    period TEXT NOT NULL,
    revision BIGINT NOT NULL,
    content_hash TEXT NOT NULL,
    taxonomy_version TEXT NOT NULL,
    generated_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (device_id, org_unit, period)
);

CREATE TABLE snapshot_history (
    device_id TEXT NOT NULL,
    org_unit TEXT NOT NULL,
    period TEXT NOT NULL,
    revision BIGINT NOT NULL,
    content_hash TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (device_id, org_unit, period, revision)
);

CREATE TABLE cells (
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
CREATE INDEX cells_by_district ON cells (district_code, period, measure);
CREATE INDEX cells_by_period ON cells (period, measure);

CREATE TABLE closed_periods (
    period TEXT NOT NULL,
    scope TEXT NOT NULL,
    closed_at TEXT NOT NULL,
    closed_by TEXT NOT NULL,
    PRIMARY KEY (period, scope)
);

CREATE TABLE seen_requests (
    device_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    digest TEXT NOT NULL,
    created_unix BIGINT NOT NULL,
    status_code INTEGER NOT NULL,
    response TEXT NOT NULL,
    PRIMARY KEY (device_id, idempotency_key)
);
CREATE INDEX seen_requests_age ON seen_requests (created_unix);

CREATE TABLE users (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    districts TEXT NOT NULL,
    failed_logins INTEGER NOT NULL,
    locked_until TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users (username),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE audit_log (
    id {{AUTOID}},
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    details TEXT NOT NULL
);
