//! ServiceContainer: builds every service in dependency order, spawns their
//! tasks on one `TaskTracker`, and shuts them down through one
//! `CancellationToken` within a bounded deadline.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, broadcast};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::lock::{DaemonLock, LockError};
use crate::config::service::WatchError;
use crate::config::{ConfigError, ConfigService, Paths};
use crate::db::sessions::Recovery;
use crate::db::{Db, DbError};
use crate::download::recorder::{Inputs, Recorder};
use crate::download::{DownloadManager, EngineFactory};
use crate::events::{ConfigUpdateEvent, DownloadEvent, MonitorEvent};
use crate::monitor::StreamMonitor;
use crate::scheduler::{ActorCtx, Scheduler};
use crate::streamer::StreamerManager;

/// Longest wait at shutdown for channels to send `daemon_stopping`.
const NOTIFY_GRACE: Duration = Duration::from_secs(3);

/// Capacity of event channels; a slower receiver sees `Lagged` and logs it.
const EVENT_CAPACITY: usize = 1024;

/// Capacity of the monitor and download broadcasts: `EVENT_CAPACITY`, or
/// `SREC_EVENT_CAPACITY` (a test knob: a tiny channel forces lagged
/// receivers, which the recorder's reconcile step must survive).
fn event_capacity() -> usize {
    std::env::var("SREC_EVENT_CAPACITY")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(EVENT_CAPACITY)
}

/// The daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum ContainerError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Watch(#[from] WatchError),
    #[error(transparent)]
    Api(#[from] crate::api::ServeError),
}

/// How shutdown went.
#[derive(Debug, Clone, Copy)]
pub struct ShutdownReport {
    pub elapsed: Duration,
    /// False when tasks were still running at the deadline.
    pub clean: bool,
}

/// All services of one daemon.
pub struct ServiceContainer {
    pub paths: Paths,
    pub config: Arc<ConfigService>,
    pub db: Db,
    pub streamers: Arc<StreamerManager>,
    pub config_events: broadcast::Sender<ConfigUpdateEvent>,
    pub monitor_events: broadcast::Sender<MonitorEvent>,
    pub download_events: broadcast::Sender<DownloadEvent>,
    pub monitor: Arc<StreamMonitor>,
    pub scheduler: Arc<Scheduler>,
    pub downloads: Arc<DownloadManager>,
    pub recovery: Recovery,
    /// Live chat counters per streamer (dashboard chat column).
    pub danmu_stats: Arc<crate::danmu::service::DanmuStats>,
    /// Post-processing DAGs and their worker pools.
    pub pipeline: Arc<crate::pipeline::PipelineManager>,
    engines: EngineFactory,
    outbox_wake: Arc<Notify>,
    /// Rung by the outbox flusher; durable consumers follow it.
    outbox_feed: tokio::sync::watch::Sender<i64>,
    cancel: CancellationToken,
    /// Stops the notification channels; cancelled after `cancel` at
    /// shutdown, once they sent `daemon_stopping` or `NOTIFY_GRACE` passed.
    notify_cancel: CancellationToken,
    tracker: TaskTracker,
    _lock: DaemonLock,
}

impl ServiceContainer {
    /// Takes the daemon lock, loads config, opens and recovers the database.
    pub async fn build(paths: Paths, engines: EngineFactory) -> Result<Self, ContainerError> {
        let lock = DaemonLock::acquire(&paths.lock_file())?;
        let (config_events, _) = broadcast::channel(EVENT_CAPACITY);
        let config = Arc::new(ConfigService::load(paths.clone(), config_events.clone())?);
        // Engine processes of a previous run must be gone before recovery
        // measures and renames their files.
        let leftovers = tokio::task::spawn_blocking({
            let registry = paths.data_dir.join("engine-children");
            move || crate::download::child::init(registry)
        })
        .await
        .unwrap_or(0);
        if leftovers > 0 {
            tracing::warn!("stopped {leftovers} engine process(es) left by a previous run");
        }
        let db_path = paths.db_file();
        let db = tokio::task::spawn_blocking(move || Db::open(&db_path))
            .await
            .map_err(|_| DbError::Worker)??;
        let (streamers, recovery) =
            StreamerManager::start(db.clone(), config_events.clone()).await?;
        let streamers = Arc::new(streamers);
        // Before any service runs, so no new chat file can be taken for a
        // crashed one.
        let repaired = crate::danmu::recovery::repair_open(&db).await;
        if repaired > 0 {
            tracing::info!("closed {repaired} chat file(s) left open by a previous run");
        }
        let (monitor_events, _) = broadcast::channel(event_capacity());
        let (download_events, _) = broadcast::channel(event_capacity());
        let outbox_wake = Arc::new(Notify::new());
        let monitor = Arc::new(StreamMonitor::new(
            db.clone(),
            Arc::clone(&streamers),
            Arc::clone(&config),
            Arc::clone(&outbox_wake),
        ));
        let scheduler = Scheduler::new(ActorCtx {
            monitor: Arc::clone(&monitor),
            streamers: Arc::clone(&streamers),
            config: Arc::clone(&config),
        });
        let tracker = TaskTracker::new();
        let current = config.current();
        let downloads = DownloadManager::new(
            engines.build(&current.engines),
            download_events.clone(),
            &current.download,
            tracker.clone(),
        );
        downloads.set_engines(engines.build(&current.engines), current.engines.clone());
        let pipeline = crate::pipeline::PipelineManager::new(
            db.clone(),
            Arc::clone(&config),
            Arc::clone(&streamers),
            Arc::clone(&downloads),
            Arc::clone(&outbox_wake),
        );
        Ok(Self {
            paths,
            config,
            db,
            streamers,
            config_events,
            monitor_events,
            download_events,
            monitor,
            scheduler,
            downloads,
            recovery,
            danmu_stats: Arc::default(),
            pipeline,
            engines,
            outbox_wake,
            outbox_feed: crate::monitor::follow::feed(),
            cancel: CancellationToken::new(),
            notify_cancel: CancellationToken::new(),
            tracker,
            _lock: lock,
        })
    }

    /// A durable outbox consumer named `consumer` (its cursor survives
    /// restarts), woken by the flusher.
    pub async fn outbox_follower(
        &self,
        consumer: &str,
        start: crate::monitor::follow::Start,
    ) -> Result<crate::monitor::follow::Follower, DbError> {
        crate::monitor::follow::Follower::open(
            self.db.clone(),
            consumer,
            start,
            self.outbox_feed.subscribe(),
        )
        .await
    }

    /// Spawns the long-running tasks.
    pub fn start(&self) -> Result<(), ContainerError> {
        // Bind the API first: a taken port fails the start before any task runs.
        let scheduler_alive = crate::api::health::Liveness::default();
        let api = super::api_wiring::prepare(self, scheduler_alive.clone())?;
        // Subscribe before anything can publish.
        let recorder_inputs = Inputs {
            monitor: self.monitor_events.subscribe(),
            downloads: self.downloads.durable_events(),
            config: self.config_events.subscribe(),
        };
        let scheduler_events = self.config_events.subscribe();
        self.config
            .spawn_watcher(self.cancel.clone(), &self.tracker)?;
        self.tracker.spawn(crate::monitor::outbox::run(
            self.db.clone(),
            self.monitor_events.clone(),
            Arc::clone(&self.outbox_wake),
            self.outbox_feed.clone(),
            self.cancel.clone(),
        ));
        // Breakers of the previous run are back before anything can submit.
        self.downloads
            .set_store(crate::download::breaker_store::Store::spawn(
                self.db.clone(),
                &self.tracker,
                self.cancel.clone(),
            ));
        let recorder = Arc::new(Recorder {
            db: self.db.clone(),
            outbox_wake: Arc::clone(&self.outbox_wake),
            streamers: Arc::clone(&self.streamers),
            config: Arc::clone(&self.config),
            monitor: Arc::clone(&self.monitor),
            manager: Arc::clone(&self.downloads),
        });
        self.tracker
            .spawn(recorder.run(recorder_inputs, self.cancel.clone()));
        self.spawn_danmu();
        self.tracker.spawn(
            scheduler_alive
                .track(Arc::clone(&self.scheduler).run(scheduler_events, self.cancel.clone())),
        );
        self.tracker.spawn(follow_download_settings(
            Arc::clone(&self.config),
            Arc::clone(&self.downloads),
            self.engines.clone(),
            self.cancel.clone(),
        ));
        self.tracker.spawn(crate::notify::service::run(
            self.db.clone(),
            Arc::clone(&self.config),
            self.outbox_feed.clone(),
            self.notify_cancel.clone(),
        ));
        self.write_daemon_event(crate::events::kinds::DAEMON_STARTED);
        self.tracker.spawn(super::db_watch::run(
            self.db.clone(),
            Arc::clone(&self.streamers),
            self.cancel.clone(),
        ));
        self.tracker.spawn(start_pipeline(
            Arc::clone(&self.pipeline),
            self.db.clone(),
            self.outbox_feed.subscribe(),
            self.tracker.clone(),
            self.cancel.clone(),
        ));
        if let Some((server, router)) = api {
            self._lock.advertise_api(server.local_addr())?;
            self.tracker
                .spawn(server.serve(router, self.cancel.clone()));
        }
        Ok(())
    }

    /// Writes a daemon lifecycle event to the outbox (notifications read
    /// it through their cursors) and wakes the flusher.
    fn write_daemon_event(&self, kind: &'static str) -> Option<i64> {
        let payload = serde_json::json!({
            "version": env!("CARGO_PKG_VERSION"),
            "pid": std::process::id(),
        })
        .to_string();
        match self
            .db
            .with(|c| crate::db::outbox::insert(c, None, kind, &payload))
        {
            Ok(id) => {
                self.outbox_wake.notify_one();
                Some(id)
            }
            Err(e) => {
                tracing::warn!("cannot record {kind}: {e}");
                None
            }
        }
    }

    /// Token every service task listens to.
    pub fn cancel_token(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// Tracker for tasks spawned by other components (e.g. the TUI).
    pub fn tracker(&self) -> &TaskTracker {
        &self.tracker
    }

    /// Cancels all tasks, waits up to `deadline`, then checkpoints and closes
    /// the database.
    pub async fn shutdown(self, deadline: Duration) -> ShutdownReport {
        let started = Instant::now();
        let stopping = self.write_daemon_event(crate::events::kinds::DAEMON_STOPPING);
        self.cancel.cancel();
        // Notifications outlive the other services briefly, so channels can
        // still send `daemon_stopping` (and anything before it).
        if let Some(id) = stopping {
            self.outbox_feed.send_replace(id);
            crate::notify::service::wait_delivered(&self.db, id, NOTIFY_GRACE.min(deadline)).await;
        }
        self.notify_cancel.cancel();
        self.tracker.close();
        let clean = tokio::time::timeout(deadline, self.tracker.wait())
            .await
            .is_ok();
        if !clean {
            tracing::warn!(
                "{} task(s) still running after the {:?} shutdown deadline; exiting anyway",
                self.tracker.len(),
                deadline
            );
        }
        let db = self.db.clone();
        let closed = crate::streamer::recovery::close_open(&db, "shutdown").await;
        match closed {
            Ok(r) if r.sessions_closed > 0 => {
                tracing::info!(
                    sessions = r.sessions_closed,
                    "open sessions closed for shutdown"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("cannot close sessions at shutdown: {e}"),
        }
        let checkpoint = tokio::task::spawn_blocking(move || db.checkpoint()).await;
        if let Ok(Err(e)) = checkpoint {
            tracing::warn!("database checkpoint at shutdown failed: {e}");
        }
        ShutdownReport {
            elapsed: started.elapsed(),
            clean,
        }
    }
}

#[path = "container_tasks.rs"]
mod tasks;
use tasks::{follow_download_settings, start_pipeline};
