//! How the [`DownloadManager`] follows its downloads and answers about
//! them: engine events are folded into the snapshot (`srec status`, API,
//! dashboard; the running totals come from each download's progress cell)
//! and into the circuit breakers (a failure counts, the first delivered
//! bytes close them again).

use super::{ActiveDownload, DownloadManager, Inner};
use crate::download::breaker::{self, BreakerState};
use crate::events::{DownloadEvent, DownloadEventKind, DownloadId};

impl DownloadManager {
    /// Whether a download is still queued or running (the recorder's
    /// reconcile step restarts recordings whose end it never heard of).
    pub fn is_pending_or_active(&self, id: DownloadId) -> bool {
        let inner = self.lock();
        inner.active.contains_key(&id) || inner.slots.any_queued(|p| p.req.download_id == id)
    }

    /// Whether a streamer has a running download.
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
            .map(|a| {
                let p = a.progress.read();
                ActiveDownload {
                    bytes: p.bytes,
                    bitrate: p.bitrate,
                    duration_ms: p.duration_ms,
                    ..a.info.clone()
                }
            })
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

    /// [`DownloadManager::stop_streamer`] on the user's request: the
    /// recorder then reports "stopped by you", not "ended at the source".
    pub fn stop_by_user(&self, streamer_id: i64) -> bool {
        {
            let mut inner = self.lock();
            let Inner {
                active, user_stops, ..
            } = &mut *inner;
            user_stops.extend(
                active
                    .iter()
                    .filter(|(_, a)| a.info.streamer_id == streamer_id)
                    .map(|(id, _)| *id),
            );
        }
        self.stop_streamer(streamer_id)
    }

    /// Whether the user stopped this download (asked once, when it ends).
    pub fn take_user_stop(&self, id: crate::events::DownloadId) -> bool {
        self.lock().user_stops.remove(&id)
    }

    /// Folds an event into the progress snapshot and the circuit breakers.
    pub fn observe(&self, ev: &DownloadEvent) {
        self.metrics.observe(&ev.kind);
        let changes = {
            let mut inner = self.lock();
            let Inner {
                active,
                recent,
                breakers,
                ..
            } = &mut *inner;
            let id = ev.download_id;
            let terminal = matches!(
                ev.kind,
                DownloadEventKind::Failed { .. } | DownloadEventKind::Finished
            );
            let ended = if terminal { recent.remove(&id) } else { None };
            let mut fallback = ended.unwrap_or_default();
            let a = active.get_mut(&id);
            let outcome = match a {
                Some(a) => {
                    fold(&mut a.info, &ev.kind);
                    &mut a.outcome
                }
                None => &mut fallback,
            };
            match &ev.kind {
                DownloadEventKind::Failed { error, status, .. } => {
                    // An expired or removed URL is this streamer's problem,
                    // not its host's: it spares the shared host breaker.
                    let (keys, spared): (Vec<String>, Vec<String>) = outcome
                        .keys
                        .iter()
                        .cloned()
                        .partition(|k| breaker::counts_against(k, *status));
                    let mut ch = breakers.failure(&keys, error, crate::db::now_ms());
                    for c in ch.iter().filter(|c| c.state != BreakerState::Closed) {
                        tracing::warn!(
                            breaker = c.key,
                            failures = c.failures,
                            "circuit breaker open; downloads behind it wait for the cooldown"
                        );
                    }
                    ch.extend(breakers.no_verdict(&spared));
                    ch
                }
                DownloadEventKind::Progress { bytes, .. }
                | DownloadEventKind::SegmentClosed { bytes, .. }
                    if *bytes > 0 && !outcome.delivered =>
                {
                    outcome.delivered = true;
                    breakers.success(&outcome.keys)
                }
                _ => Vec::new(),
            }
        };
        self.save(changes);
    }
}

/// Updates the snapshot of a download with what the progress cell does not
/// carry (bytes, bitrate and duration come from the
/// [`ProgressCell`](crate::download::progress::ProgressCell)).
fn fold(info: &mut ActiveDownload, kind: &DownloadEventKind) {
    if let DownloadEventKind::SegmentOpened { index, path, .. } = kind {
        info.segment_index = Some(*index);
        info.segment_path = Some(path.clone());
    }
}
