//! One live session's chat: runs the websocket [`runner`](super::runner)
//! for the room and writes what it decodes into the XML file of the video
//! segment being recorded, rotating in step with the video (same path,
//! `.xml`). Each message's time is its offset from when the segment was
//! opened, as the engine stamped it (`SegmentOpened::opened_at_ms`, taken
//! as it creates the file, just before its first bytes are written; after a
//! missed event, the segment row's `started_at`, the same stamp), never
//! from when this task heard of it, so the skew is the engine's first-write
//! delay plus the chat's own delivery delay (well under 1 s on a healthy
//! connection). Chat received while no segment is open waits
//! (bounded in count and age, see [`super::waiting`]) for the next file, at
//! offset 0. No error here ever reaches the video recording.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::{Notify, mpsc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::message::ChatEvent;
use super::provider::ChatProvider;
use super::runner::{self, ChatCounters, Incoming, RunnerSettings};
use super::waiting::{Pushed, Waiting};
use super::xml::{ChatFile, RecordInfo};
use crate::db::Db;

/// Messages queued between the websocket and the file; more in flight
/// (a flood the disk cannot keep up with) are counted as dropped.
pub const QUEUE: usize = 4096;

/// How often a file's live counts are stored for `srec status`.
const COUNTS_EVERY: Duration = Duration::from_secs(2);

/// The video side, as the download manager reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum SegmentSignal {
    Opened {
        index: u32,
        path: PathBuf,
        /// When the engine created the file (Unix ms): the origin of its
        /// offsets.
        at_ms: i64,
    },
    /// `junk`: the recorder deletes the video (below `min_segment_size`),
    /// so its chat file goes too.
    Closed { index: u32, junk: bool },
}

/// What a session task needs.
pub struct SessionSpec {
    pub session_id: i64,
    pub streamer_id: i64,
    pub provider: Arc<dyn ChatProvider>,
    /// Room and title for each file's header (`start_time` set per file).
    pub info: RecordInfo,
    pub db: Db,
    pub outbox_wake: Arc<Notify>,
    pub counters: Arc<ChatCounters>,
    /// Called with a `LIVE`/`PREPARING` hint (the monitor checks now).
    pub on_hint: Arc<dyn Fn(bool) + Send + Sync>,
    pub runner: RunnerSettings,
}

/// The XML file of the current segment.
struct OpenFile {
    index: u32,
    row: Option<i64>,
    writer: ChatFile,
    origin: Instant,
    /// `counters.dropped` when the file was opened.
    dropped_base: u64,
    /// When the live counts were last stored.
    last_counts: Instant,
}

/// Runs until `cancel` (the session closed or the daemon stops); the open
/// file is closed properly either way.
pub async fn run(
    spec: SessionSpec,
    mut signals: mpsc::UnboundedReceiver<SegmentSignal>,
    cancel: CancellationToken,
) {
    let (tx, mut chat) = mpsc::channel(QUEUE);
    let runner_cancel = cancel.child_token();
    let runner = tokio::spawn(runner::run(
        Arc::clone(&spec.provider),
        tx,
        Arc::clone(&spec.counters),
        spec.runner.clone(),
        runner_cancel.clone(),
    ));
    let mut file: Option<OpenFile> = None;
    // Highest segment index seen: indexes only grow within a session, so a
    // resync naming an older or the current file is ignored (reopening
    // would truncate its chat).
    let mut newest: Option<u32> = None;
    // Chat received while no segment is open (before the first, between a
    // close and the next open): written at offset 0 of the next file.
    let mut waiting = Waiting::new(QUEUE);
    // A reconnect while no file is open (between two segments): marked at
    // the start of the next file, so no gap goes unrecorded.
    let mut unmarked_gap: Option<(Instant, Instant)> = None;
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            sig = signals.recv() => match sig {
                None => break,
                Some(SegmentSignal::Opened { index, .. }) if newest.is_some_and(|n| index <= n) => {}
                Some(SegmentSignal::Opened { index, path, at_ms }) => {
                    newest = Some(index);
                    if let Some(f) = file.take() {
                        close(&spec, f, false).await;
                    }
                    let at = instant_of(at_ms);
                    file = open(&spec, index, path, at, at_ms).await;
                    let (held, expired) = waiting.take(at);
                    note_expired(&spec, expired);
                    if let Some(f) = file.as_mut() {
                        if let Some((since, until)) = unmarked_gap.take() {
                            mark_gap(&spec, f, since, until);
                        }
                        for (event, at) in held {
                            write(&spec, f, &event, at);
                        }
                    }
                }
                Some(SegmentSignal::Closed { index, junk }) => {
                    newest = newest.max(Some(index));
                    if file.as_ref().is_some_and(|f| f.index == index)
                        && let Some(f) = file.take()
                    {
                        close(&spec, f, junk).await;
                    }
                }
            },
            inc = chat.recv() => match inc {
                None => break,
                Some(Incoming::Chat { event: ChatEvent::LiveHint { live }, .. }) => (spec.on_hint)(live),
                Some(Incoming::Chat { event, at }) => match file.as_mut() {
                    Some(f) => write(&spec, f, &event, at),
                    None => {
                        let (pushed, expired) = waiting.push(event, at);
                        note_expired(&spec, expired);
                        if pushed == Pushed::Full {
                            spec.counters.dropped.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                },
                Some(Incoming::Gap { since, until }) => match file.as_mut() {
                    Some(f) => mark_gap(&spec, f, since, until),
                    None => unmarked_gap = Some((unmarked_gap.map_or(since, |g| g.0), until)),
                },
            },
            _ = tick.tick() => {
                if let Some(f) = file.as_mut() {
                    f.writer.flush_if_due();
                    if f.last_counts.elapsed() >= COUNTS_EVERY {
                        f.last_counts = Instant::now();
                        store_counts(&spec, f).await;
                    }
                }
            }
        }
    }
    runner_cancel.cancel();
    let _ = runner.await;
    // Chat already queued belongs to the open file.
    while let Ok(inc) = chat.try_recv() {
        if let (Some(f), Incoming::Chat { event, at }) = (file.as_mut(), inc) {
            write(&spec, f, &event, at);
        }
    }
    if let Some(f) = file.take() {
        close(&spec, f, false).await;
    }
}

/// Chat from a pause with no video (a user's stop, a full disk) is not
/// recorded; said once per batch at debug level, it is expected.
fn note_expired(spec: &SessionSpec, n: usize) {
    if n > 0 {
        tracing::debug!(
            session = spec.session_id,
            "{n} chat message(s) from a pause without video not recorded"
        );
    }
}

/// Marks a reconnect gap in the file (offset 0 when it began before it).
fn mark_gap(spec: &SessionSpec, f: &mut OpenFile, since: Instant, until: Instant) {
    let offset = since.saturating_duration_since(f.origin);
    if !f.writer.gap(offset, until.saturating_duration_since(since)) {
        tracing::warn!(
            session = spec.session_id,
            "chat gap not marked: the file's queue is full"
        );
    }
}

/// Queues a message for the file's thread; one the disk cannot keep up
/// with is counted as dropped (write errors are logged by the thread).
fn write(spec: &SessionSpec, f: &mut OpenFile, event: &ChatEvent, at: Instant) {
    let offset = at.saturating_duration_since(f.origin);
    if !f.writer.write(offset, event) {
        spec.counters.dropped.fetch_add(1, Ordering::Relaxed);
    }
}

fn dropped(spec: &SessionSpec, f: &OpenFile) -> u64 {
    spec.counters
        .dropped
        .load(Ordering::Relaxed)
        .saturating_sub(f.dropped_base)
}

async fn store_counts(spec: &SessionSpec, f: &OpenFile) {
    let Some(row) = f.row else { return };
    let (m, d) = (f.writer.messages(), dropped(spec, f));
    if let Err(e) = spec
        .db
        .call(move |c| crate::db::danmu::update_counts(c, row, m, d))
        .await
    {
        tracing::debug!("cannot store chat counts: {e}");
    }
}

/// The session's clock reading at wall-clock time `at_ms` (Unix ms), for a
/// file's origin reported by the engine. The wall clock is read once, right
/// here, so only a clock step between the engine's stamp and this call (a
/// few ms normally) can shift the origin; a stamp in the future (a step
/// back) gives now, never an origin after the messages.
pub fn instant_of(at_ms: i64) -> Instant {
    let now = Instant::now();
    let ago = crate::db::now_ms().saturating_sub(at_ms);
    u64::try_from(ago)
        .ok()
        .and_then(|ms| now.checked_sub(Duration::from_millis(ms)))
        .unwrap_or(now)
}

async fn open(
    spec: &SessionSpec,
    index: u32,
    video: PathBuf,
    at: Instant,
    at_ms: i64,
) -> Option<OpenFile> {
    let path = video.with_extension("xml");
    let start = chrono::DateTime::from_timestamp_millis(at_ms)
        .map_or_else(chrono::Local::now, |t| t.with_timezone(&chrono::Local));
    let info = RecordInfo {
        start_time: start.to_rfc3339(),
        ..spec.info.clone()
    };
    let writer = match ChatFile::create(&path, info, QUEUE).await {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!(
                session = spec.session_id,
                "cannot create chat file {}: {e}",
                path.display()
            );
            return None;
        }
    };
    let (sid, st, p) = (
        spec.session_id,
        spec.streamer_id,
        path.display().to_string(),
    );
    let row = match spec
        .db
        .call(move |c| crate::db::danmu::open(c, sid, st, index, &p))
        .await
    {
        Ok(id) => Some(id),
        Err(e) => {
            tracing::warn!(session = sid, "cannot record chat file {index}: {e}");
            None
        }
    };
    tracing::info!(session = sid, index, path = %path.display(), "chat file opened");
    Some(OpenFile {
        index,
        row,
        writer,
        origin: at,
        dropped_base: spec.counters.dropped.load(Ordering::Relaxed),
        last_counts: Instant::now(),
    })
}

/// Writes `</i>`, then closes the row with its `danmu_finalised` outbox
/// row (or deletes both for a junk segment).
async fn close(spec: &SessionSpec, f: OpenFile, junk: bool) {
    let d = dropped(spec, &f);
    let path = f.writer.path().to_path_buf();
    let (row, index) = (f.row, f.index);
    let stats = match f.writer.finish().await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(
                session = spec.session_id,
                "cannot close chat file {}: {e}",
                path.display()
            );
            return;
        }
    };
    let Some(row) = row else { return };
    let res = if junk {
        // Off the async workers, like the close above: the disk may stall.
        let doomed = path.clone();
        let _ = tokio::task::spawn_blocking(move || std::fs::remove_file(doomed)).await;
        spec.db
            .call(move |c| crate::db::danmu::delete(c, row))
            .await
            .map(|_| ())
    } else {
        let m = stats.messages;
        spec.db
            .call(move |c| crate::db::danmu::close(c, row, m, d))
            .await
            .map(|_| spec.outbox_wake.notify_one())
    };
    match res {
        Ok(()) => tracing::info!(
            session = spec.session_id,
            index,
            messages = stats.messages,
            dropped = d,
            junk,
            "chat file closed"
        ),
        Err(e) => tracing::warn!(
            session = spec.session_id,
            "cannot finalise chat file {index}: {e}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wall_clock_stamp_maps_onto_the_session_clock() {
        let before = Instant::now();
        let past = instant_of(crate::db::now_ms() - 1500);
        let ago = before.saturating_duration_since(past);
        assert!(
            ago >= Duration::from_millis(1400) && ago <= Duration::from_millis(1600),
            "1.5 s ago: {ago:?}"
        );
        let future = instant_of(crate::db::now_ms() + 60_000);
        assert!(future >= before, "a stamp ahead of the clock gives now");
    }
}
