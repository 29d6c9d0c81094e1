//! Segment rows from engine events: an opened segment gets its row (with
//! the file's birth time), a closed one is finalised together with its
//! durable `segment_finalised` outbox event, or deleted with its file when
//! it is empty or below `min_segment_size`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use super::{Rec, Recorder};
use crate::db::sessions;
use crate::events::{DownloadId, SegmentFinalised, SplitReason};

/// The fields of a `SegmentClosed` event.
pub(super) struct ClosedSegment {
    pub index: u32,
    pub path: PathBuf,
    pub duration: Duration,
    pub bytes: u64,
    pub split_reason: SplitReason,
}

impl Recorder {
    /// Records the new segment's row; its index moves the session's next
    /// index on, so a restart never reuses a file name.
    pub(super) async fn segment_opened(
        &self,
        id: i64,
        sid: i64,
        index: u32,
        path: PathBuf,
        opened_at_ms: i64,
        recs: &mut HashMap<i64, Rec>,
    ) {
        let p = path.display().to_string();
        if let Err(e) = self
            .db
            .call(move |c| sessions::add_segment(c, sid, index, &p, opened_at_ms))
            .await
        {
            tracing::warn!(streamer = id, "cannot record segment {index}: {e}");
        }
        if let Some(r) = recs.get_mut(&id).filter(|r| r.session_id == sid) {
            r.next_index = r.next_index.max(index + 1);
        }
        tracing::info!(streamer = id, session = sid, index, path = %path.display(), "segment opened");
    }

    /// Finalises (or deletes, when junk) a closed segment and counts its
    /// bytes as delivered data for the retry policy.
    pub(super) async fn segment_closed(
        &self,
        (id, sid, download): (i64, i64, DownloadId),
        seg: ClosedSegment,
        recs: &mut HashMap<i64, Rec>,
    ) {
        let ClosedSegment {
            index,
            path,
            duration,
            bytes,
            split_reason,
        } = seg;
        let min = self
            .streamers
            .get(id)
            .map_or(0, |s| self.config.effective(&s).min_segment_size);
        // An empty file (an engine killed before its first write)
        // is never a recording.
        let junk = bytes == 0 || (min > 0 && bytes < min);
        let done = SegmentFinalised {
            session_id: sid,
            streamer_id: id,
            index,
            path: path.clone(),
            duration_ms: duration.as_millis() as u64,
            bytes,
            split_reason,
        };
        let res = self
            .db
            .call(move |c| {
                if junk {
                    sessions::delete_segment(c, sid, index).map(|_| ())
                } else {
                    sessions::finalise_segment(c, &done)
                }
            })
            .await;
        match res {
            Err(e) => tracing::warn!(streamer = id, "cannot finalise segment {index}: {e}"),
            Ok(()) => self.outbox_wake.notify_one(),
        }
        if junk {
            // Off the async workers: a stalled disk must not hold
            // up the event loop (and the API sharing its threads).
            let doomed = path.clone();
            let _ = tokio::task::spawn_blocking(move || std::fs::remove_file(doomed)).await;
            tracing::info!(
                streamer = id,
                index,
                bytes,
                "deleted empty segment or one below min_segment_size"
            );
        } else {
            tracing::info!(
                streamer = id,
                session = sid,
                index,
                bytes,
                ?duration,
                reason = split_reason.as_str(),
                "segment closed"
            );
        }
        if bytes > 0 {
            self.delivered(id, download, recs).await;
        }
    }
}
