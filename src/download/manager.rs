//! DownloadManager: runs engines within the slot limits (as adjusted by the
//! [`LimitAdjuster`] hook), queues the rest by priority, refuses downloads
//! whose circuit breaker is open, stops downloads on request, and keeps a
//! progress snapshot of active downloads for `srec status`, the API and the
//! dashboard.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::breaker::{self, Breakers, Refused};
use super::breaker_store::Store;
use super::engine::{DownloadRequest, Engine, EngineError, EventSink};
use super::limits::{LimitAdjuster, Limits, NoAdjust};
use super::progress::ProgressCell;
use super::slots::Slots;
use crate::config::model::DownloadSettings;
use crate::config::{EngineKind, EnginesSettings};
use crate::events::{DownloadEvent, DownloadId};
use crate::streamer::Priority;

/// Upper bound on the time an engine gets to finalise its files when
/// stopped (engines apply their own, usually shorter, stop timeout first).
pub const STOP_TIMEOUT: Duration = Duration::from_secs(90);

/// The engines a manager runs, by kind.
pub type EngineMap = HashMap<EngineKind, Arc<dyn Engine>>;

/// Progress of one running download.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActiveDownload {
    pub download_id: DownloadId,
    pub streamer_id: i64,
    pub session_id: i64,
    pub engine: EngineKind,
    pub priority: Priority,
    pub started_at: i64,
    pub bytes: u64,
    pub bitrate: u64,
    pub duration_ms: u64,
    pub segment_index: Option<u32>,
    pub segment_path: Option<PathBuf>,
}

struct Active {
    info: ActiveDownload,
    /// The engine's latest progress; overlaid on `info` when read.
    progress: Arc<ProgressCell>,
    stop: CancellationToken,
    outcome: Outcome,
}

struct Pending {
    req: DownloadRequest,
    priority: Priority,
    breaker_keys: Vec<String>,
}

/// Breaker bookkeeping of a download: its keys and whether data arrived.
/// Kept a little past the engine's end, because its final `Failed` event
/// may be observed after the slot was released.
#[derive(Debug, Clone, Default)]
struct Outcome {
    keys: Vec<String>,
    delivered: bool,
}

/// Ended downloads whose final event may still be on its way.
const RECENT_CAP: usize = 1024;

struct Inner {
    slots: Slots<Pending>,
    active: HashMap<DownloadId, Active>,
    recent: BTreeMap<DownloadId, Outcome>,
    configured: Limits,
    breakers: Breakers,
    engine_settings: EnginesSettings,
    /// Downloads stopped by the user (dashboard `s`, API stop), so their end is reported as such.
    user_stops: std::collections::HashSet<DownloadId>,
}

/// Runs downloads.
pub struct DownloadManager {
    engines: RwLock<EngineMap>,
    events: broadcast::Sender<DownloadEvent>,
    /// Lossless copy of every event for the recorder (see [`Self::durable_events`]).
    durable: Mutex<Option<tokio::sync::mpsc::UnboundedSender<DownloadEvent>>>,
    inner: Mutex<Inner>,
    adjuster: RwLock<Arc<dyn LimitAdjuster>>,
    store: Mutex<Option<Store>>,
    next_id: AtomicU64,
    tracker: TaskTracker,
    /// Counters for `GET /api/metrics`.
    pub metrics: super::metrics::DownloadMetrics,
}

impl DownloadManager {
    pub fn new(
        engines: EngineMap,
        events: broadcast::Sender<DownloadEvent>,
        settings: &DownloadSettings,
        tracker: TaskTracker,
    ) -> Arc<Self> {
        let configured = Limits {
            max_concurrent: settings.max_concurrent,
            high_slots: settings.high_priority_slots,
        };
        Arc::new(Self {
            engines: RwLock::new(engines),
            events,
            durable: Mutex::new(None),
            inner: Mutex::new(Inner {
                slots: Slots::new(configured.max_concurrent, configured.high_slots),
                active: HashMap::new(),
                recent: BTreeMap::new(),
                configured,
                breakers: Breakers::new(settings.circuit_breaker.clone()),
                engine_settings: EnginesSettings::default(),
                user_stops: Default::default(),
            }),
            adjuster: RwLock::new(Arc::new(NoAdjust)),
            store: Mutex::new(None),
            next_id: AtomicU64::new(1),
            tracker,
            metrics: Default::default(),
        })
    }

    /// The lossless event stream for the one consumer that keeps the
    /// books (the recorder): every event of downloads started from now on,
    /// in order, never dropped. A second call replaces the first consumer.
    pub fn durable_events(&self) -> tokio::sync::mpsc::UnboundedReceiver<DownloadEvent> {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        *self.durable.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
        rx
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Installs a limit adjuster and applies its opinion at once.
    pub fn set_adjuster(self: &Arc<Self>, adjuster: Arc<dyn LimitAdjuster>) {
        *self.adjuster.write().unwrap_or_else(|p| p.into_inner()) = adjuster;
        self.refresh_limits();
    }

    /// Re-consults the adjuster (call when its opinion changed) and starts
    /// queued downloads that now fit.
    pub fn refresh_limits(self: &Arc<Self>) {
        let ready = {
            let mut inner = self.lock();
            self.apply_limits(&mut inner);
            inner.slots.drain()
        };
        for p in ready {
            self.launch(p);
        }
    }

    fn apply_limits(&self, inner: &mut Inner) {
        let adjuster = self
            .adjuster
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let l = adjuster.adjust(inner.configured);
        inner.slots.set_limits(l.max_concurrent, l.high_slots);
    }

    /// Receiver of every download event.
    pub fn subscribe(&self) -> broadcast::Receiver<DownloadEvent> {
        self.events.subscribe()
    }

    /// Replaces the engines (config reload); running downloads keep theirs.
    pub fn set_engines(&self, engines: EngineMap, settings: EnginesSettings) {
        *self.engines.write().unwrap_or_else(|p| p.into_inner()) = engines;
        self.lock().engine_settings = settings;
    }

    /// Applies new `[download]` settings and starts queued downloads that now fit.
    pub fn apply_settings(self: &Arc<Self>, settings: &DownloadSettings) {
        {
            let mut inner = self.lock();
            inner.configured = Limits {
                max_concurrent: settings.max_concurrent,
                high_slots: settings.high_priority_slots,
            };
            inner
                .breakers
                .set_settings(settings.circuit_breaker.clone());
        }
        self.refresh_limits();
    }

    /// Starts a download now or queues it; refused while one of its circuit
    /// breakers is open.
    pub fn submit(
        self: &Arc<Self>,
        mut req: DownloadRequest,
        priority: Priority,
    ) -> Result<DownloadId, Refused> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        req.download_id = id;
        let streamer = req.streamer_id;
        let (acquired, changes) = {
            let mut inner = self.lock();
            let keys = breaker::keys(
                req.config.engine,
                &inner.engine_settings,
                req.streamer_id,
                &req.stream.url,
            );
            let changes = inner.breakers.admit(&keys, crate::db::now_ms())?;
            self.apply_limits(&mut inner);
            let p = Pending {
                req,
                priority,
                breaker_keys: keys,
            };
            (inner.slots.acquire(priority, p), changes)
        };
        self.save(changes);
        match acquired {
            Ok(p) => self.launch(p),
            Err(pos) => tracing::info!(
                streamer,
                download = id,
                "all download slots busy; queued at position {pos}"
            ),
        }
        Ok(id)
    }

    fn launch(self: &Arc<Self>, p: Pending) {
        let Pending {
            req,
            priority,
            breaker_keys,
        } = p;
        let progress = Arc::new(ProgressCell::default());
        let mut sink =
            EventSink::new(&req, self.events.clone()).with_progress(Arc::clone(&progress));
        if let Some(d) = self
            .durable
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
        {
            sink = sink.with_durable(d);
        }
        let kind = req.config.engine;
        let info = ActiveDownload {
            download_id: req.download_id,
            streamer_id: req.streamer_id,
            session_id: req.session_id,
            engine: kind,
            priority,
            started_at: crate::db::now_ms(),
            bytes: 0,
            bitrate: 0,
            duration_ms: 0,
            segment_index: None,
            segment_path: None,
        };
        let id = info.download_id;
        let stop = CancellationToken::new();
        // Registered before the engine starts so its first events (even an
        // immediate `Failed`) find the download.
        self.lock().active.insert(
            id,
            Active {
                info,
                progress,
                stop: stop.clone(),
                outcome: Outcome {
                    keys: breaker_keys,
                    delivered: false,
                },
            },
        );
        let engine = self
            .engines
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&kind)
            .cloned();
        let started = match engine {
            Some(engine) => engine.start(req, sink.clone()),
            None => Err(EngineError::Unsupported(format!(
                "the {kind:?} engine is not available in this build"
            ))),
        };
        let mut handle = match started {
            Ok(h) => h,
            Err(e) => {
                tracing::warn!(download = id, engine = ?kind, "engine did not start: {e}");
                sink.emit(e.failed_event());
                self.finish(id);
                return;
            }
        };
        let this = Arc::clone(self);
        self.tracker.spawn(async move {
            tokio::select! {
                _ = handle.join() => {}
                _ = stop.cancelled() => {
                    if !handle.stop(STOP_TIMEOUT).await {
                        tracing::warn!(download = id, "engine did not stop within {STOP_TIMEOUT:?}; aborted");
                    }
                }
            }
            this.finish(id);
        });
    }

    fn finish(self: &Arc<Self>, id: DownloadId) {
        let ready = {
            let mut inner = self.lock();
            let Some(a) = inner.active.remove(&id) else {
                return;
            };
            inner.recent.insert(id, a.outcome);
            while inner.recent.len() > RECENT_CAP {
                inner.recent.pop_first();
            }
            self.apply_limits(&mut inner);
            inner.slots.release()
        };
        for p in ready {
            self.launch(p);
        }
    }

    /// Stops (or unqueues) the downloads of a streamer; true if any.
    pub fn stop_streamer(&self, streamer_id: i64) -> bool {
        let mut inner = self.lock();
        let unqueued = inner
            .slots
            .remove_queued(|p| p.req.streamer_id == streamer_id);
        let mut stopped = 0;
        for a in inner
            .active
            .values()
            .filter(|a| a.info.streamer_id == streamer_id)
        {
            a.stop.cancel();
            stopped += 1;
        }
        unqueued + stopped > 0
    }

    /// Stops everything (shutdown); the container's tracker waits for the
    /// engines to finalise.
    pub fn stop_all(&self) {
        let mut inner = self.lock();
        inner.slots.remove_queued(|_| true);
        for a in inner.active.values() {
            a.stop.cancel();
        }
    }
}

#[path = "manager_observe.rs"]
mod observe;

#[path = "manager_breakers.rs"]
mod breakers;

#[cfg(test)]
#[path = "manager_tests.rs"]
mod tests;
