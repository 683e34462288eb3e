-- The publication cube (issue 17): every number pages and exports show, suppressed as a whole.
-- value is NULL for a hidden cell (small or protecting one); the true value is never stored here.
CREATE TABLE publication_cells (
    measure TEXT NOT NULL,
    org_level TEXT NOT NULL,
    org TEXT NOT NULL,
    time_level TEXT NOT NULL,
    period TEXT NOT NULL,
    cat_level TEXT NOT NULL,
    cat TEXT NOT NULL,
    value BIGINT,
    PRIMARY KEY (measure, org_level, time_level, cat_level, org, period, cat)
);

CREATE TABLE publication_state (
    id INTEGER PRIMARY KEY,
    built_at TEXT NOT NULL,
    source TEXT NOT NULL,
    window_first TEXT NOT NULL,
    current_month TEXT NOT NULL,
    cells BIGINT NOT NULL,
    hidden BIGINT NOT NULL
);
