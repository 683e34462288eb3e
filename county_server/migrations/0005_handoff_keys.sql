-- The handoff-keys registry (docs/design/handoff.md, "Finding a colleague"): each enrolled
-- device's clinician publishes one public handoff card so colleagues can look it up by name and
-- school. Only public keys, the display name, the credential and school codes: no student data.
-- One card per device (a device replaces its own); a revoked or retired device's card is no
-- longer returned (the lookup joins devices).
CREATE TABLE handoff_keys (
    device_id TEXT PRIMARY KEY REFERENCES devices (device_id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    credential TEXT NOT NULL,
    x25519 TEXT NOT NULL,
    ed25519 TEXT NOT NULL,
    published_at TEXT NOT NULL
);
CREATE INDEX handoff_keys_name_key ON handoff_keys (name_key);
CREATE TABLE handoff_key_schools (
    device_id TEXT NOT NULL REFERENCES handoff_keys (device_id),
    school TEXT NOT NULL,
    PRIMARY KEY (device_id, school)
);
CREATE INDEX handoff_key_schools_school ON handoff_key_schools (school);
