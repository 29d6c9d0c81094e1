-- Title (and category) changes observed during a live session, in order.
CREATE TABLE session_titles (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES live_sessions(id) ON DELETE CASCADE,
    title       TEXT    NOT NULL,
    category    TEXT,
    changed_at  INTEGER NOT NULL
);
CREATE INDEX session_titles_by_session ON session_titles(session_id, changed_at);
