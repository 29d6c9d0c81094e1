//! The pipeline's durable outbox consumer: turns `segment_finalised`,
//! `danmu_finalised`, `offline` and `session_closed` rows into DAG executions of the
//! pipelines attached to the streamer. A row is acknowledged only after
//! its DAGs are committed; dedupe keys make a replayed row harmless.

use std::sync::Arc;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};
use tokio_util::sync::CancellationToken;

use super::PipelineManager;
use super::context::{JobContext, TitleChange};
use crate::config::pipeline::{PipelineDef, Trigger};
use crate::db::DbError;
use crate::db::jobs::{NewDag, NewStep};
use crate::db::outbox::OutboxRow;
use crate::events::{DanmuFinalised, MonitorEventKind, SegmentFinalised, SessionClosed};
use crate::monitor::follow::Follower;

/// What a row asks for.
enum Want {
    Segment(SegmentFinalised),
    Danmu(DanmuFinalised),
    SessionClosed { session_id: i64 },
}

fn decode(row: &OutboxRow) -> Option<Want> {
    match row.kind.as_str() {
        SegmentFinalised::KIND => serde_json::from_str(&row.payload).ok().map(Want::Segment),
        DanmuFinalised::KIND => serde_json::from_str(&row.payload).ok().map(Want::Danmu),
        SessionClosed::KIND => serde_json::from_str::<SessionClosed>(&row.payload)
            .ok()
            .map(|s| Want::SessionClosed {
                session_id: s.session_id,
            }),
        "offline" => match serde_json::from_str(&row.payload).ok()? {
            MonitorEventKind::Offline { session_id, .. } => {
                Some(Want::SessionClosed { session_id })
            }
            _ => None,
        },
        _ => None,
    }
}

pub async fn run(mgr: Arc<PipelineManager>, mut follower: Follower, cancel: CancellationToken) {
    while let Some(rows) = follower.next(100, &cancel).await {
        let mut last = None;
        for row in &rows {
            if let Err(e) = handle(&mgr, row).await {
                tracing::warn!(
                    outbox_id = row.id,
                    "cannot create pipeline jobs (retrying): {e}"
                );
                break;
            }
            last = Some(row.id);
        }
        match last {
            Some(id) => {
                if let Err(e) = follower.ack(id).await {
                    tracing::warn!("cannot store the pipeline's outbox position: {e}");
                }
            }
            None => {
                tokio::select! {
                    _ = cancel.cancelled() => return,
                    _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                }
            }
        }
    }
}

async fn handle(mgr: &Arc<PipelineManager>, row: &OutboxRow) -> Result<(), DbError> {
    let Some(want) = decode(row) else {
        return Ok(());
    };
    let Some(streamer_id) = row.streamer_id.or(match &want {
        Want::Segment(s) => Some(s.streamer_id),
        Want::Danmu(d) => Some(d.streamer_id),
        Want::SessionClosed { .. } => None,
    }) else {
        return Ok(());
    };
    let Some(streamer) = mgr.streamers.get(streamer_id) else {
        return Ok(()); // removed since
    };
    let eff = mgr.config.effective(&streamer);
    if eff.pipeline.is_empty() {
        return Ok(());
    }
    let file = mgr.config.current();
    let session_id = match &want {
        Want::Segment(s) => s.session_id,
        Want::Danmu(d) => d.session_id,
        Want::SessionClosed { session_id } => *session_id,
    };
    let base = JobContext {
        streamer_id: Some(streamer.id),
        streamer: streamer.name.clone(),
        platform: streamer.platform.clone(),
        output_dir: eff.output_dir.clone(),
        ffmpeg: file.engines.ffmpeg.path.clone(),
        session_id: Some(session_id),
        ..Default::default()
    };
    let mut dags = Vec::new();
    for name in &eff.pipeline {
        let Some(def) = file.pipelines.get(name) else {
            continue;
        };
        let plan = match (&want, def.trigger) {
            (Want::Segment(s), Trigger::Segment) => Some((
                format!("segment:{}:{}:{name}", s.session_id, s.index),
                Some(s.index),
                vec![s.path.display().to_string()],
                "running",
            )),
            (Want::Segment(s), Trigger::Paired) => {
                let (sid, idx) = (s.session_id, s.index);
                let xml = mgr.db.call(move |c| danmu_path(c, sid, idx)).await?;
                xml.map(|x| {
                    (
                        format!("paired:{sid}:{idx}:{name}"),
                        Some(idx),
                        vec![s.path.display().to_string(), x],
                        "running",
                    )
                })
            }
            (Want::Danmu(d), Trigger::Paired) => {
                let (sid, idx) = (d.session_id, d.index);
                let video = mgr.db.call(move |c| segment_path(c, sid, idx)).await?;
                video.map(|v| {
                    (
                        format!("paired:{sid}:{idx}:{name}"),
                        Some(idx),
                        vec![v, d.path.display().to_string()],
                        "running",
                    )
                })
            }
            (Want::SessionClosed { session_id }, Trigger::Session) => Some((
                format!("session:{session_id}:{name}"),
                None,
                Vec::new(),
                "waiting",
            )),
            _ => None,
        };
        if let Some((key, index, inputs, state)) = plan {
            dags.push(new_dag(
                name,
                def,
                key,
                index,
                inputs,
                state,
                &base,
                streamer.id,
            )?);
        }
    }
    if dags.is_empty() {
        return Ok(());
    }
    mgr.db
        .call(move |c| {
            let (title, category, started, ended) = session_facts(c, session_id)?;
            let titles = title_history(c, session_id)?;
            for mut d in dags {
                let mut ctx: JobContext = serde_json::from_str(&d.context)
                    .map_err(|e| DbError::Corrupt(e.to_string()))?;
                ctx.title = title.clone().unwrap_or_default();
                ctx.category = category.clone();
                ctx.started_at = Some(started);
                ctx.ended_at = ended;
                ctx.titles = titles.clone();
                d.context =
                    serde_json::to_string(&ctx).map_err(|e| DbError::Corrupt(e.to_string()))?;
                if let Some(id) = crate::db::jobs::create(c, &d)? {
                    tracing::info!(dag = id, pipeline = %d.pipeline, trigger = %d.trigger, "pipeline job queued");
                }
            }
            Ok(())
        })
        .await?;
    mgr.wake.notify_one();
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn new_dag(
    name: &str,
    def: &PipelineDef,
    dedupe_key: String,
    index: Option<u32>,
    inputs: Vec<String>,
    state: &'static str,
    base: &JobContext,
    streamer_id: i64,
) -> Result<NewDag, DbError> {
    let corrupt = |e: serde_json::Error| DbError::Corrupt(e.to_string());
    let ctx = JobContext {
        index,
        ..base.clone()
    };
    Ok(NewDag {
        pipeline: name.to_string(),
        trigger: def.trigger.as_str().to_string(),
        dedupe_key,
        definition: serde_json::to_string(def).map_err(corrupt)?,
        context: serde_json::to_string(&ctx).map_err(corrupt)?,
        inputs,
        streamer_id: Some(streamer_id),
        session_id: base.session_id,
        seg_index: index.map(i64::from),
        state,
        priority: i64::from(def.priority),
        steps: def
            .steps
            .iter()
            .map(|s| NewStep {
                step_id: s.id.clone(),
                processor: s.processor.name().to_string(),
                pool: s.processor.pool().as_str().to_string(),
                depends_on: s.depends_on.clone(),
                max_attempts: def.max_attempts,
            })
            .collect(),
    })
}

/// Title, category, start and end of a session.
type SessionFacts = (Option<String>, Option<String>, i64, Option<i64>);

fn session_facts(c: &Connection, session: i64) -> Result<SessionFacts, DbError> {
    Ok(c.query_row(
        "SELECT title, category, started_at, ended_at FROM live_sessions WHERE id = ?1",
        [session],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .optional()?
    .unwrap_or((None, None, 0, None)))
}

/// The session's title changes, oldest first.
fn title_history(c: &Connection, session: i64) -> Result<Vec<TitleChange>, DbError> {
    let mut stmt = c.prepare(
        "SELECT changed_at, title, category FROM session_titles
         WHERE session_id = ?1 ORDER BY changed_at, id",
    )?;
    let rows = stmt.query_map([session], |r| {
        Ok(TitleChange {
            at: r.get(0)?,
            title: r.get(1)?,
            category: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The closed video file of a session's segment.
fn segment_path(c: &mut Connection, session: i64, index: u32) -> Result<Option<String>, DbError> {
    Ok(c.query_row(
        "SELECT path FROM session_segments WHERE session_id = ?1 AND seg_index = ?2
         AND ended_at IS NOT NULL",
        params![session, index],
        |r| r.get(0),
    )
    .optional()?)
}

/// The chat XML finalised for a session's segment, from its outbox row.
fn danmu_path(c: &mut Connection, session: i64, index: u32) -> Result<Option<String>, DbError> {
    Ok(c.query_row(
        "SELECT json_extract(payload, '$.path') FROM monitor_event_outbox
         WHERE kind = ?1 AND json_extract(payload, '$.session_id') = ?2
           AND json_extract(payload, '$.index') = ?3 ORDER BY id LIMIT 1",
        params![DanmuFinalised::KIND, session, index],
        |r| r.get(0),
    )
    .optional()?)
}

/// Video files of a closed session in index order, once none is open;
/// `None` while the session or one of its files is still open.
pub fn session_files(c: &mut Connection, session: i64) -> Result<Option<Vec<String>>, DbError> {
    let open: i64 = c.query_row(
        "SELECT (SELECT count(*) FROM live_sessions WHERE id = ?1 AND ended_at IS NULL)
              + (SELECT count(*) FROM session_segments WHERE session_id = ?1 AND ended_at IS NULL)",
        [session],
        |r| r.get(0),
    )?;
    if open > 0 {
        return Ok(None);
    }
    let mut stmt =
        c.prepare("SELECT path FROM session_segments WHERE session_id = ?1 ORDER BY seg_index")?;
    let rows = stmt.query_map([session], |r| r.get::<_, String>(0))?;
    let all: Vec<String> = rows.collect::<Result<_, _>>()?;
    Ok(Some(
        all.into_iter()
            .filter(|p| std::path::Path::new(p).exists())
            .collect(),
    ))
}
