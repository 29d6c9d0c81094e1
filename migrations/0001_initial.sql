-- srec schema v1: streamers, live sessions, their segments, and the monitor
-- event outbox. Times are unix milliseconds (UTC).

CREATE TABLE streamers (
    id                 INTEGER PRIMARY KEY,
    url                TEXT    NOT NULL UNIQUE,
    name               TEXT    NOT NULL,
    platform           TEXT    NOT NULL,
    state              TEXT    NOT NULL DEFAULT 'not_live'
        CHECK (state IN ('not_live', 'live', 'out_of_schedule', 'error', 'not_found')),
    priority           TEXT    NOT NULL DEFAULT 'normal'
        CHECK (priority IN ('high', 'normal', 'low')),
    enabled            INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    template           TEXT,
    overrides          TEXT    NOT NULL DEFAULT '{}',
    consecutive_errors INTEGER NOT NULL DEFAULT 0,
    last_error         TEXT,
    last_live_at       INTEGER,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);

CREATE TABLE live_sessions (
    id          INTEGER PRIMARY KEY,
    streamer_id INTEGER NOT NULL REFERENCES streamers(id) ON DELETE CASCADE,
    title       TEXT,
    category    TEXT,
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER,
    end_reason  TEXT
);

-- At most one open session per streamer.
CREATE UNIQUE INDEX live_sessions_one_active
    ON live_sessions(streamer_id) WHERE ended_at IS NULL;
CREATE INDEX live_sessions_by_streamer ON live_sessions(streamer_id, started_at);

CREATE TABLE session_segments (
    id           INTEGER PRIMARY KEY,
    session_id   INTEGER NOT NULL REFERENCES live_sessions(id) ON DELETE CASCADE,
    seg_index    INTEGER NOT NULL,
    path         TEXT    NOT NULL,
    started_at   INTEGER NOT NULL,
    ended_at     INTEGER,
    duration_ms  INTEGER,
    bytes        INTEGER NOT NULL DEFAULT 0,
    split_reason TEXT,
    UNIQUE (session_id, seg_index)
);

CREATE TABLE monitor_event_outbox (
    id           INTEGER PRIMARY KEY,
    streamer_id  INTEGER,
    kind         TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    delivered_at INTEGER
);
CREATE INDEX monitor_event_outbox_pending
    ON monitor_event_outbox(id) WHERE delivered_at IS NULL;
