//! The recorder's retry flow: after a failure (or an early end while the
//! session is open) the next attempt is scheduled by the engine's
//! [`RetryPolicy`], re-probing the source first; the streamer is marked
//! `error` once quick retries are over, and back to live when data arrives.

use std::collections::HashMap;
use std::time::Duration;

use super::reconcile::{Probed, Tx, Wake};
use super::{Rec, Recorder};
use crate::config::EngineKind;
use crate::download::retry::{RetryDecision, RetryPolicy};
use crate::events::DownloadId;
use crate::streamer::StreamerState;

impl Recorder {
    /// The retry policy of an engine under the current config.
    pub(super) fn policy(&self, engine: EngineKind) -> RetryPolicy {
        let file = self.config.current();
        RetryPolicy::new(file.engines.retry_for(engine, &file.download.retry))
    }

    /// Schedules the next attempt after a failure (or an early end) and
    /// marks the streamer `error` once quick retries are over.
    pub(super) async fn retry_later(
        &self,
        id: i64,
        r: &mut Rec,
        retryable: bool,
        error: Option<String>,
        restart: &Tx,
    ) {
        r.download = None;
        r.candidate = 0;
        let by_user = std::mem::take(&mut r.user_stop);
        if by_user || r.paused {
            // "Stop" means this session: no restart until the next one or
            // an explicit start (`POST /api/streamers/{id}/start`).
            r.paused = true;
            tracing::info!(
                streamer = id,
                session = r.session_id,
                "recording stopped by you; it records again at the next live session \
                 (or `POST /api/streamers/{id}/start`)"
            );
            let res = self
                .db
                .call(move |c| crate::db::sessions::set_user_stop(c, id, true))
                .await;
            if let Err(e) = res {
                tracing::warn!(streamer = id, "cannot record the stop: {e}");
            }
            return;
        }
        if r.disk_full {
            // Stopped (or refused) for want of space: look again soon,
            // without counting an attempt.
            schedule(restart, id, r.session_id, crate::download::disk::DISK_POLL);
            return;
        }
        r.attempts += 1;
        let decision = self.policy(r.engine).decide(r.attempts, retryable);
        let delay = decision.delay();
        match (&decision, &error) {
            (RetryDecision::Backoff { attempt, .. }, Some(e)) => {
                tracing::warn!(
                    streamer = id,
                    attempt,
                    "download failed: {e}; restarting in {delay:?}"
                );
                let payload = serde_json::json!({
                    "reason": "download_failed",
                    "session_id": r.session_id,
                    "error": e,
                    "attempt": attempt,
                    "retry_in_ms": delay.as_millis() as u64,
                });
                self.notify_event(id, crate::events::kinds::RECORDING_FAILED, payload)
                    .await;
            }
            (RetryDecision::Backoff { .. }, None) => tracing::info!(
                streamer = id,
                "stream ended at the source while the session is open; restarting in {delay:?}"
            ),
            (RetryDecision::Slow { .. }, _) => {
                let why = error.unwrap_or_else(|| "the stream keeps ending".into());
                let msg = if retryable {
                    format!("{} failed attempts in a row; last: {why}", r.attempts)
                } else {
                    why
                };
                tracing::warn!(
                    streamer = id,
                    "download failed: {msg}; retrying in {delay:?}"
                );
                let payload = serde_json::json!({
                    "session_id": r.session_id,
                    "error": msg,
                    "attempts": r.attempts,
                });
                let _ = self
                    .streamers
                    .set_state(id, StreamerState::Error, Some(msg))
                    .await;
                self.notify_event(id, crate::events::kinds::STREAMER_ERROR, payload)
                    .await;
            }
        }
        schedule(restart, id, r.session_id, delay);
    }

    /// Writes a notification-only outbox row (no state row goes with it:
    /// the streamer's state is kept by the StreamerManager) and wakes the
    /// flusher so durable consumers see it at once.
    pub(super) async fn notify_event(
        &self,
        id: i64,
        kind: &'static str,
        payload: serde_json::Value,
    ) {
        let text = payload.to_string();
        match self
            .db
            .call(move |c| crate::db::outbox::insert(c, Some(id), kind, &text))
            .await
        {
            Ok(_) => self.outbox_wake.notify_one(),
            Err(e) => tracing::warn!(streamer = id, "cannot record {kind}: {e}"),
        }
    }

    pub(super) async fn on_restart(
        &self,
        id: i64,
        sid: i64,
        recs: &mut HashMap<i64, Rec>,
        restart: &Tx,
    ) {
        let Some(r) = recs
            .get_mut(&id)
            .filter(|r| r.session_id == sid && r.download.is_none())
        else {
            return;
        };
        if r.probing || r.paused || self.still_waiting_for_disk(id, r, restart).await {
            return;
        }
        let refresh = std::mem::take(&mut r.refresh);
        let now = crate::db::now_ms() / 1000;
        if refresh || r.candidate == 0 || r.streams.iter().any(|c| c.expired(now)) {
            // A platform check can take up to the HTTP timeout: run it in
            // the background so one slow site never delays other restarts.
            r.probing = true;
            let monitor = std::sync::Arc::clone(&self.monitor);
            let tx = restart.clone();
            tokio::spawn(async move {
                let result = monitor.probe(id).await;
                let _ = tx.send(Wake::Probed(Box::new(Probed { id, sid, result })));
            });
            return;
        }
        if let Some(delay) = self.start(id, r).await {
            schedule(restart, id, sid, delay);
        }
    }

    /// A background probe answered: fresh URLs, not live right now (retry
    /// later), or an error (keep the old URLs if there are any).
    pub(super) async fn on_probed(&self, p: Probed, recs: &mut HashMap<i64, Rec>, restart: &Tx) {
        let Some(r) = recs.get_mut(&p.id).filter(|r| r.session_id == p.sid) else {
            return;
        };
        r.probing = false;
        if r.download.is_some() || r.paused {
            return;
        }
        let retry = |r: &Rec| {
            self.policy(r.engine)
                .decide(r.attempts.max(1), true)
                .delay()
        };
        match p.result {
            Ok(st) if st.live && !st.streams.is_empty() => r.streams = st.streams,
            Ok(_) => {
                let delay = retry(r);
                tracing::debug!(
                    streamer = p.id,
                    "source not live right now; retrying in {delay:?}"
                );
                return schedule(restart, p.id, p.sid, delay);
            }
            Err(e) if r.streams.is_empty() => {
                let delay = retry(r);
                tracing::warn!(
                    streamer = p.id,
                    "cannot get stream URLs ({e}); retrying in {delay:?}"
                );
                return schedule(restart, p.id, p.sid, delay);
            }
            Err(e) => tracing::debug!(
                streamer = p.id,
                "probe failed ({e}); reusing the previous stream URLs"
            ),
        }
        if let Some(delay) = self.start(p.id, r).await {
            schedule(restart, p.id, p.sid, delay);
        }
    }

    /// After a failure of candidate `r.candidate` before any data arrived:
    /// moves to the next candidate and says whether one is left to try now.
    /// A 401/403/410 (or an expired URL) resolves the URLs again first.
    pub(super) fn next_candidate(
        &self,
        id: i64,
        r: &mut Rec,
        status: Option<u16>,
        error: &str,
    ) -> bool {
        if r.data {
            return false;
        }
        r.download = None;
        let stale = matches!(status, Some(401 | 403 | 410));
        r.refresh |= stale;
        let left = r.streams.len();
        if r.candidate + 1 >= left {
            return false;
        }
        r.candidate += 1;
        tracing::warn!(
            streamer = id,
            "stream candidate failed ({error}); trying candidate {} of {left}{}",
            r.candidate + 1,
            if stale { " with fresh URLs" } else { "" }
        );
        true
    }

    /// Data arrived: quick retries are available again and an `error`
    /// state from earlier failures is over.
    pub(super) async fn delivered(
        &self,
        id: i64,
        download: DownloadId,
        recs: &mut HashMap<i64, Rec>,
    ) {
        let Some(r) = recs.get_mut(&id).filter(|r| r.download == Some(download)) else {
            return;
        };
        r.attempts = 0;
        r.data = true;
        // A disk-full episode owns the `error` state until space is back
        // (`disk_blocked` clears it); late data from the download it just
        // stopped must not flip the streamer back to `live`.
        if !r.disk_full
            && self
                .streamers
                .get(id)
                .is_some_and(|s| s.state == StreamerState::Error)
        {
            let _ = self
                .streamers
                .set_state(id, StreamerState::Live, None)
                .await;
        }
    }
}

/// Wakes the recorder to restart `(id, sid)` after `delay`.
pub(super) fn schedule(tx: &Tx, id: i64, sid: i64, delay: Duration) {
    let tx = tx.clone();
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let _ = tx.send(Wake::Restart { id, sid });
    });
}
