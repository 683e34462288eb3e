-- Audit anchors (docs/design/tamper-evidence.md): each device's sealed commitments to its local
-- audit head, one per sync round, kept in the order received. The server cannot open them
-- (they are sealed under a key only the laptop has); it stores the opaque text, the device's
-- own idempotency key (so a resent request is not stored twice) and the day it arrived — no
-- finer time. Append-only: the server has no code path that updates or deletes a row.
CREATE TABLE audit_anchors (
    device_id TEXT NOT NULL REFERENCES devices (device_id),
    position BIGINT NOT NULL,
    anchor TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    received_on TEXT NOT NULL,
    PRIMARY KEY (device_id, position),
    UNIQUE (device_id, idempotency_key)
);
