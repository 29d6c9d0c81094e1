//! The recorder's `min_free_space` guard: a recording whose output folder's
//! filesystem has less free space than `min_free_space` does not start, and
//! a running one is stopped cleanly (the engine finalises its file). The
//! streamer shows `error` with a `disk full: …` reason and a `disk_low`
//! outbox row is written in the same transaction, once per episode; the
//! folder is then looked at every [`DISK_POLL`] (one `statvfs`, no platform
//! probe, no download attempt) and recording resumes by itself when space
//! is back.

use std::collections::HashMap;
use std::path::PathBuf;

use super::retry_flow::schedule;
use super::{Rec, Recorder, Tx};
use crate::db::{outbox, streamers};
use crate::download::disk::{self, DISK_POLL};
use crate::events::DiskLow;
use crate::streamer::StreamerState;

impl Recorder {
    /// Whether streamer `id`'s recording must wait for disk space. Enters
    /// or leaves the `disk full` episode of `r` as the answer changes.
    pub(super) async fn disk_blocked(&self, id: i64, r: &mut Rec) -> bool {
        let Some(s) = self.streamers.get(id) else {
            return false;
        };
        let eff = self.config.effective(&s);
        let (dir, min) = (eff.output_dir, eff.min_free_space);
        let probe = dir.clone();
        // statvfs can block on a stalled filesystem: off the async workers.
        let low = tokio::task::spawn_blocking(move || disk::low(&probe, min))
            .await
            .ok()
            .flatten();
        match low {
            Some(free) => {
                if !r.disk_full {
                    r.disk_full = true;
                    self.enter_disk_full(id, dir, free, min).await;
                }
                true
            }
            None => {
                if std::mem::take(&mut r.disk_full) {
                    tracing::info!(
                        streamer = id,
                        "disk space is back above min_free_space; recording resumes"
                    );
                    let _ = self
                        .streamers
                        .set_state(id, StreamerState::Live, None)
                        .await;
                }
                false
            }
        }
    }

    /// Marks the streamer `disk full` and writes the `disk_low` outbox row
    /// in one transaction.
    async fn enter_disk_full(&self, id: i64, dir: PathBuf, free: u64, min: u64) {
        let reason = disk::reason(&dir, free, min);
        tracing::warn!(streamer = id, "{reason}");
        let payload = serde_json::to_string(&DiskLow {
            path: dir,
            free_bytes: free,
            min_free_bytes: min,
        })
        .unwrap_or_default();
        let res = self
            .db
            .call(move |c| {
                let tx = c.transaction()?;
                streamers::set_state(&tx, id, StreamerState::Error, Some(&reason))?;
                outbox::insert(&tx, Some(id), DiskLow::KIND, &payload)?;
                tx.commit()?;
                Ok(())
            })
            .await;
        if let Err(e) = res {
            tracing::warn!(streamer = id, "cannot record the disk-full state: {e}");
        }
        let _ = self.streamers.reload(id).await;
        self.outbox_wake.notify_one();
    }

    /// Every [`DISK_POLL`]: stops running recordings whose folder fell under
    /// `min_free_space` (their end event then waits for space, see
    /// [`Self::retry_later`]).
    pub(super) async fn check_running_disks(&self, recs: &mut HashMap<i64, Rec>) {
        let running: Vec<i64> = recs
            .iter()
            .filter(|(_, r)| r.download.is_some() && !r.disk_full)
            .map(|(id, _)| *id)
            .collect();
        for id in running {
            let Some(r) = recs.get_mut(&id) else {
                continue;
            };
            if self.disk_blocked(id, r).await && self.manager.stop_streamer(id) {
                tracing::warn!(
                    streamer = id,
                    "stopping the recording: the disk is full (the file is finalised)"
                );
            }
        }
    }

    /// A restart of a recording waiting for space: `true` (and the next
    /// look scheduled) while the disk is still full.
    pub(super) async fn still_waiting_for_disk(&self, id: i64, r: &mut Rec, restart: &Tx) -> bool {
        if r.disk_full && self.disk_blocked(id, r).await {
            schedule(restart, id, r.session_id, DISK_POLL);
            return true;
        }
        false
    }
}
