//! DownloadManager: runs engines within the slot limits, queues the rest by
//! priority, stops downloads on request, and keeps a progress snapshot of
//! active downloads for `srec status`, the API and the dashboard.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::engine::{DownloadRequest, Engine, EngineError, EventSink};
use super::slots::Slots;
use crate::config::EngineKind;
use crate::events::{DownloadEvent, DownloadEventKind, DownloadId};
use crate::streamer::Priority;

/// Time an engine gets to finalise its files when stopped.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(60);

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
    stop: CancellationToken,
}

struct Pending {
    req: DownloadRequest,
    priority: Priority,
}

struct Inner {
    slots: Slots<Pending>,
    active: HashMap<DownloadId, Active>,
}

/// Runs downloads.
pub struct DownloadManager {
    engines: HashMap<EngineKind, Arc<dyn Engine>>,
    events: broadcast::Sender<DownloadEvent>,
    inner: Mutex<Inner>,
    next_id: AtomicU64,
    tracker: TaskTracker,
}

impl DownloadManager {
    pub fn new(
        engines: HashMap<EngineKind, Arc<dyn Engine>>,
        events: broadcast::Sender<DownloadEvent>,
        max_concurrent: usize,
        high_slots: usize,
        tracker: TaskTracker,
    ) -> Arc<Self> {
        Arc::new(Self {
            engines,
            events,
            inner: Mutex::new(Inner {
                slots: Slots::new(max_concurrent, high_slots),
                active: HashMap::new(),
            }),
            next_id: AtomicU64::new(1),
            tracker,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Receiver of every download event.
    pub fn subscribe(&self) -> broadcast::Receiver<DownloadEvent> {
        self.events.subscribe()
    }

    /// Applies new slot limits and starts queued downloads that now fit.
    pub fn set_limits(self: &Arc<Self>, max_concurrent: usize, high_slots: usize) {
        let ready = {
            let mut inner = self.lock();
            inner.slots.set_limits(max_concurrent, high_slots);
            inner.slots.drain()
        };
        for p in ready {
            self.launch(p);
        }
    }

    /// Starts a download now or queues it; returns its id.
    pub fn submit(self: &Arc<Self>, mut req: DownloadRequest, priority: Priority) -> DownloadId {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        req.download_id = id;
        let streamer = req.streamer_id;
        let acquired = self
            .lock()
            .slots
            .acquire(priority, Pending { req, priority });
        match acquired {
            Ok(p) => self.launch(p),
            Err(pos) => tracing::info!(
                streamer,
                download = id,
                "all download slots busy; queued at position {pos}"
            ),
        }
        id
    }

    fn launch(self: &Arc<Self>, p: Pending) {
        let Pending { req, priority } = p;
        let sink = EventSink::new(&req, self.events.clone());
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
        let started = match self.engines.get(&kind) {
            Some(engine) => engine.start(req, sink.clone()),
            None => Err(EngineError::Unsupported(format!(
                "the {kind:?} engine is not available in this build"
            ))),
        };
        let mut handle = match started {
            Ok(h) => h,
            Err(e) => {
                sink.emit(DownloadEventKind::Failed {
                    error: e.to_string(),
                    retryable: e.retryable(),
                });
                self.finish(info.download_id, false);
                return;
            }
        };
        let stop = CancellationToken::new();
        let id = info.download_id;
        self.lock().active.insert(
            id,
            Active {
                info,
                stop: stop.clone(),
            },
        );
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
            this.finish(id, true);
        });
    }

    fn finish(self: &Arc<Self>, id: DownloadId, was_active: bool) {
        let ready = {
            let mut inner = self.lock();
            if was_active {
                inner.active.remove(&id);
            }
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

    /// Whether a streamer has a running or queued download.
    pub fn is_recording(&self, streamer_id: i64) -> bool {
        self.lock()
            .active
            .values()
            .any(|a| a.info.streamer_id == streamer_id)
    }

    /// Active downloads, oldest first.
    pub fn snapshot(&self) -> Vec<ActiveDownload> {
        let mut v: Vec<_> = self
            .lock()
            .active
            .values()
            .map(|a| a.info.clone())
            .collect();
        v.sort_by_key(|a| a.download_id);
        v
    }

    /// `(active, queued, limit)`.
    pub fn counts(&self) -> (usize, usize, usize) {
        let inner = self.lock();
        (
            inner.slots.active(),
            inner.slots.queued(),
            inner.slots.limit(),
        )
    }

    /// Folds an event into the progress snapshot.
    pub fn observe(&self, ev: &DownloadEvent) {
        let mut inner = self.lock();
        let Some(a) = inner.active.get_mut(&ev.download_id) else {
            return;
        };
        match &ev.kind {
            DownloadEventKind::Progress {
                bytes,
                bitrate,
                duration,
            } => {
                a.info.bytes = *bytes;
                a.info.bitrate = *bitrate;
                a.info.duration_ms = duration.as_millis() as u64;
            }
            DownloadEventKind::SegmentOpened { index, path } => {
                a.info.segment_index = Some(*index);
                a.info.segment_path = Some(path.clone());
            }
            _ => {}
        }
    }
}
