-- 0004 sync: the device's enrollment and key, the org units it may report for, the
-- per-(org_unit, period) snapshot state (built revision, acknowledged revision, last server
-- answer). Owner: sync-client engineer. The private key is kept here, inside the encrypted
-- vault, never in a file of its own.

CREATE TABLE sync_device (
    id                   INTEGER PRIMARY KEY CHECK (id = 1),
    server_url           TEXT NOT NULL,
    device_id            TEXT NOT NULL,
    private_key          BLOB NOT NULL CHECK (length(private_key) = 32),
    public_key           TEXT NOT NULL,
    escrow_public_key    TEXT,
    taxonomy_version     TEXT NOT NULL,
    enrolled_at          TEXT NOT NULL,
    revoked_at           TEXT,
    clock_offset_seconds REAL NOT NULL DEFAULT 0,
    last_attempt_at      TEXT,
    last_success_at      TEXT,
    last_problem         TEXT
);

CREATE TABLE sync_org_unit (
    org_unit TEXT PRIMARY KEY CHECK (length(org_unit) = 14)
);

CREATE TABLE sync_period (
    org_unit        TEXT NOT NULL CHECK (length(org_unit) = 14),
    period          TEXT NOT NULL CHECK (length(period) = 7),
    revision        INTEGER NOT NULL DEFAULT 0 CHECK (revision >= 0),
    content_hash    TEXT,
    body            BLOB,
    built_at        TEXT,
    acked_revision  INTEGER NOT NULL DEFAULT 0 CHECK (acked_revision >= 0),
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                        ('pending', 'synced', 'stale', 'conflict', 'rejected', 'locked')),
    server_revision INTEGER,
    problem         TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_sent_at    TEXT,
    acked_at        TEXT,
    PRIMARY KEY (org_unit, period)
) WITHOUT ROWID;

CREATE INDEX sync_period_status ON sync_period (status);
