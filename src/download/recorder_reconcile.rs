//! The recorder's reconcile step: the broadcast channels that feed the
//! recorder are lossy (a lagged receiver misses events), so every few
//! seconds, and at once after a lag, the recorder compares its state with
//! the database, the source of truth. A session open in the database with
//! no recording gets one; a recording whose session has closed is stopped;
//! a download that ended without its end event reaching the recorder is
//! restarted like a failed one.

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::mpsc;

use super::{Rec, Recorder};
use crate::config::EngineKind;
use crate::db::sessions;
use crate::platform::{LiveStatus, PlatformError};

use super::retry_flow::schedule;

/// How often the recorder reconciles with the database when nothing lags.
pub(super) const RECONCILE_EVERY: Duration = Duration::from_secs(5);

/// What wakes the recorder besides the broadcasts.
pub(super) enum Wake {
    /// Time to (re)start the download of streamer `id`'s session `sid`.
    Restart { id: i64, sid: i64 },
    /// A background platform probe answered.
    Probed(Box<Probed>),
}

/// A background probe's answer.
pub(super) struct Probed {
    pub id: i64,
    pub sid: i64,
    pub result: Result<LiveStatus, PlatformError>,
}

/// The recorder's own wake-up channel.
pub(super) type Tx = mpsc::UnboundedSender<Wake>;

impl Recorder {
    /// Brings the recorder's state in line with the open sessions.
    pub(super) async fn reconcile(&self, recs: &mut HashMap<i64, Rec>, tx: &Tx) {
        let open = match self.db.call(|c| sessions::active_recordings(c)).await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!("reconcile: cannot read open sessions: {e}");
                return;
            }
        };
        let stopped: HashMap<i64, bool> = open
            .iter()
            .map(|a| (a.streamer_id, a.stopped_by_user))
            .collect();
        let open: HashMap<i64, i64> = open
            .into_iter()
            .map(|a| (a.streamer_id, a.session_id))
            .collect();

        let closed: Vec<i64> = recs
            .iter()
            .filter(|(id, r)| open.get(id) != Some(&r.session_id))
            .map(|(id, _)| *id)
            .collect();
        for id in closed {
            recs.remove(&id);
            if self.manager.stop_streamer(id) {
                tracing::info!(
                    streamer = id,
                    "reconcile: stopping a recording whose session has closed"
                );
            }
        }

        for (&id, &sid) in &open {
            if recs.contains_key(&id) || !self.streamers.get(id).is_some_and(|s| s.enabled) {
                continue;
            }
            let next_index = self
                .db
                .call(move |c| sessions::next_segment_index(c, sid))
                .await
                .unwrap_or(0);
            let mut rec = Rec::resumed(sid, next_index);
            if stopped.get(&id).copied().unwrap_or(false) {
                // Stopped by the user: remembered, not restarted.
                rec.paused = true;
                recs.insert(id, rec);
                continue;
            }
            tracing::warn!(
                streamer = id,
                session = sid,
                "reconcile: session is open but not recording; starting it"
            );
            recs.insert(id, rec);
            schedule(tx, id, sid, Duration::ZERO);
        }
        self.follow_user_stops(recs, &stopped, tx);

        for (&id, r) in recs.iter_mut() {
            let Some(d) = r.download else {
                r.lost = None;
                continue;
            };
            if self.manager.is_pending_or_active(d) {
                r.lost = None;
                continue;
            }
            // Seen gone twice in a row: its Failed/Finished event is lost
            // (not merely still in flight).
            if r.lost.replace(d) == Some(d) {
                r.lost = None;
                tracing::warn!(
                    streamer = id,
                    download = d,
                    "reconcile: the download ended unnoticed; restarting it"
                );
                self.retry_later(
                    id,
                    r,
                    true,
                    Some("the download ended without its end event".into()),
                    tx,
                )
                .await;
            }
        }
    }
}

impl Recorder {
    /// Applies user stops and starts recorded in the database (the API
    /// writes them; the dashboard's stop arrives as a download's end): a
    /// session marked stopped is paused (its download stopped), a paused
    /// one whose mark was cleared (`POST /api/streamers/{id}/start`)
    /// records again at once.
    fn follow_user_stops(
        &self,
        recs: &mut HashMap<i64, Rec>,
        stopped: &HashMap<i64, bool>,
        tx: &Tx,
    ) {
        for (&id, r) in recs.iter_mut() {
            let marked = stopped.get(&id).copied().unwrap_or(false);
            if marked && !r.paused {
                r.paused = true;
                if self.manager.stop_by_user(id) {
                    tracing::info!(streamer = id, "recording stopped by you");
                }
            } else if !marked && r.paused {
                r.paused = false;
                r.attempts = 0;
                tracing::info!(
                    streamer = id,
                    session = r.session_id,
                    "recording started again by you"
                );
                if r.download.is_none() {
                    schedule(tx, id, r.session_id, Duration::ZERO);
                }
            }
        }
    }
}

impl Rec {
    /// A rec for an open session the recorder learnt of from the database:
    /// no stream URLs yet (the first restart resolves them).
    pub(super) fn resumed(session_id: i64, next_index: u32) -> Self {
        Self {
            session_id,
            title: None,
            streams: Vec::new(),
            candidate: 0,
            data: false,
            refresh: false,
            probing: false,
            lost: None,
            next_index,
            download: None,
            engine: EngineKind::default(),
            attempts: 0,
            user_stop: false,
            disk_full: false,
            paused: false,
        }
    }
}
