-- Download circuit breakers that are not closed (open or half-open, or
-- counting failures), written by the daemon so `srec status` can show them.
-- The daemon clears the table at start: breakers are runtime state.
CREATE TABLE circuit_breakers (
    key         TEXT    PRIMARY KEY,
    state       TEXT    NOT NULL CHECK (state IN ('closed', 'open', 'half_open')),
    failures    INTEGER NOT NULL DEFAULT 0,
    opened_at   INTEGER,
    retry_at    INTEGER,
    last_error  TEXT,
    updated_at  INTEGER NOT NULL
);
