//! PipelineManager: post-processing DAGs defined in `[pipelines]`, created
//! from durable outbox events (segment finalised, video + chat paired,
//! session closed), stored in SQLite (`db::jobs`) and run by a CPU and an
//! IO worker pool. A restart re-queues steps that were running; processors
//! write temporary names and rename, so a re-run leaves no half files.

pub mod context;
pub mod log;
pub mod proc;
pub mod processors;
mod runner;
pub mod throttle;
mod trigger;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::ConfigService;
use crate::config::pipeline::Pool;
use crate::db::{Db, DbError};
use crate::monitor::follow::Follower;
use crate::streamer::StreamerManager;

/// Why a step run ended without outputs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    /// Worth another attempt (a tool failed, a timeout, an IO error).
    #[error("{0}")]
    Retry(String),
    /// Another attempt would fail the same way (bad input, missing tool).
    #[error("{0}")]
    Fatal(String),
    /// The DAG was cancelled or srec is shutting down.
    #[error("cancelled")]
    Cancelled,
}

/// A step being run by a worker.
struct Running {
    pool: Pool,
    dag: i64,
    token: CancellationToken,
}

/// Owns the trigger consumer and the worker pools.
pub struct PipelineManager {
    db: Db,
    config: Arc<ConfigService>,
    streamers: Arc<StreamerManager>,
    /// Whose new-recording limit the throttle lowers.
    downloads: Arc<crate::download::DownloadManager>,
    /// The download manager's limit adjuster while the queue is backed up.
    pub throttle: Arc<throttle::Throttle>,
    /// Rung when a step ends or a DAG is created, retried or cancelled.
    wake: Notify,
    /// Rung after an outbox row was written (the flusher publishes it).
    outbox_wake: Arc<Notify>,
    running: Mutex<HashMap<i64, Running>>,
}

impl PipelineManager {
    pub fn new(
        db: Db,
        config: Arc<ConfigService>,
        streamers: Arc<StreamerManager>,
        downloads: Arc<crate::download::DownloadManager>,
        outbox_wake: Arc<Notify>,
    ) -> Arc<Self> {
        Arc::new(Self {
            db,
            config,
            streamers,
            downloads,
            throttle: Arc::new(throttle::Throttle::default()),
            wake: Notify::new(),
            outbox_wake,
            running: Mutex::new(HashMap::new()),
        })
    }

    /// Re-queues steps a crash left running, then spawns the trigger
    /// consumer and the scheduler.
    pub async fn start(
        self: &Arc<Self>,
        follower: Follower,
        tracker: &TaskTracker,
        cancel: CancellationToken,
    ) -> Result<(), DbError> {
        let requeued = self.db.call(|c| crate::db::jobs::recover(c)).await?;
        if requeued > 0 {
            tracing::warn!(
                steps = requeued,
                "pipeline steps interrupted by a crash run again"
            );
        }
        // Defensive: a running DAG with no step left to run settles now.
        let settled = self.db.call(crate::db::jobs::settle_idle).await?;
        if !settled.is_empty() {
            self.outbox_wake.notify_one();
        }
        self.downloads.set_adjuster(
            Arc::clone(&self.throttle) as Arc<dyn crate::download::limits::LimitAdjuster>
        );
        tracker.spawn(trigger::run(Arc::clone(self), follower, cancel.clone()));
        tracker.spawn(runner::run(Arc::clone(self), tracker.clone(), cancel));
        Ok(())
    }

    /// Cancels a DAG: pending steps at once, running processes get SIGTERM
    /// (then a kill). `false` when there is no such DAG.
    pub async fn cancel(&self, dag: i64) -> Result<bool, DbError> {
        let running = self
            .db
            .call(move |c| crate::db::jobs::cancel(c, dag))
            .await?;
        let Some(_) = running else { return Ok(false) };
        self.stop_dag(dag);
        self.wake.notify_one();
        Ok(true)
    }

    /// Runs a failed or cancelled DAG again from the steps that did not
    /// succeed. `None` when there is no such DAG, `Some(false)` when it is
    /// not settled.
    pub async fn retry(&self, dag: i64) -> Result<Option<bool>, DbError> {
        let r = self
            .db
            .call(move |c| crate::db::jobs::retry(c, dag))
            .await?;
        self.wake.notify_one();
        Ok(r)
    }

    fn stop_dag(&self, dag: i64) {
        let running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        for r in running.values().filter(|r| r.dag == dag) {
            r.token.cancel();
        }
    }
}
