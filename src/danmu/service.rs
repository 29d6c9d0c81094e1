//! DanmuService: starts a chat [`session`] when a session opens for a
//! streamer whose effective config has `record_danmu = true` and whose
//! platform has chat (the durable outbox `live` row carries the room),
//! stops it when the session closes (`offline` row), and routes the
//! download manager's `SegmentOpened`/`SegmentClosed` events to it so the
//! XML files rotate with the video. At start it repairs chat files a crash
//! left open. A chat failure is logged; it never touches the recording.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, broadcast, mpsc};
use tokio::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::runner::{ChatCounters, RunnerSettings};
use super::session::{self, SegmentSignal, SessionSpec};
use super::xml::RecordInfo;
use crate::config::ConfigService;
use crate::db::Db;
use crate::events::{DownloadEvent, DownloadEventKind, MonitorEventKind};
use crate::monitor::follow::Follower;
use crate::platform::{PlatformRegistry, RoomIdentity};
use crate::scheduler::Scheduler;
use crate::streamer::StreamerManager;

/// Test-only knob: handle each `SegmentOpened` N ms late (a consumer busy
/// with the database); chat offsets must not depend on it.
pub const TEST_EVENT_DELAY_ENV: &str = "SREC_TEST_DANMU_EVENT_DELAY_MS";

/// Durable outbox consumer name.
pub const CONSUMER: &str = "danmu";

/// Live chat counters per streamer (dashboard, API).
#[derive(Default)]
pub struct DanmuStats {
    rooms: Mutex<HashMap<i64, Room>>,
}

/// One room's counters and recent `(when, received)` samples.
struct Room {
    counters: Arc<ChatCounters>,
    samples: std::collections::VecDeque<(Instant, u64)>,
}

/// Window of the messages-per-minute rate.
const RATE_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

impl DanmuStats {
    /// Messages received by a streamer's current chat connection, if any.
    pub fn received(&self, streamer_id: i64) -> Option<u64> {
        let rooms = self.rooms.lock().unwrap_or_else(|p| p.into_inner());
        rooms.get(&streamer_id).map(|r| {
            r.counters
                .received
                .load(std::sync::atomic::Ordering::Relaxed)
        })
    }

    /// Messages per minute over the last minute (fewer seconds right after
    /// the start), or `None` when the streamer's chat is not captured.
    /// Each call samples the counter (the dashboard calls it every tick).
    pub fn per_minute(&self, streamer_id: i64) -> Option<u64> {
        let mut rooms = self.rooms.lock().unwrap_or_else(|p| p.into_inner());
        let room = rooms.get_mut(&streamer_id)?;
        let now = Instant::now();
        let total = room
            .counters
            .received
            .load(std::sync::atomic::Ordering::Relaxed);
        if room
            .samples
            .back()
            .is_none_or(|(at, _)| now.duration_since(*at) >= std::time::Duration::from_millis(500))
        {
            room.samples.push_back((now, total));
        }
        while room
            .samples
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) > RATE_WINDOW)
        {
            room.samples.pop_front();
        }
        let (at, first) = *room.samples.front()?;
        let secs = now.duration_since(at).as_secs_f64();
        Some(if secs < 1.0 {
            0
        } else {
            ((total - first) as f64 * 60.0 / secs).round() as u64
        })
    }

    fn set(&self, streamer_id: i64, c: Option<Arc<ChatCounters>>) {
        let mut rooms = self.rooms.lock().unwrap_or_else(|p| p.into_inner());
        match c {
            Some(counters) => rooms.insert(
                streamer_id,
                Room {
                    counters,
                    samples: Default::default(),
                },
            ),
            None => rooms.remove(&streamer_id),
        };
    }
}

/// Everything the service reads.
pub struct DanmuService {
    pub db: Db,
    pub config: Arc<ConfigService>,
    pub streamers: Arc<StreamerManager>,
    pub scheduler: Arc<Scheduler>,
    pub outbox_wake: Arc<Notify>,
    pub platforms: PlatformRegistry,
    pub stats: Arc<DanmuStats>,
    pub runner: RunnerSettings,
}

struct Running {
    streamer_id: i64,
    signals: mpsc::UnboundedSender<SegmentSignal>,
    cancel: CancellationToken,
}

/// How often chat tasks are told the open segments from the database (an
/// indexed lookup per running session), besides right after a lagged
/// receiver. A segment shorter than this whose events were all missed gets
/// no chat file.
const RESYNC_EVERY: Duration = Duration::from_secs(1);

impl DanmuService {
    /// Runs until `cancel`; open chat files are closed before it returns.
    pub async fn run(
        self: Arc<Self>,
        mut follower: Follower,
        mut downloads: broadcast::Receiver<DownloadEvent>,
        cancel: CancellationToken,
    ) {
        let tasks = TaskTracker::new();
        let mut running: HashMap<i64, Running> = HashMap::new();
        // A segment opened before its session's `live` row was read.
        let mut early: HashMap<i64, SegmentSignal> = HashMap::new();
        let delay = std::env::var(TEST_EVENT_DELAY_ENV)
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_millis);
        let mut resync = tokio::time::interval(RESYNC_EVERY);
        resync.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = resync.tick() => self.resync(&running).await,
                rows = follower.next(100, &cancel) => {
                    let Some(rows) = rows else { break };
                    let last = rows.last().map(|r| r.id);
                    for row in rows {
                        if !crate::events::is_monitor_kind(&row.kind) {
                            continue;
                        }
                        let Some(streamer_id) = row.streamer_id else { continue };
                        match serde_json::from_str::<MonitorEventKind>(&row.payload) {
                            Ok(MonitorEventKind::Live { session_id, title, category, room, .. }) => {
                                let first = early.remove(&session_id);
                                if let Some(r) = self
                                    .start(streamer_id, session_id, title, category, room, &tasks, &cancel)
                                    .await
                                {
                                    if let Some(sig) = first {
                                        let _ = r.signals.send(sig);
                                    }
                                    if let Some(old) = running.insert(session_id, r) {
                                        old.cancel.cancel();
                                    }
                                }
                            }
                            Ok(MonitorEventKind::Offline { session_id, .. }) => {
                                early.remove(&session_id);
                                if let Some(r) = running.remove(&session_id) {
                                    r.cancel.cancel();
                                    self.stats.set(r.streamer_id, None);
                                }
                            }
                            Ok(MonitorEventKind::TitleChanged { .. }) => {}
                            Err(e) => tracing::debug!("danmu: unreadable outbox row {}: {e}", row.id),
                        }
                    }
                    if let Some(id) = last
                        && let Err(e) = follower.ack(id).await
                    {
                        tracing::warn!("danmu: cannot store outbox position: {e}");
                    }
                }
                ev = downloads.recv() => match ev {
                    Ok(ev) => {
                        if let Some(d) = delay.filter(|_| matches!(ev.kind, DownloadEventKind::SegmentOpened { .. })) {
                            tokio::time::sleep(d).await;
                        }
                        self.route(ev, &running, &mut early)
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!("danmu: missed {n} download events; following the open segments from the database");
                        self.resync(&running).await;
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                },
            }
        }
        for r in running.values() {
            r.cancel.cancel();
        }
        tasks.close();
        tasks.wait().await;
    }

    /// Tells each running chat task which segment the database says is
    /// open, so the chat file follows the video even when download events
    /// were missed (a lagged receiver) or came before the session's `live`
    /// row; a task ignores indexes it has already seen. Run on a lag, when
    /// a session starts, and every [`RESYNC_EVERY`]. A file opened this way
    /// takes its origin from the row's `started_at` (the engine's stamp).
    async fn resync(&self, running: &HashMap<i64, Running>) {
        if running.is_empty() {
            return;
        }
        let ids: Vec<i64> = running.keys().copied().collect();
        let open = self
            .db
            .call(move |c| crate::db::sessions::open_segments(c, &ids))
            .await;
        match open {
            Ok(open) => {
                for seg in open {
                    if let Some(r) = running.get(&seg.session_id) {
                        let _ = r.signals.send(SegmentSignal::Opened {
                            index: seg.index,
                            path: seg.path.into(),
                            at_ms: seg.started_at,
                        });
                    }
                }
            }
            Err(e) => tracing::warn!("danmu: cannot read the open segments: {e}"),
        }
    }

    /// Passes a segment change to its session's chat task.
    fn route(
        &self,
        ev: DownloadEvent,
        running: &HashMap<i64, Running>,
        early: &mut HashMap<i64, SegmentSignal>,
    ) {
        let sig = match ev.kind {
            DownloadEventKind::SegmentOpened {
                index,
                path,
                opened_at_ms,
            } => SegmentSignal::Opened {
                index,
                path,
                at_ms: opened_at_ms,
            },
            DownloadEventKind::SegmentClosed { index, bytes, .. } => {
                let min = self
                    .streamers
                    .get(ev.streamer_id)
                    .map_or(0, |s| self.config.effective(&s).min_segment_size);
                SegmentSignal::Closed {
                    index,
                    junk: bytes == 0 || (min > 0 && bytes < min),
                }
            }
            _ => return,
        };
        match running.get(&ev.session_id) {
            Some(r) => {
                let _ = r.signals.send(sig);
            }
            None if matches!(sig, SegmentSignal::Opened { .. }) => {
                early.insert(ev.session_id, sig);
            }
            None => {
                early.remove(&ev.session_id);
            }
        }
    }

    /// Starts a session's chat when its streamer wants it and has chat.
    #[allow(clippy::too_many_arguments)]
    async fn start(
        &self,
        streamer_id: i64,
        session_id: i64,
        title: Option<String>,
        category: Option<String>,
        room: Option<RoomIdentity>,
        tasks: &TaskTracker,
        cancel: &CancellationToken,
    ) -> Option<Running> {
        let streamer = self.streamers.get(streamer_id)?;
        let eff = self.config.effective(&streamer);
        if !eff.record_danmu {
            return None;
        }
        // A `live` row read again after a restart names a session crash
        // recovery already closed.
        let still_open = self
            .db
            .call(move |c| crate::db::sessions::active_for(c, streamer_id))
            .await
            .ok()
            .flatten()
            .is_some_and(|s| s.id == session_id);
        if !still_open {
            return None;
        }
        let room = room?;
        let platform = self.platforms.by_name(&streamer.platform);
        let Some(target) = platform.chat_target(&streamer.url, &room, eff.api_base.as_deref())
        else {
            tracing::info!(streamer = %streamer.name, "record_danmu is on but {} has no chat capture", streamer.platform);
            return None;
        };
        let Some(provider) = super::providers::provider_for(&target, &eff) else {
            tracing::info!(streamer = %streamer.name, "chat capture for {} is not available yet", streamer.platform);
            return None;
        };
        let counters = Arc::new(ChatCounters::default());
        self.stats.set(streamer_id, Some(Arc::clone(&counters)));
        let (tx, rx) = mpsc::unbounded_channel();
        let token = cancel.child_token();
        let scheduler = Arc::clone(&self.scheduler);
        let spec = SessionSpec {
            session_id,
            streamer_id,
            provider,
            info: RecordInfo {
                room_id: room.id.clone(),
                name: room
                    .owner_name
                    .clone()
                    .unwrap_or_else(|| streamer.name.clone()),
                title: title.unwrap_or_default(),
                area_parent: String::new(),
                area_child: category.unwrap_or_default(),
                start_time: String::new(),
            },
            db: self.db.clone(),
            outbox_wake: Arc::clone(&self.outbox_wake),
            counters,
            on_hint: Arc::new(move |live| {
                tracing::debug!(
                    streamer = streamer_id,
                    live,
                    "chat says the room changed state; checking now"
                );
                scheduler.check_now(streamer_id);
            }),
            runner: RunnerSettings {
                proxy: eff.proxy.clone(),
                ..self.runner.clone()
            },
        };
        tracing::info!(streamer = %streamer.name, session = session_id, "chat capture started");
        tasks.spawn(session::run(spec, rx, token.clone()));
        Some(Running {
            streamer_id,
            signals: tx,
            cancel: token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering;

    #[tokio::test(start_paused = true)]
    async fn per_minute_rate_follows_the_counter() {
        let stats = DanmuStats::default();
        assert_eq!(stats.per_minute(1), None, "no chat captured");
        let c = Arc::new(ChatCounters::default());
        stats.set(1, Some(Arc::clone(&c)));
        assert_eq!(stats.per_minute(1), Some(0));
        for _ in 0..10 {
            tokio::time::advance(std::time::Duration::from_secs(1)).await;
            c.received.fetch_add(5, Ordering::Relaxed);
            stats.per_minute(1);
        }
        assert_eq!(stats.per_minute(1), Some(300), "5 per second");
        stats.set(1, None);
        assert_eq!(stats.per_minute(1), None);
    }
}
