//! Recorder: turns monitor events into downloads and download events into
//! segment rows. A live session gets a download; a failure or an early end
//! while the session is still open restarts into the next segment of the
//! same session after the engine's retry policy delay (quick at first; see
//! `recorder_retry.rs`); a download refused by an open circuit breaker
//! waits for its cooldown; `Offline` stops it. Stream candidates are tried
//! in the order [`crate::platform::select::rank`] gives: a download that
//! fails before any data arrives moves on to the next candidate at once
//! (after resolving the URLs again when the source said 401/403/410 or the
//! URL had expired); only when every candidate failed does it count as a
//! failed attempt. Download events arrive on a lossless channel; monitor
//! events on a broadcast that may lag, so a reconcile step
//! (`recorder_reconcile.rs`) compares with the database every few seconds
//! and after a lag. Platform probes before a restart run in the background.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

use super::engine::DownloadRequest;
use super::manager::DownloadManager;
use crate::config::{ConfigService, EngineKind};
use crate::db::{Db, now_ms, sessions};
use crate::events::{
    ConfigUpdateEvent, DownloadEvent, DownloadEventKind, DownloadId, MonitorEvent, MonitorEventKind,
};
use crate::monitor::StreamMonitor;
use crate::platform::StreamCandidate;
use crate::platform::select;
use crate::streamer::{StreamerManager, StreamerState};

#[path = "recorder_disk.rs"]
mod disk_guard;
#[path = "recorder_reconcile.rs"]
mod reconcile;
#[path = "recorder_retry.rs"]
mod retry_flow;
#[path = "recorder_segments.rs"]
mod segments;
use reconcile::{RECONCILE_EVERY, Tx, Wake};
use retry_flow::schedule;
use segments::ClosedSegment;

/// Recording state of one live session.
struct Rec {
    session_id: i64,
    title: Option<String>,
    /// The platform's candidates, as last reported.
    streams: Vec<StreamCandidate>,
    /// Index into the ranked candidates of the current (or next) download.
    candidate: usize,
    /// Whether the current download has delivered data.
    data: bool,
    /// Resolve the URLs again before the next start (401/403/410, expiry).
    refresh: bool,
    /// A background platform probe for this rec is running.
    probing: bool,
    /// When the reconcile step first found `download` neither queued nor
    /// running (its end event was lost); acted on at the next step.
    lost: Option<DownloadId>,
    next_index: u32,
    download: Option<DownloadId>,
    /// Engine of the current (or last) download.
    engine: EngineKind,
    /// Failed or fruitless downloads in a row (reset once data arrives).
    attempts: u32,
    /// The current download was stopped by the user (dashboard `s`, API stop).
    user_stop: bool,
    /// The user stopped this session's recording: no restart until the
    /// next session or an explicit start (`live_sessions.user_stopped_at`).
    paused: bool,
    /// The output folder is under `min_free_space`: nothing starts until
    /// space is back (`recorder_disk.rs`).
    disk_full: bool,
}

/// Services the recorder talks to.
pub struct Recorder {
    pub db: Db,
    /// Rung after a `segment_finalised` outbox row is committed.
    pub outbox_wake: Arc<tokio::sync::Notify>,
    pub streamers: Arc<StreamerManager>,
    pub config: Arc<ConfigService>,
    pub monitor: Arc<StreamMonitor>,
    pub manager: Arc<DownloadManager>,
}

/// Channels the recorder consumes.
pub struct Inputs {
    pub monitor: broadcast::Receiver<MonitorEvent>,
    /// Lossless: segment rows and restarts must never miss an event.
    pub downloads: mpsc::UnboundedReceiver<DownloadEvent>,
    pub config: broadcast::Receiver<ConfigUpdateEvent>,
}

impl Recorder {
    /// Runs until cancelled, then stops all downloads and keeps writing
    /// their final segment rows until they have ended (bounded by the
    /// container's shutdown deadline).
    pub async fn run(self: Arc<Self>, mut inputs: Inputs, cancel: CancellationToken) {
        let (tx, mut wake_rx) = mpsc::unbounded_channel::<Wake>();
        let mut recs: HashMap<i64, Rec> = HashMap::new();
        let mut seen: HashMap<i64, i64> = HashMap::new();
        let mut tick = tokio::time::interval(RECONCILE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut disk_tick = tokio::time::interval(crate::download::disk::DISK_POLL);
        disk_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                m = inputs.monitor.recv() => match m {
                    Ok(ev) => {
                        if seen.get(&ev.streamer_id).is_some_and(|last| *last >= ev.id) {
                            continue;
                        }
                        seen.insert(ev.streamer_id, ev.id);
                        self.on_monitor(ev, &mut recs, &tx).await;
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!("recorder missed {n} monitor events; reconciling with the database");
                        self.reconcile(&mut recs, &tx).await;
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                },
                d = inputs.downloads.recv() => match d {
                    Some(ev) => self.on_download(ev, &mut recs, &tx).await,
                    None => break,
                },
                c = inputs.config.recv() => {
                    if let Ok(ConfigUpdateEvent::StreamerRemoved { id }) = c
                        && recs.remove(&id).is_some()
                    {
                        self.manager.stop_streamer(id);
                    }
                }
                _ = tick.tick() => self.reconcile(&mut recs, &tx).await,
                _ = disk_tick.tick() => self.check_running_disks(&mut recs).await,
                Some(w) = wake_rx.recv() => match w {
                    Wake::Restart { id, sid } => self.on_restart(id, sid, &mut recs, &tx).await,
                    Wake::Probed(p) => self.on_probed(*p, &mut recs, &tx).await,
                },
            }
        }
        self.manager.stop_all();
        recs.clear();
        while self.manager.counts().0 > 0 || !inputs.downloads.is_empty() {
            match tokio::time::timeout(Duration::from_millis(200), inputs.downloads.recv()).await {
                Ok(Some(ev)) => self.on_download(ev, &mut recs, &tx).await,
                Ok(None) => break,
                Err(_) => {}
            }
        }
    }

    async fn on_monitor(&self, ev: MonitorEvent, recs: &mut HashMap<i64, Rec>, restart: &Tx) {
        let id = ev.streamer_id;
        match ev.kind {
            MonitorEventKind::Live {
                session_id,
                title,
                streams,
                ..
            } => {
                let active = self.db.call(move |c| sessions::active_for(c, id)).await;
                if !matches!(active, Ok(Some(ref s)) if s.id == session_id) {
                    tracing::debug!(
                        streamer = id,
                        session = session_id,
                        "ignoring Live for a session that is no longer open"
                    );
                    return;
                }
                if recs.get(&id).is_some_and(|r| r.session_id == session_id) {
                    return;
                }
                let next_index = self
                    .db
                    .call(move |c| sessions::next_segment_index(c, session_id))
                    .await
                    .unwrap_or(0);
                let mut rec = Rec {
                    title,
                    streams,
                    ..Rec::resumed(session_id, next_index)
                };
                if let Some(delay) = self.start(id, &mut rec).await {
                    schedule(restart, id, session_id, delay);
                }
                recs.insert(id, rec);
            }
            MonitorEventKind::TitleChanged {
                session_id, title, ..
            } => {
                if let Some(r) = recs.get_mut(&id).filter(|r| r.session_id == session_id) {
                    r.title = Some(title);
                }
            }
            MonitorEventKind::Offline { session_id, reason } => {
                if recs.get(&id).is_some_and(|r| r.session_id == session_id) {
                    recs.remove(&id);
                    if self.manager.stop_streamer(id) {
                        tracing::info!(
                            streamer = id,
                            session = session_id,
                            reason,
                            "stopping recording"
                        );
                    }
                }
            }
        }
    }

    /// Submits a download; returns a delay when it must be tried later (an
    /// open circuit breaker, a full disk).
    async fn start(&self, id: i64, rec: &mut Rec) -> Option<Duration> {
        if self.disk_blocked(id, rec).await {
            return Some(crate::download::disk::DISK_POLL);
        }
        let s = self.streamers.get(id)?;
        let mut config = self.config.effective(&s);
        let ranked = select::rank(&rec.streams, &config, now_ms() / 1000);
        if rec.candidate >= ranked.len() {
            rec.candidate = 0;
        }
        let Some(stream) = ranked.into_iter().nth(rec.candidate) else {
            tracing::warn!(
                streamer = id,
                "live but the platform offered no playable stream"
            );
            return None;
        };
        // The site's own media headers (Referer, UA) unless the user set them.
        for (k, v) in &stream.headers {
            if !config.headers.keys().any(|h| h.eq_ignore_ascii_case(k)) {
                config.headers.insert(k.clone(), v.clone());
            }
        }
        tracing::debug!(
            streamer = id,
            candidate = rec.candidate,
            quality = %stream.quality,
            format = %stream.format,
            "starting download"
        );
        rec.engine = config.engine;
        rec.data = false;
        let req = DownloadRequest {
            download_id: 0,
            streamer_id: id,
            session_id: rec.session_id,
            streamer_name: s.name.clone(),
            platform: s.platform.clone(),
            title: rec.title.clone().unwrap_or_default(),
            page_url: s.url.clone(),
            stream,
            config,
            first_index: rec.next_index,
        };
        match self.manager.submit(req, s.priority) {
            Ok(download) => {
                rec.download = Some(download);
                None
            }
            Err(refused)
                if refused.key.starts_with("host:") && rec.candidate + 1 < rec.streams.len() =>
            {
                // A dead CDN host: the next candidate may be on another.
                tracing::warn!(
                    streamer = id,
                    "not starting: {refused}; trying the next stream candidate"
                );
                rec.candidate += 1;
                Box::pin(self.start(id, rec)).await
            }
            Err(refused) => {
                let delay = refused.retry_in.max(Duration::from_millis(200));
                tracing::warn!(streamer = id, "not starting: {refused}");
                let _ = self
                    .streamers
                    .set_state(id, StreamerState::Error, Some(refused.to_string()))
                    .await;
                Some(delay)
            }
        }
    }

    async fn on_download(&self, ev: DownloadEvent, recs: &mut HashMap<i64, Rec>, restart: &Tx) {
        self.manager.observe(&ev);
        let (id, sid) = (ev.streamer_id, ev.session_id);
        match ev.kind {
            DownloadEventKind::SegmentOpened {
                index,
                path,
                opened_at_ms,
            } => {
                self.segment_opened(id, sid, index, path, opened_at_ms, recs)
                    .await
            }
            DownloadEventKind::SegmentClosed {
                index,
                path,
                duration,
                bytes,
                split_reason,
            } => {
                let closed = ClosedSegment {
                    index,
                    path,
                    duration,
                    bytes,
                    split_reason,
                };
                self.segment_closed((id, sid, ev.download_id), closed, recs)
                    .await
            }
            DownloadEventKind::Failed {
                error,
                retryable,
                status,
            } => {
                let Some(r) = recs
                    .get_mut(&id)
                    .filter(|r| r.download == Some(ev.download_id))
                else {
                    return;
                };
                if self.manager.take_user_stop(ev.download_id) {
                    // An engine killed on the user's stop may exit with an error.
                    r.user_stop = true;
                    self.retry_later(id, r, true, None, restart).await;
                    return;
                }
                if r.disk_full {
                    // Stopped for want of space: wait for it, not a failure.
                    self.retry_later(id, r, true, None, restart).await;
                    return;
                }
                if self.next_candidate(id, r, status, &error) {
                    schedule(restart, id, r.session_id, Duration::ZERO);
                    return;
                }
                self.retry_later(id, r, retryable, Some(error), restart)
                    .await;
            }
            DownloadEventKind::Finished => {
                let Some(r) = recs
                    .get_mut(&id)
                    .filter(|r| r.download == Some(ev.download_id))
                else {
                    return;
                };
                r.user_stop = self.manager.take_user_stop(ev.download_id);
                self.retry_later(id, r, true, None, restart).await;
            }
            DownloadEventKind::Progress { bytes, .. } => {
                if bytes > 0 {
                    self.delivered(id, ev.download_id, recs).await;
                }
            }
            DownloadEventKind::Started { engine } => {
                let payload = serde_json::json!({
                    "session_id": sid,
                    "engine": engine,
                    "download_id": ev.download_id,
                });
                self.notify_event(id, crate::events::kinds::RECORDING_STARTED, payload)
                    .await;
            }
        }
    }
}
