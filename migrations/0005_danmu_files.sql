-- Chat (danmu) XML files written beside video segments: one row per file,
-- keyed like the video segment it pairs with (session, seg_index), so
-- post-processing finds video + chat pairs. `state` is `open` while the
-- daemon writes it; a crash leaves it `open` and the next start repairs
-- the file (closes `</i>`) and marks it `closed`.
CREATE TABLE danmu_files (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES live_sessions(id) ON DELETE CASCADE,
    streamer_id INTEGER NOT NULL,
    seg_index   INTEGER NOT NULL,
    path        TEXT    NOT NULL,
    messages    INTEGER NOT NULL DEFAULT 0,
    dropped     INTEGER NOT NULL DEFAULT 0,
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER,
    state       TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    UNIQUE (session_id, seg_index)
);

CREATE INDEX danmu_files_open ON danmu_files (state) WHERE state = 'open';
