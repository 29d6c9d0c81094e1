//! The scheduler: starts waiting session DAGs once their files are closed,
//! fills the CPU and IO pools (limits read from the config each round, so
//! they are hot reloadable) with ready steps, highest priority then oldest
//! first, and runs each step on a worker with retries and backoff.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::context::JobContext;
use super::log::JobLog;
use super::processors::{self, StepIo};
use super::{PipelineManager, Running, StepError};
use crate::config::pipeline::{PipelineDef, Pool};
use crate::db::jobs::{self, Claimed};
use crate::db::now_ms;

/// Scheduler round when nothing wakes it.
const TICK: Duration = Duration::from_millis(500);

/// Delay before attempt `attempt + 1`: 2 s doubling, at most 5 min
/// (`SREC_PIPELINE_BACKOFF_MS` sets the base, for tests).
fn backoff(attempt: u32) -> Duration {
    let base = std::env::var("SREC_PIPELINE_BACKOFF_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(2000);
    let ms = base.saturating_mul(1u64 << attempt.saturating_sub(1).min(16));
    Duration::from_millis(ms.min(300_000))
}

pub async fn run(mgr: Arc<PipelineManager>, tracker: TaskTracker, shutdown: CancellationToken) {
    loop {
        if let Err(e) = round(&mgr, &tracker, &shutdown).await {
            tracing::warn!("pipeline scheduler: {e}");
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = mgr.wake.notified() => {}
            _ = tokio::time::sleep(TICK) => {}
        }
    }
}

async fn round(
    mgr: &Arc<PipelineManager>,
    tracker: &TaskTracker,
    shutdown: &CancellationToken,
) -> Result<(), crate::db::DbError> {
    activate_waiting(mgr).await?;
    notice_cancels(mgr).await?;
    super::throttle::check(mgr).await?;
    let settings = mgr.config.current().pipeline.clone();
    for (pool, limit) in [
        (Pool::Cpu, settings.cpu_limit()),
        (Pool::Io, settings.io_limit()),
    ] {
        loop {
            let busy = {
                let r = mgr.running.lock().unwrap_or_else(|p| p.into_inner());
                r.values().filter(|x| x.pool == pool).count()
            };
            if busy >= limit {
                break;
            }
            let name = pool.as_str();
            let Some(step) = mgr.db.call(move |c| jobs::claim(c, name)).await? else {
                break;
            };
            let token = shutdown.child_token();
            mgr.running
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(
                    step.id,
                    Running {
                        pool,
                        dag: step.dag_id,
                        token: token.clone(),
                    },
                );
            tracker.spawn(work(Arc::clone(mgr), step, token, shutdown.clone()));
        }
    }
    Ok(())
}

/// Session DAGs start once the session and all its files are closed.
async fn activate_waiting(mgr: &PipelineManager) -> Result<(), crate::db::DbError> {
    mgr.db
        .call(|c| {
            for (dag, session) in jobs::waiting(c)? {
                if let Some(files) = super::trigger::session_files(c, session)? {
                    jobs::activate(c, dag, &files)?;
                }
            }
            Ok(())
        })
        .await
}

/// Steps cancelled in the database (by `srec jobs cancel` without a
/// daemon API) have their processes stopped here.
async fn notice_cancels(mgr: &PipelineManager) -> Result<(), crate::db::DbError> {
    let ids: Vec<i64> = {
        let r = mgr.running.lock().unwrap_or_else(|p| p.into_inner());
        r.keys().copied().collect()
    };
    if ids.is_empty() {
        return Ok(());
    }
    let states = mgr
        .db
        .call(move |c| {
            ids.into_iter()
                .map(|id| Ok((id, jobs::step_state(c, id)?)))
                .collect::<Result<Vec<_>, crate::db::DbError>>()
        })
        .await?;
    let r = mgr.running.lock().unwrap_or_else(|p| p.into_inner());
    for (id, state) in states {
        if state.as_deref() != Some("running")
            && let Some(x) = r.get(&id)
        {
            x.token.cancel();
        }
    }
    Ok(())
}

async fn work(
    mgr: Arc<PipelineManager>,
    step: Claimed,
    token: CancellationToken,
    shutdown: CancellationToken,
) {
    let id = step.id;
    let result = execute(&mgr, &step, &token).await;
    let db = mgr.db.clone();
    let outcome = match result {
        Ok(outputs) => {
            let outs: Vec<String> = outputs.iter().map(|p| p.display().to_string()).collect();
            db.call(move |c| jobs::succeed(c, id, &outs)).await
        }
        Err(StepError::Cancelled) if shutdown.is_cancelled() => {
            // Left `running`: the next start runs it again.
            Ok(None)
        }
        Err(StepError::Cancelled) => {
            db.call(move |c| jobs::mark_cancelled(c, id).map(|_| None))
                .await
        }
        Err(e) => {
            let retry = matches!(e, StepError::Retry(_)) && step.attempt < step.max_attempts;
            let at = retry.then(|| now_ms() + backoff(step.attempt).as_millis() as i64);
            let msg = e.to_string();
            tracing::warn!(dag = step.dag_id, step = %step.step_id, attempt = step.attempt, retry, "pipeline step failed: {msg}");
            JobLog::new(db.clone(), id, step.attempt)
                .note(format!("failed: {msg}"))
                .await;
            db.call(move |c| jobs::fail(c, id, &msg, at)).await
        }
    };
    match outcome {
        Ok(Some(done)) => {
            tracing::info!(dag = done.dag_id, pipeline = %done.pipeline, error = ?done.error, "pipeline job finished");
            mgr.outbox_wake.notify_one();
        }
        Ok(None) => {}
        Err(e) => tracing::error!(step = id, "cannot store a pipeline step's result: {e}"),
    }
    mgr.running
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&id);
    mgr.wake.notify_one();
}

async fn execute(
    mgr: &PipelineManager,
    step: &Claimed,
    token: &CancellationToken,
) -> Result<Vec<std::path::PathBuf>, StepError> {
    let corrupt = |e: serde_json::Error| StepError::Fatal(format!("stored job is corrupt: {e}"));
    let def: PipelineDef = serde_json::from_str(&step.definition).map_err(corrupt)?;
    let ctx: JobContext = serde_json::from_str(&step.context).map_err(corrupt)?;
    let Some(sdef) = def.steps.iter().find(|s| s.id == step.step_id) else {
        return Err(StepError::Fatal(format!(
            "step `{}` is not in the pipeline",
            step.step_id
        )));
    };
    let log = JobLog::new(mgr.db.clone(), step.id, step.attempt);
    log.note(format!(
        "attempt {}/{} of {} ({})",
        step.attempt,
        step.max_attempts,
        step.step_id,
        sdef.processor.name()
    ))
    .await;
    let last = AtomicI64::new(0);
    let db = mgr.db.clone();
    let sid = step.id;
    let progress = move |p: f64| {
        let now = now_ms();
        if now - last.load(Ordering::Relaxed) < 1000 && p < 1.0 {
            return;
        }
        last.store(now, Ordering::Relaxed);
        let db = db.clone();
        tokio::spawn(async move {
            let _ = db.call(move |c| jobs::set_progress(c, sid, p)).await;
        });
    };
    let io = StepIo {
        ctx: &ctx,
        inputs: step.inputs.iter().map(Into::into).collect(),
        cancel: token,
        log: &log,
        progress: &progress,
    };
    let res = processors::run(&sdef.processor, io).await;
    log.flush().await;
    res
}
