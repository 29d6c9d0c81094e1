//! Job queue operations beside the step lifecycle: cancel and retry a DAG,
//! step state and progress, log lines, session DAGs waiting for their files.

use rusqlite::{Connection, OptionalExtension, params};

use super::jobs::{json, settle};
use super::{DbError, now_ms};
use crate::events::PipelineFinished;

/// Cancels a DAG: its pending steps become `cancelled` at once; running
/// ones are returned so the runner stops their processes. False when the
/// DAG does not exist.
pub fn cancel(conn: &mut Connection, dag: i64) -> Result<Option<Vec<i64>>, DbError> {
    let tx = conn.transaction()?;
    let now = now_ms();
    let exists: Option<String> = tx
        .query_row(
            "SELECT state FROM dag_executions WHERE id = ?1",
            [dag],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_none() {
        return Ok(None);
    }
    let running: Vec<i64> = {
        let mut stmt =
            tx.prepare("SELECT id FROM step_executions WHERE dag_id = ?1 AND state = 'running'")?;
        stmt.query_map([dag], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    tx.execute(
        "UPDATE step_executions SET state = 'cancelled', finished_at = ?2,
             error = COALESCE(error, 'cancelled')
         WHERE dag_id = ?1 AND state IN ('pending', 'running')",
        params![dag, now],
    )?;
    tx.execute(
        "UPDATE dag_executions SET state = 'cancelled', updated_at = ?2, finished_at = ?2
         WHERE id = ?1 AND state IN ('waiting', 'running')",
        params![dag, now],
    )?;
    tx.commit()?;
    Ok(Some(running))
}

/// Runs a settled DAG again from its failed and cancelled steps (succeeded
/// steps keep their outputs). False when there is no such DAG; a DAG still
/// running is left alone.
pub fn retry(conn: &mut Connection, dag: i64) -> Result<Option<bool>, DbError> {
    let tx = conn.transaction()?;
    let state: Option<String> = tx
        .query_row(
            "SELECT state FROM dag_executions WHERE id = ?1",
            [dag],
            |r| r.get(0),
        )
        .optional()?;
    let Some(state) = state else {
        return Ok(None);
    };
    if !matches!(state.as_str(), "failed" | "cancelled") {
        return Ok(Some(false));
    }
    tx.execute(
        "UPDATE step_executions SET state = 'pending', attempts = 0, error = NULL,
             not_before = 0, finished_at = NULL, started_at = NULL, progress = NULL
         WHERE dag_id = ?1 AND state IN ('failed', 'cancelled')",
        [dag],
    )?;
    let inputs: String = tx.query_row(
        "SELECT inputs FROM dag_executions WHERE id = ?1",
        [dag],
        |r| r.get(0),
    )?;
    // A session DAG cancelled while waiting for its files waits again.
    let next = if inputs == "[]" && state == "cancelled" {
        "waiting"
    } else {
        "running"
    };
    tx.execute(
        "UPDATE dag_executions SET state = ?2, error = NULL, finished_at = NULL, updated_at = ?3
         WHERE id = ?1",
        params![dag, next, now_ms()],
    )?;
    tx.commit()?;
    Ok(Some(true))
}

/// The state of one step (the runner polls it to notice a cancel made
/// straight in the database).
pub fn step_state(conn: &Connection, step: i64) -> Result<Option<String>, DbError> {
    Ok(conn
        .query_row(
            "SELECT state FROM step_executions WHERE id = ?1",
            [step],
            |r| r.get(0),
        )
        .optional()?)
}

/// Stores a running step's progress (0.0 … 1.0).
pub fn set_progress(conn: &Connection, step: i64, progress: f64) -> Result<(), DbError> {
    conn.execute(
        "UPDATE step_executions SET progress = ?2 WHERE id = ?1 AND state = 'running'",
        params![step, progress],
    )?;
    Ok(())
}

/// Appends lines to a step's log.
pub fn append_log(
    conn: &mut Connection,
    step: i64,
    attempt: u32,
    lines: &[(&str, String)],
) -> Result<(), DbError> {
    let tx = conn.transaction()?;
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO job_logs (step_id, attempt, at, stream, line) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let now = now_ms();
        for (stream, line) in lines {
            stmt.execute(params![step, attempt, now, stream, line])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Session DAGs waiting for their files: `(dag id, session id)`.
pub fn waiting(conn: &Connection) -> Result<Vec<(i64, i64)>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT id, session_id FROM dag_executions WHERE state = 'waiting' AND session_id IS NOT NULL",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Starts a waiting DAG with its inputs.
pub fn activate(conn: &Connection, dag: i64, inputs: &[String]) -> Result<(), DbError> {
    conn.execute(
        "UPDATE dag_executions SET state = 'running', inputs = ?2, updated_at = ?3
         WHERE id = ?1 AND state = 'waiting'",
        params![dag, json(&inputs)?, now_ms()],
    )?;
    Ok(())
}

/// Settles running DAGs with nothing left to do (a crash between a step's
/// end and its DAG's update cannot happen, but a DAG with no steps can).
pub fn settle_idle(conn: &mut Connection) -> Result<Vec<PipelineFinished>, DbError> {
    let tx = conn.transaction()?;
    let ids: Vec<i64> = {
        let mut stmt = tx.prepare("SELECT id FROM dag_executions WHERE state = 'running'")?;
        stmt.query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    let mut out = Vec::new();
    for id in ids {
        out.extend(settle(&tx, id)?);
    }
    tx.commit()?;
    Ok(out)
}
