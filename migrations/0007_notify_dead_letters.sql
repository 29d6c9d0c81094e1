-- Notifications a channel gave up on after max_attempts, with everything
-- needed to send them again (the outbox row may be pruned by then).
-- `retry_at` is set by `srec notify retry` / the API; the daemon's channel
-- task picks such rows up, delivers them and deletes them.
CREATE TABLE notify_dead_letters (
    id          INTEGER PRIMARY KEY,
    channel     TEXT    NOT NULL,
    event_id    INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    streamer_id INTEGER,
    payload     TEXT    NOT NULL,
    event_at    INTEGER NOT NULL,
    last_error  TEXT    NOT NULL,
    attempts    INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    retry_at    INTEGER,
    UNIQUE (channel, event_id)
);
CREATE INDEX notify_dead_letters_retry ON notify_dead_letters(channel, retry_at)
    WHERE retry_at IS NOT NULL;
