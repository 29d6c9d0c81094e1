//! What the site chat emulations (`twitch_chat`, `douyu_chat`,
//! `huya_chat`) share: one scripted message sequence, the site-mode knobs
//! and the connection loop. Each site only speaks its own wire format
//! through [`SiteChat`].
//!
//! After the client logs in (joins a room) the server sends a burst of
//! [`BURST`] messages, two per frame, then one per `chat_interval` (none
//! when it is zero). Site modes of the joined room: `chat_drop` sends half
//! the burst, the site's goodbye (Twitch `RECONNECT`) and closes;
//! `chat_flood` sends [`FLOOD`] messages, [`FLOOD_PER_FRAME`] per frame.
//! Counters: `SITE.chat_join`, `SITE.chat_sent` (every message) and one
//! per kind (`SITE.chat_msg`, `SITE.chat_gift`, Twitch `chat_sub` and
//! `chat_clear`), `SITE.chat_drop`, plus the sites' keep-alive counters.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::ws::{Message, WebSocket};

use crate::shared::Shared;

/// Messages sent right after the login.
pub const BURST: u64 = 8;
/// Messages of a `chat_flood` connection.
pub const FLOOD: u64 = 1000;
/// Messages per frame while flooding.
pub const FLOOD_PER_FRAME: usize = 20;

/// The `n`-th scripted message (1-based), the same on every site.
#[derive(Debug, Clone)]
pub struct Scripted {
    pub n: u64,
    /// `viewer1` .. `viewer7`.
    pub user: String,
    /// `10001` .. `10007`, matching `user`.
    pub uid: u64,
    /// `chat N: a/b@c;d` (characters each wire format escapes).
    pub text: String,
    /// Every fifth message is a gift of `n % 3 + 1` items instead.
    pub gift: Option<u32>,
}

pub fn scripted(n: u64) -> Scripted {
    let k = (n.max(1) - 1) % 7 + 1;
    Scripted {
        n,
        user: format!("viewer{k}"),
        uid: 10_000 + k,
        text: format!("chat {n}: a/b@c;d"),
        gift: n.is_multiple_of(5).then_some((n % 3 + 1) as u32),
    }
}

pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// What one client frame asked for.
#[derive(Default)]
pub struct ClientStep {
    pub replies: Vec<Message>,
    /// The room the client just joined: start sending chat.
    pub join: Option<String>,
}

/// One site's wire format.
pub trait SiteChat: Send {
    /// Counter prefix (`twitch`, ...).
    fn name(&self) -> &'static str;
    /// Handles one client frame.
    fn on_client(&mut self, shared: &Shared, msg: Message) -> ClientStep;
    /// The frames carrying `batch`.
    fn encode(&mut self, batch: &[Scripted]) -> Vec<Message>;
    /// The counter kind of a message (`msg`, `gift`, ...).
    fn kind(&self, s: &Scripted) -> &'static str {
        if s.gift.is_some() { "gift" } else { "msg" }
    }
    /// Frames right after the opening burst (Twitch: a server PING).
    fn after_burst(&mut self) -> Vec<Message> {
        Vec::new()
    }
    /// Frames before a forced disconnect (Twitch: `RECONNECT`).
    fn goodbye(&mut self) -> Vec<Message> {
        Vec::new()
    }
}

async fn tick(ticker: &mut Option<tokio::time::Interval>) {
    match ticker {
        Some(t) => {
            t.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// Sends `first..=last` in frames of `per_frame` messages.
async fn send_range<S: SiteChat>(
    socket: &mut WebSocket,
    shared: &Shared,
    site: &mut S,
    first: u64,
    last: u64,
    per_frame: usize,
) -> bool {
    let all: Vec<Scripted> = (first..=last).map(scripted).collect();
    for batch in all.chunks(per_frame.max(1)) {
        for s in batch {
            shared.count_site(&format!("{}.chat_sent", site.name()), 1);
            shared.count_site(&format!("{}.chat_{}", site.name(), site.kind(s)), 1);
        }
        for frame in site.encode(batch) {
            if socket.send(frame).await.is_err() {
                return false;
            }
        }
    }
    true
}

async fn send_all(socket: &mut WebSocket, frames: Vec<Message>) -> bool {
    for f in frames {
        if socket.send(f).await.is_err() {
            return false;
        }
    }
    true
}

/// Serves one chat connection until the client leaves or the server stops.
pub async fn run<S: SiteChat>(mut socket: WebSocket, shared: Arc<Shared>, mut site: S) {
    let cancel = shared.cancel.clone();
    let interval = shared.settings.chat_interval;
    let mut ticker: Option<tokio::time::Interval> = None;
    let mut joined = false;
    let mut n = 0u64;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => {
                let _ = socket.send(Message::Close(None)).await;
                return;
            }
            _ = tick(&mut ticker) => {
                n += 1;
                if !send_range(&mut socket, &shared, &mut site, n, n, 1).await {
                    return;
                }
            }
            incoming = socket.recv() => {
                let msg = match incoming {
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                    Some(Ok(m)) => m,
                };
                let step = site.on_client(&shared, msg);
                if !send_all(&mut socket, step.replies).await {
                    return;
                }
                let Some(room) = step.join.filter(|_| !joined) else { continue };
                joined = true;
                shared.count_site(&format!("{}.chat_join", site.name()), 1);
                let mode = shared.room(&room).and_then(|r| r.site_mode());
                match mode.as_deref() {
                    Some("chat_drop") => {
                        send_range(&mut socket, &shared, &mut site, 1, BURST / 2, 2).await;
                        shared.count_site(&format!("{}.chat_drop", site.name()), 1);
                        let bye = site.goodbye();
                        send_all(&mut socket, bye).await;
                        return;
                    }
                    Some("chat_flood") => {
                        if !send_range(&mut socket, &shared, &mut site, 1, FLOOD, FLOOD_PER_FRAME).await {
                            return;
                        }
                        n = FLOOD;
                    }
                    _ => {
                        if !send_range(&mut socket, &shared, &mut site, 1, BURST, 2).await {
                            return;
                        }
                        n = BURST;
                        let after = site.after_burst();
                        if !send_all(&mut socket, after).await {
                            return;
                        }
                        ticker = (!interval.is_zero()).then(|| every(interval));
                    }
                }
            }
        }
    }
}

fn every(interval: Duration) -> tokio::time::Interval {
    let mut t = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    t
}
