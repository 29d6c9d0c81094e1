//! Repository for the pipeline job queue: `dag_executions` and
//! `step_executions` state transitions (create, claim, succeed, fail with
//! downstream-only cancellation, settle with an outbox event, crash
//! recovery); cancel, retry and bookkeeping are in `jobs_ops` (re-exported
//! here). Reads for the CLI and API are in `jobs_query`.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{DbError, now_ms};
use crate::events::PipelineFinished;

pub use super::jobs_ops::{
    activate, append_log, cancel, retry, set_progress, settle_idle, step_state, waiting,
};

/// A DAG to insert with its steps.
#[derive(Debug, Clone)]
pub struct NewDag {
    pub pipeline: String,
    pub trigger: String,
    /// One run per trigger event (`segment:<session>:<index>:<pipeline>`).
    pub dedupe_key: String,
    /// The pipeline definition as JSON, frozen for this run.
    pub definition: String,
    /// The facts processors use (streamer, title, output folder) as JSON.
    pub context: String,
    /// Input files of the root steps (JSON array); empty while `waiting`.
    pub inputs: Vec<String>,
    pub streamer_id: Option<i64>,
    pub session_id: Option<i64>,
    pub seg_index: Option<i64>,
    /// `running`, or `waiting` (a session DAG whose files are not all closed).
    pub state: &'static str,
    pub priority: i64,
    pub steps: Vec<NewStep>,
}

/// One step of a [`NewDag`].
#[derive(Debug, Clone)]
pub struct NewStep {
    pub step_id: String,
    pub processor: String,
    pub pool: String,
    pub depends_on: Vec<String>,
    pub max_attempts: u32,
}

/// A step taken off the queue to run.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub dag_id: i64,
    pub step_id: String,
    pub attempt: u32,
    pub max_attempts: u32,
    pub inputs: Vec<String>,
    pub definition: String,
    pub context: String,
}

pub(super) fn json<T: serde::Serialize>(v: &T) -> Result<String, DbError> {
    serde_json::to_string(v).map_err(|e| DbError::Corrupt(e.to_string()))
}

fn parse_list(s: Option<String>) -> Result<Vec<String>, DbError> {
    match s {
        None => Ok(Vec::new()),
        Some(s) => serde_json::from_str(&s).map_err(|e| DbError::Corrupt(e.to_string())),
    }
}

/// Inserts a DAG and its steps; `None` when its dedupe key already exists
/// (the trigger event was delivered again).
pub fn create(conn: &mut Connection, d: &NewDag) -> Result<Option<i64>, DbError> {
    let tx = conn.transaction()?;
    let now = now_ms();
    let n = tx.execute(
        "INSERT INTO dag_executions (pipeline, trigger, dedupe_key, definition, context, inputs,
             streamer_id, session_id, seg_index, state, priority, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)
         ON CONFLICT(dedupe_key) DO NOTHING",
        params![
            d.pipeline,
            d.trigger,
            d.dedupe_key,
            d.definition,
            d.context,
            json(&d.inputs)?,
            d.streamer_id,
            d.session_id,
            d.seg_index,
            d.state,
            d.priority,
            now
        ],
    )?;
    if n == 0 {
        return Ok(None);
    }
    let dag = tx.last_insert_rowid();
    for s in &d.steps {
        tx.execute(
            "INSERT INTO step_executions (dag_id, step_id, processor, pool, depends_on,
                 max_attempts, priority, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                dag,
                s.step_id,
                s.processor,
                s.pool,
                json(&s.depends_on)?,
                s.max_attempts,
                d.priority,
                now
            ],
        )?;
    }
    tx.commit()?;
    Ok(Some(dag))
}

/// After a crash: steps left `running` run again.
pub fn recover(conn: &Connection) -> Result<usize, DbError> {
    Ok(conn.execute(
        "UPDATE step_executions SET state = 'pending', started_at = NULL WHERE state = 'running'",
        [],
    )?)
}

/// Takes the next ready step of `pool` (all dependencies succeeded, not
/// backing off): highest priority first, then oldest. Its inputs are the
/// DAG's inputs for a root step, else the deduplicated outputs of its
/// direct dependencies in `depends_on` order.
pub fn claim(conn: &mut Connection, pool: &str) -> Result<Option<Claimed>, DbError> {
    let tx = conn.transaction()?;
    let now = now_ms();
    let row = tx
        .query_row(
            "SELECT s.id, s.dag_id, s.step_id, s.attempts, s.max_attempts, s.depends_on,
                    d.inputs, d.definition, d.context
             FROM step_executions s JOIN dag_executions d ON d.id = s.dag_id
             WHERE s.state = 'pending' AND s.pool = ?1 AND d.state = 'running'
               AND s.not_before <= ?2
               AND NOT EXISTS (
                   SELECT 1 FROM step_executions p, json_each(s.depends_on) j
                   WHERE p.dag_id = s.dag_id AND p.step_id = j.value AND p.state != 'succeeded')
             ORDER BY s.priority DESC, s.created_at, s.id LIMIT 1",
            params![pool, now],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, u32>(3)?,
                    r.get::<_, u32>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                ))
            },
        )
        .optional()?;
    let Some((id, dag_id, step_id, attempts, max_attempts, deps, dag_inputs, definition, context)) =
        row
    else {
        return Ok(None);
    };
    let deps = parse_list(Some(deps))?;
    let inputs = if deps.is_empty() {
        parse_list(Some(dag_inputs))?
    } else {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for d in &deps {
            let outs: Option<String> = tx.query_row(
                "SELECT outputs FROM step_executions WHERE dag_id = ?1 AND step_id = ?2",
                params![dag_id, d],
                |r| r.get(0),
            )?;
            for o in parse_list(outs)? {
                if seen.insert(o.clone()) {
                    out.push(o);
                }
            }
        }
        out
    };
    tx.execute(
        "UPDATE step_executions SET state = 'running', attempts = attempts + 1, started_at = ?2,
             finished_at = NULL, inputs = ?3, progress = NULL WHERE id = ?1",
        params![id, now, json(&inputs)?],
    )?;
    tx.commit()?;
    Ok(Some(Claimed {
        id,
        dag_id,
        step_id,
        attempt: attempts + 1,
        max_attempts,
        inputs,
        definition,
        context,
    }))
}

/// Records a successful run; returns the settled DAG's event, if it settled.
pub fn succeed(
    conn: &mut Connection,
    step: i64,
    outputs: &[String],
) -> Result<Option<PipelineFinished>, DbError> {
    let tx = conn.transaction()?;
    let n = tx.execute(
        "UPDATE step_executions SET state = 'succeeded', outputs = ?2, error = NULL,
             finished_at = ?3, progress = 1.0 WHERE id = ?1 AND state = 'running'",
        params![step, json(&outputs)?, now_ms()],
    )?;
    let done = if n > 0 {
        settle_step_dag(&tx, step)?
    } else {
        None
    };
    tx.commit()?;
    Ok(done)
}

/// Records a failed run: back to `pending` after `retry_at` (unix ms) when
/// given, else `failed` with every step downstream of it cancelled
/// (independent branches go on).
pub fn fail(
    conn: &mut Connection,
    step: i64,
    error: &str,
    retry_at: Option<i64>,
) -> Result<Option<PipelineFinished>, DbError> {
    let tx = conn.transaction()?;
    let now = now_ms();
    let done = if let Some(at) = retry_at {
        tx.execute(
            "UPDATE step_executions SET state = 'pending', error = ?2, not_before = ?3,
                 finished_at = ?4 WHERE id = ?1 AND state = 'running'",
            params![step, error, at, now],
        )?;
        None
    } else {
        let n = tx.execute(
            "UPDATE step_executions SET state = 'failed', error = ?2, finished_at = ?3
             WHERE id = ?1 AND state = 'running'",
            params![step, error, now],
        )?;
        if n > 0 {
            cancel_downstream(&tx, step)?;
            settle_step_dag(&tx, step)?
        } else {
            None
        }
    };
    tx.commit()?;
    Ok(done)
}

/// A step that stopped because its DAG was cancelled.
pub fn mark_cancelled(conn: &Connection, step: i64) -> Result<(), DbError> {
    conn.execute(
        "UPDATE step_executions SET state = 'cancelled', finished_at = ?2
         WHERE id = ?1 AND state IN ('running', 'pending')",
        params![step, now_ms()],
    )?;
    Ok(())
}

/// Cancels the pending steps that depend, directly or not, on `step`.
fn cancel_downstream(tx: &Transaction<'_>, step: i64) -> Result<(), DbError> {
    let (dag, failed): (i64, String) = tx.query_row(
        "SELECT dag_id, step_id FROM step_executions WHERE id = ?1",
        [step],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut stmt =
        tx.prepare("SELECT id, step_id, depends_on FROM step_executions WHERE dag_id = ?1")?;
    let rows: Vec<(i64, String, String)> = stmt
        .query_map([dag], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut deps: BTreeMap<String, (i64, Vec<String>)> = BTreeMap::new();
    for (id, sid, d) in rows {
        deps.insert(sid, (id, parse_list(Some(d))?));
    }
    let mut doomed = BTreeSet::from([failed]);
    loop {
        let more: Vec<String> = deps
            .iter()
            .filter(|(sid, (_, d))| !doomed.contains(*sid) && d.iter().any(|x| doomed.contains(x)))
            .map(|(sid, _)| sid.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        doomed.extend(more);
    }
    let now = now_ms();
    for sid in &doomed {
        if let Some((id, _)) = deps.get(sid) {
            tx.execute(
                "UPDATE step_executions SET state = 'cancelled', finished_at = ?2,
                     error = 'an upstream step failed'
                 WHERE id = ?1 AND state = 'pending'",
                params![id, now],
            )?;
        }
    }
    Ok(())
}

fn settle_step_dag(tx: &Transaction<'_>, step: i64) -> Result<Option<PipelineFinished>, DbError> {
    let dag: i64 = tx.query_row(
        "SELECT dag_id FROM step_executions WHERE id = ?1",
        [step],
        |r| r.get(0),
    )?;
    settle(tx, dag)
}

/// When no step of a running DAG is pending or running, the DAG becomes
/// `succeeded` (all steps did) or `failed`, and its event goes to the
/// outbox in the same transaction.
pub fn settle(tx: &Connection, dag: i64) -> Result<Option<PipelineFinished>, DbError> {
    let (open, bad): (i64, i64) = tx.query_row(
        "SELECT count(*) FILTER (WHERE state IN ('pending', 'running')),
                count(*) FILTER (WHERE state != 'succeeded')
         FROM step_executions WHERE dag_id = ?1",
        [dag],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if open > 0 {
        return Ok(None);
    }
    let state = if bad == 0 { "succeeded" } else { "failed" };
    let error: Option<String> = tx
        .query_row(
            "SELECT step_id || ': ' || COALESCE(error, 'failed') FROM step_executions
             WHERE dag_id = ?1 AND state = 'failed' ORDER BY finished_at LIMIT 1",
            [dag],
            |r| r.get(0),
        )
        .optional()?;
    let n = tx.execute(
        "UPDATE dag_executions SET state = ?2, error = ?3, updated_at = ?4, finished_at = ?4
         WHERE id = ?1 AND state = 'running'",
        params![dag, state, error, now_ms()],
    )?;
    if n == 0 {
        return Ok(None);
    }
    let (pipeline, streamer_id, session_id): (String, Option<i64>, Option<i64>) = tx.query_row(
        "SELECT pipeline, streamer_id, session_id FROM dag_executions WHERE id = ?1",
        [dag],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let outputs = leaf_outputs(tx, dag)?;
    let ev = PipelineFinished {
        dag_id: dag,
        pipeline,
        streamer_id,
        session_id,
        outputs: outputs.into_iter().map(Into::into).collect(),
        error,
    };
    let kind = if state == "succeeded" {
        PipelineFinished::COMPLETED
    } else {
        PipelineFinished::FAILED
    };
    super::outbox::insert(tx, streamer_id, kind, &json(&ev)?)?;
    Ok(Some(ev))
}

/// Outputs of the steps nothing depends on.
fn leaf_outputs(tx: &Connection, dag: i64) -> Result<Vec<String>, DbError> {
    let mut stmt = tx.prepare(
        "SELECT s.outputs FROM step_executions s WHERE s.dag_id = ?1 AND NOT EXISTS (
             SELECT 1 FROM step_executions o, json_each(o.depends_on) j
             WHERE o.dag_id = s.dag_id AND j.value = s.step_id) ORDER BY s.id",
    )?;
    let rows: Vec<Option<String>> = stmt
        .query_map([dag], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for r in rows {
        out.extend(parse_list(r)?);
    }
    Ok(out)
}
