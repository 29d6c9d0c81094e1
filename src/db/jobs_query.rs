//! Reads of the pipeline job tables for `srec jobs` and `/api/jobs`:
//! DAG summaries, one DAG with its steps, and step log lines.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::DbError;

/// One DAG run in a listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobSummary {
    pub id: i64,
    pub pipeline: String,
    /// `segment`, `paired` or `session`.
    pub trigger: String,
    /// `waiting`, `running`, `succeeded`, `failed` or `cancelled`.
    pub state: String,
    pub streamer_id: Option<i64>,
    pub streamer: Option<String>,
    pub session_id: Option<i64>,
    pub seg_index: Option<i64>,
    pub steps_total: i64,
    pub steps_done: i64,
    pub error: Option<String>,
    /// Unix milliseconds.
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

/// One step run of a DAG.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StepRow {
    pub id: i64,
    pub step_id: String,
    pub processor: String,
    /// `cpu` or `io`.
    pub pool: String,
    pub depends_on: Vec<String>,
    /// `pending`, `running`, `succeeded`, `failed` or `cancelled`.
    pub state: String,
    pub attempts: u32,
    pub max_attempts: u32,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub error: Option<String>,
    pub progress: Option<f64>,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

/// A DAG with its steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobDetail {
    #[serde(flatten)]
    pub job: JobSummary,
    pub inputs: Vec<String>,
    pub steps: Vec<StepRow>,
}

/// One captured output line of a step run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LogLine {
    pub id: i64,
    pub step: String,
    pub attempt: u32,
    pub at: i64,
    /// `stdout`, `stderr` or `srec`.
    pub stream: String,
    pub line: String,
}

/// Which DAGs to list.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub state: Option<String>,
    pub streamer_id: Option<i64>,
    pub limit: usize,
}

const SUMMARY: &str = "SELECT d.id, d.pipeline, d.trigger, d.state, d.streamer_id, s.name,
        d.session_id, d.seg_index,
        (SELECT count(*) FROM step_executions x WHERE x.dag_id = d.id),
        (SELECT count(*) FROM step_executions x WHERE x.dag_id = d.id AND x.state = 'succeeded'),
        d.error, d.created_at, d.finished_at
    FROM dag_executions d LEFT JOIN streamers s ON s.id = d.streamer_id";

fn summary(r: &rusqlite::Row<'_>) -> rusqlite::Result<JobSummary> {
    Ok(JobSummary {
        id: r.get(0)?,
        pipeline: r.get(1)?,
        trigger: r.get(2)?,
        state: r.get(3)?,
        streamer_id: r.get(4)?,
        streamer: r.get(5)?,
        session_id: r.get(6)?,
        seg_index: r.get(7)?,
        steps_total: r.get(8)?,
        steps_done: r.get(9)?,
        error: r.get(10)?,
        created_at: r.get(11)?,
        finished_at: r.get(12)?,
    })
}

fn list_of(s: String) -> Vec<String> {
    serde_json::from_str(&s).unwrap_or_default()
}

/// DAGs newest first.
pub fn list(conn: &Connection, f: &JobFilter) -> Result<Vec<JobSummary>, DbError> {
    let sql = format!(
        "{SUMMARY} WHERE (?1 IS NULL OR d.state = ?1) AND (?2 IS NULL OR d.streamer_id = ?2)
         ORDER BY d.id DESC LIMIT ?3"
    );
    let mut stmt = conn.prepare(&sql)?;
    let limit = if f.limit == 0 { 100 } else { f.limit } as i64;
    let rows = stmt.query_map(params![f.state, f.streamer_id, limit], summary)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One DAG with its steps.
pub fn get(conn: &Connection, id: i64) -> Result<Option<JobDetail>, DbError> {
    let sql = format!("{SUMMARY} WHERE d.id = ?1");
    let Some(job) = conn.query_row(&sql, [id], summary).optional()? else {
        return Ok(None);
    };
    let inputs: String = conn.query_row(
        "SELECT inputs FROM dag_executions WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(
        "SELECT id, step_id, processor, pool, depends_on, state, attempts, max_attempts,
                inputs, outputs, error, progress, started_at, finished_at
         FROM step_executions WHERE dag_id = ?1 ORDER BY id",
    )?;
    let steps = stmt
        .query_map([id], |r| {
            Ok(StepRow {
                id: r.get(0)?,
                step_id: r.get(1)?,
                processor: r.get(2)?,
                pool: r.get(3)?,
                depends_on: list_of(r.get(4)?),
                state: r.get(5)?,
                attempts: r.get(6)?,
                max_attempts: r.get(7)?,
                inputs: list_of(r.get::<_, Option<String>>(8)?.unwrap_or_default()),
                outputs: list_of(r.get::<_, Option<String>>(9)?.unwrap_or_default()),
                error: r.get(10)?,
                progress: r.get(11)?,
                started_at: r.get(12)?,
                finished_at: r.get(13)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Some(JobDetail {
        job,
        inputs: list_of(inputs),
        steps,
    }))
}

/// Log lines of a DAG's steps after line id `after`, oldest first.
pub fn logs(
    conn: &Connection,
    dag: i64,
    after: i64,
    limit: usize,
) -> Result<Vec<LogLine>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT l.id, s.step_id, l.attempt, l.at, l.stream, l.line
         FROM job_logs l JOIN step_executions s ON s.id = l.step_id
         WHERE s.dag_id = ?1 AND l.id > ?2 ORDER BY l.id LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![dag, after, limit as i64], |r| {
        Ok(LogLine {
            id: r.get(0)?,
            step: r.get(1)?,
            attempt: r.get(2)?,
            at: r.get(3)?,
            stream: r.get(4)?,
            line: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One active or failed run for the dashboard.
#[derive(Debug, Clone, PartialEq)]
pub struct PaneRow {
    pub id: i64,
    /// `running`, `queued` or `failed`.
    pub state: String,
    /// The processor of the step that matters now (running, else failed,
    /// else next pending), or the pipeline's name.
    pub processor: String,
    /// File name of the first input.
    pub target: String,
    /// Progress of the running step (0.0 … 1.0) when it reports one.
    pub progress: Option<f64>,
    /// Steps succeeded and steps in all.
    pub steps_done: u32,
    pub steps_total: u32,
}

/// Running and queued runs (running first), then the latest failed ones.
pub fn pane(conn: &Connection, limit: usize) -> Result<Vec<PaneRow>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT d.id,
            CASE WHEN d.state = 'failed' THEN 'failed'
                 WHEN EXISTS (SELECT 1 FROM step_executions x WHERE x.dag_id = d.id AND x.state = 'running')
                 THEN 'running' ELSE 'queued' END AS st,
            COALESCE((SELECT x.processor FROM step_executions x WHERE x.dag_id = d.id
                      AND x.state IN ('running', 'pending', 'failed')
                      ORDER BY x.state = 'running' DESC, x.state = 'failed' DESC, x.id LIMIT 1), d.pipeline),
            d.inputs,
            (SELECT max(x.progress) FROM step_executions x WHERE x.dag_id = d.id AND x.state = 'running'),
            (SELECT count(*) FROM step_executions x WHERE x.dag_id = d.id AND x.state = 'succeeded'),
            (SELECT count(*) FROM step_executions x WHERE x.dag_id = d.id)
         FROM dag_executions d
         WHERE d.state IN ('waiting', 'running') OR (d.state = 'failed' AND d.id IN
             (SELECT id FROM dag_executions WHERE state = 'failed' ORDER BY id DESC LIMIT 10))
         ORDER BY st = 'running' DESC, st = 'queued' DESC, d.id LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit as i64], |r| {
        let inputs: String = r.get(3)?;
        let target = list_of(inputs)
            .into_iter()
            .next()
            .map(|p| {
                std::path::Path::new(&p)
                    .file_name()
                    .map_or(p.clone(), |n| n.to_string_lossy().into_owned())
            })
            .unwrap_or_default();
        Ok(PaneRow {
            id: r.get(0)?,
            state: r.get(1)?,
            processor: r.get(2)?,
            target,
            progress: r.get(4)?,
            steps_done: r.get(5)?,
            steps_total: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Queued steps of running DAGs and how long the oldest has waited (ms).
pub fn backlog(conn: &Connection) -> Result<(u64, u64), DbError> {
    let (n, oldest): (i64, Option<i64>) = conn.query_row(
        "SELECT count(*), MIN(s.created_at) FROM step_executions s
         JOIN dag_executions d ON d.id = s.dag_id
         WHERE s.state = 'pending' AND d.state = 'running'",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let wait = oldest.map_or(0, |t| (super::now_ms() - t).max(0));
    Ok((n.max(0) as u64, wait as u64))
}
