-- Post-processing DAGs. One `dag_executions` row per triggered pipeline run
-- (the definition is copied so a config edit never changes a running DAG),
-- one `step_executions` row per step, and the captured output of each step
-- run in `job_logs`. A crash leaves `running` steps that the next start
-- puts back to `pending` (processors write a temporary name, then rename).
CREATE TABLE dag_executions (
    id          INTEGER PRIMARY KEY,
    pipeline    TEXT    NOT NULL,
    trigger     TEXT    NOT NULL CHECK (trigger IN ('segment', 'paired', 'session')),
    -- One run per trigger event: outbox rows are delivered at least once.
    dedupe_key  TEXT    NOT NULL UNIQUE,
    definition  TEXT    NOT NULL,
    context     TEXT    NOT NULL,
    inputs      TEXT    NOT NULL DEFAULT '[]',
    streamer_id INTEGER,
    session_id  INTEGER,
    seg_index   INTEGER,
    state       TEXT    NOT NULL
        CHECK (state IN ('waiting', 'running', 'succeeded', 'failed', 'cancelled')),
    priority    INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX dag_executions_by_state ON dag_executions(state, id);
CREATE INDEX dag_executions_by_streamer ON dag_executions(streamer_id, id);

CREATE TABLE step_executions (
    id           INTEGER PRIMARY KEY,
    dag_id       INTEGER NOT NULL REFERENCES dag_executions(id) ON DELETE CASCADE,
    step_id      TEXT    NOT NULL,
    processor    TEXT    NOT NULL,
    pool         TEXT    NOT NULL CHECK (pool IN ('cpu', 'io')),
    depends_on   TEXT    NOT NULL DEFAULT '[]',
    state        TEXT    NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    priority     INTEGER NOT NULL DEFAULT 0,
    inputs       TEXT,
    outputs      TEXT,
    error        TEXT,
    progress     REAL,
    not_before   INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    started_at   INTEGER,
    finished_at  INTEGER,
    UNIQUE (dag_id, step_id)
);
CREATE INDEX step_executions_queue ON step_executions(state, pool, priority, created_at);

CREATE TABLE job_logs (
    id      INTEGER PRIMARY KEY,
    step_id INTEGER NOT NULL REFERENCES step_executions(id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    at      INTEGER NOT NULL,
    stream  TEXT    NOT NULL,
    line    TEXT    NOT NULL
);
CREATE INDEX job_logs_by_step ON job_logs(step_id, id);
