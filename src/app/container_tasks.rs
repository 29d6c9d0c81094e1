//! The container's long-running background tasks besides the core
//! services: chat capture, the pipeline's start, and following
//! `[download]`/`[engines]` changes on config reloads.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::ServiceContainer;
use crate::config::ConfigService;
use crate::db::Db;
use crate::download::{DownloadManager, EngineFactory};

impl ServiceContainer {
    /// Chat capture: follows the outbox (sessions) and the download
    /// events (segments). Its failures are logged and never reach recording.
    pub(super) fn spawn_danmu(&self) {
        let downloads = self.download_events.subscribe();
        let service = Arc::new(crate::danmu::service::DanmuService {
            db: self.db.clone(),
            config: Arc::clone(&self.config),
            streamers: Arc::clone(&self.streamers),
            scheduler: Arc::clone(&self.scheduler),
            outbox_wake: Arc::clone(&self.outbox_wake),
            platforms: crate::platform::PlatformRegistry::default(),
            stats: Arc::clone(&self.danmu_stats),
            runner: Default::default(),
        });
        let follower = crate::monitor::follow::Follower::open(
            self.db.clone(),
            crate::danmu::service::CONSUMER,
            // From the beginning: a session opened before the cursor exists
            // is still seen (rows of closed sessions are skipped).
            crate::monitor::follow::Start::Beginning,
            self.outbox_feed.subscribe(),
        );
        let cancel = self.cancel.clone();
        self.tracker.spawn(async move {
            match follower.await {
                Ok(f) => service.run(f, downloads, cancel).await,
                Err(e) => {
                    tracing::warn!("chat capture disabled: cannot open its outbox cursor: {e}")
                }
            }
        });
    }
}

/// Opens the pipeline's outbox cursor (first run: only rows from now on,
/// so attaching a pipeline never replays old recordings) and starts it.
pub(super) async fn start_pipeline(
    pipeline: Arc<crate::pipeline::PipelineManager>,
    db: Db,
    feed: tokio::sync::watch::Receiver<i64>,
    tracker: TaskTracker,
    cancel: CancellationToken,
) {
    use crate::monitor::follow::{Follower, Start};
    let started = match Follower::open(db, "pipeline", Start::Now, feed).await {
        Ok(f) => pipeline.start(f, &tracker, cancel).await,
        Err(e) => Err(e),
    };
    if let Err(e) = started {
        tracing::error!("the post-processing pipeline cannot start: {e}");
    }
}

/// Applies `[download]` changes and rebuilds the engines from `[engines]`
/// on config reloads (running downloads keep the engine they started with).
pub(super) async fn follow_download_settings(
    config: Arc<ConfigService>,
    downloads: Arc<DownloadManager>,
    engines: EngineFactory,
    cancel: CancellationToken,
) {
    let mut rx = config.subscribe();
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            changed = rx.changed() => if changed.is_err() { return },
        }
        let file = rx.borrow().clone();
        downloads.apply_settings(&file.download);
        downloads.set_engines(engines.build(&file.engines), file.engines.clone());
    }
}
