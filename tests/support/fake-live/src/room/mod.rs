//! Rooms: the handle tests use to steer one fake channel, and its state.

pub(crate) mod state;
pub(crate) mod timeline;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::fault::Fault;
use crate::options::HlsMode;
use crate::stats::{Counters, Route, Stats};
use state::RoomState;

/// Server settings every room needs (immutable after start).
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub base_url: String,
    pub speed: f64,
    pub window: usize,
    pub retention: usize,
    pub encrypted: bool,
    pub hls_mode: HlsMode,
    pub chat_interval: Duration,
    /// See [`crate::ServerOptions::flv_backlog`].
    pub flv_backlog: Duration,
}

/// What the platform API says about a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomInfo {
    pub id: String,
    pub live: bool,
    pub title: String,
    pub category: String,
    pub streamer: String,
    /// The streamer's profile picture URL (absent unless a test set one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// Absolute URL of the HLS master playlist.
    pub hls_url: String,
    /// Absolute URL of the HTTP-FLV stream.
    pub flv_url: String,
    /// Absolute URL of the room page (what a user would paste into `srec add`).
    pub page_url: String,
    /// Unix milliseconds when the current session went live (None if offline).
    pub live_since_ms: Option<u64>,
}

pub(crate) struct RoomInner {
    pub id: String,
    pub settings: Arc<Settings>,
    pub state: Mutex<RoomState>,
    pub counters: Counters,
    pub chat: broadcast::Sender<String>,
    /// Chat messages (`chat`/`gift`) written to any chat websocket.
    pub chat_sent: std::sync::atomic::AtomicU64,
    /// Scripted chat paused (tests freeze the count before comparing).
    pub chat_paused: std::sync::atomic::AtomicBool,
    /// Bumped to close every open chat websocket (a forced disconnect).
    pub chat_kick: tokio::sync::watch::Sender<u64>,
    /// Messages a flood should send at once (Bilibili chat emulation).
    pub chat_flood: std::sync::atomic::AtomicU64,
}

/// Handle to one fake channel. Cheap to clone; all clones steer the same room.
#[derive(Clone)]
pub struct Room {
    pub(crate) inner: Arc<RoomInner>,
}

impl std::fmt::Debug for Room {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Room")
            .field("id", &self.inner.id)
            .finish_non_exhaustive()
    }
}

impl Room {
    pub(crate) fn new(id: &str, settings: Arc<Settings>, live: bool) -> Room {
        let (chat, _) = broadcast::channel(256);
        Room {
            inner: Arc::new(RoomInner {
                id: id.to_owned(),
                state: Mutex::new(RoomState::new(id, &settings, live)),
                settings,
                counters: Counters::default(),
                chat,
                chat_sent: Default::default(),
                chat_paused: Default::default(),
                chat_kick: tokio::sync::watch::Sender::new(0),
                chat_flood: Default::default(),
            }),
        }
    }

    /// Locks the state. A panic while holding the lock cannot leave it
    /// half-updated in a way that matters for a test server, so poisoning is
    /// ignored rather than turned into a second panic.
    pub(crate) fn lock(&self) -> MutexGuard<'_, RoomState> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    pub(crate) fn count(&self, route: Route) {
        self.inner.counters.bump(route);
    }

    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// Goes live (a new session: clock, sequence numbers and timeline events
    /// restart) or offline (playlists get `#EXT-X-ENDLIST`, FLV streams end).
    pub fn set_live(&self, live: bool) {
        let mut st = self.lock();
        if live {
            st.go_live();
        } else {
            st.go_offline(self.settings());
        }
    }

    pub fn is_live(&self) -> bool {
        self.lock().live
    }

    pub fn set_title(&self, title: &str) {
        self.lock().title = title.to_owned();
    }

    pub fn set_category(&self, category: &str) {
        self.lock().category = category.to_owned();
    }

    pub fn set_streamer(&self, streamer: &str) {
        self.lock().streamer = streamer.to_owned();
    }

    /// Sets (or with `None` removes) the avatar URL the API reports.
    pub fn set_avatar(&self, avatar: Option<&str>) {
        self.lock().avatar = avatar.map(str::to_owned);
    }

    /// Arms a fault until cleared, or applies a timeline fault now.
    pub fn set_fault(&self, fault: Fault) {
        self.arm(fault, None);
    }

    /// Arms a fault that fires at most `times` times.
    pub fn set_fault_times(&self, fault: Fault, times: u32) {
        self.arm(fault, Some(times));
    }

    pub(crate) fn arm(&self, fault: Fault, times: Option<u32>) {
        let mut st = self.lock();
        if fault.is_timeline_event() {
            st.apply_event(self.settings(), &fault);
        } else {
            st.faults.arm(fault, times);
        }
    }

    /// Disarms every armed fault (timeline events already applied stay).
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Currently armed faults.
    pub fn faults(&self) -> Vec<Fault> {
        self.lock()
            .faults
            .armed()
            .iter()
            .map(|a| a.fault.clone())
            .collect()
    }

    pub fn set_encrypted(&self, encrypted: bool) {
        self.lock().encrypted = encrypted;
    }

    /// The room's AES-128 key (what `#EXT-X-KEY`'s URI serves).
    pub fn aes_key(&self) -> [u8; 16] {
        self.lock().key
    }

    /// Announces an explicit IV in `#EXT-X-KEY` instead of the default
    /// (media sequence number).
    pub fn set_aes_iv(&self, iv: Option<[u8; 16]>) {
        self.lock().iv = iv;
    }

    /// Sets (or with `None` clears) the mode site emulations present the
    /// room in, e.g. `rerun` or `geo` (see the sites in the README).
    pub fn set_site_mode(&self, mode: Option<&str>) {
        self.lock().site_mode = mode.map(str::to_owned);
    }

    /// The site mode set with [`Room::set_site_mode`].
    pub fn site_mode(&self) -> Option<String> {
        self.lock().site_mode.clone()
    }

    pub fn set_hls_mode(&self, mode: HlsMode) {
        self.lock().hls_mode = mode;
    }

    pub fn hls_mode(&self) -> HlsMode {
        self.lock().hls_mode
    }

    /// Current media clock in ms (live edge; see README "Timeline").
    pub fn media_time_ms(&self) -> u64 {
        self.lock().media_now(self.settings())
    }

    /// Media sequence of the first segment the media playlist lists now.
    pub fn media_sequence(&self) -> i64 {
        let st = self.lock();
        st.displayed(st.listed(self.settings()).start)
    }

    /// Request counts for this room.
    pub fn stats(&self) -> Stats {
        self.inner.counters.snapshot()
    }

    /// Chat messages sent so far over every chat connection of the room.
    pub fn chat_sent(&self) -> u64 {
        self.inner
            .chat_sent
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Pauses (or resumes) the scripted chat.
    pub fn pause_chat(&self, paused: bool) {
        self.inner
            .chat_paused
            .store(paused, std::sync::atomic::Ordering::SeqCst);
    }

    /// Makes the Bilibili chat emulation send `count` messages at once.
    pub fn flood_chat(&self, count: u64) {
        self.inner
            .chat_flood
            .fetch_add(count, std::sync::atomic::Ordering::SeqCst);
    }

    /// Closes every open chat websocket of the room (clients reconnect).
    pub fn drop_chat_connections(&self) {
        self.inner.chat_kick.send_modify(|n| *n += 1);
    }

    /// Pushes one message (any JSON) to every chat websocket of the room.
    pub fn send_chat(&self, message: serde_json::Value) {
        // No receivers is fine: nobody is watching the chat.
        let _ = self.inner.chat.send(message.to_string());
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.settings().base_url, path)
    }

    pub fn page_url(&self) -> String {
        self.url(&format!("/room/{}", self.id()))
    }

    pub fn api_url(&self) -> String {
        self.url(&format!("/api/rooms/{}", self.id()))
    }

    pub fn hls_master_url(&self) -> String {
        self.url(&format!("/hls/{}/master.m3u8", self.id()))
    }

    /// Media playlist of the default (first) rendition.
    pub fn hls_media_url(&self) -> String {
        self.hls_variant_url(0)
    }

    /// Media playlist of rendition `variant` (0 or 1).
    pub fn hls_variant_url(&self, variant: usize) -> String {
        self.url(&format!("/hls/{}/{variant}/index.m3u8", self.id()))
    }

    pub fn flv_url(&self) -> String {
        self.url(&format!("/live/{}.flv", self.id()))
    }

    pub fn ws_url(&self) -> String {
        format!(
            "ws{}",
            self.url(&format!("/ws/{}", self.id()))
                .trim_start_matches("http")
        )
    }

    pub fn key_url(&self) -> String {
        self.url(&format!("/hls/{}/key", self.id()))
    }

    /// The platform API view of this room.
    pub fn info(&self) -> RoomInfo {
        let st = self.lock();
        let since = st
            .started_wall
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        RoomInfo {
            id: self.id().to_owned(),
            live: st.live,
            title: st.title.clone(),
            category: st.category.clone(),
            streamer: st.streamer.clone(),
            avatar: st.avatar.clone(),
            hls_url: self.hls_master_url(),
            flv_url: self.flv_url(),
            page_url: self.page_url(),
            live_since_ms: st.live.then_some(since),
        }
    }
}
