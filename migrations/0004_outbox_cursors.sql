-- Durable consumers of `monitor_event_outbox` (pipeline, notifications) keep
-- their own position: the highest outbox id each one has fully handled. A
-- consumer that is down, slow or restarted resumes from here; the broadcast
-- flusher's `delivered_at` is only about the live in-memory channel.
CREATE TABLE outbox_cursors (
    consumer   TEXT    PRIMARY KEY,
    last_id    INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
