//! ServiceContainer: builds every service in dependency order, spawns their
//! tasks on one `TaskTracker`, and shuts them down through one
//! `CancellationToken` within a bounded deadline.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::lock::{DaemonLock, LockError};
use crate::config::service::WatchError;
use crate::config::{ConfigError, ConfigService, Paths};
use crate::db::sessions::Recovery;
use crate::db::{Db, DbError};
use crate::events::ConfigUpdateEvent;
use crate::streamer::StreamerManager;

/// Capacity of event channels; a slower receiver sees `Lagged` and logs it.
const EVENT_CAPACITY: usize = 1024;

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
    pub recovery: Recovery,
    cancel: CancellationToken,
    tracker: TaskTracker,
    _lock: DaemonLock,
}

impl ServiceContainer {
    /// Takes the daemon lock, loads config, opens and recovers the database.
    pub async fn build(paths: Paths) -> Result<Self, ContainerError> {
        let lock = DaemonLock::acquire(&paths.lock_file())?;
        let (config_events, _) = broadcast::channel(EVENT_CAPACITY);
        let config = Arc::new(ConfigService::load(paths.clone(), config_events.clone())?);
        let db_path = paths.db_file();
        let db = tokio::task::spawn_blocking(move || Db::open(&db_path))
            .await
            .map_err(|_| DbError::Worker)??;
        let (streamers, recovery) =
            StreamerManager::start(db.clone(), config_events.clone()).await?;
        Ok(Self {
            paths,
            config,
            db,
            streamers: Arc::new(streamers),
            config_events,
            recovery,
            cancel: CancellationToken::new(),
            tracker: TaskTracker::new(),
            _lock: lock,
        })
    }

    /// Spawns the long-running tasks.
    pub fn start(&self) -> Result<(), ContainerError> {
        self.config
            .spawn_watcher(self.cancel.clone(), &self.tracker)?;
        self.tracker.spawn(super::db_watch::run(
            self.db.clone(),
            Arc::clone(&self.streamers),
            self.cancel.clone(),
        ));
        Ok(())
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
        self.cancel.cancel();
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
