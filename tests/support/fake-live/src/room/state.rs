//! The mutable state of one room and the clock arithmetic on it: where the
//! live edge is, which segments exist, how displayed sequence numbers map to
//! positions on the timeline.

use std::time::{Duration, Instant, SystemTime};

use super::Settings;
use super::timeline::Timeline;
use crate::fault::{Fault, FaultSet};
use crate::media::fixture::SEGMENT_MS;
use crate::options::HlsMode;

/// Everything about a room that changes; guarded by the room's mutex.
#[derive(Debug)]
pub struct RoomState {
    pub title: String,
    pub category: String,
    pub streamer: String,
    /// The streamer's profile picture URL, when the test gave one.
    pub avatar: Option<String>,
    pub live: bool,
    /// Bumped each time the room goes live; FLV connections of an older
    /// session end.
    pub session: u64,
    /// Wall instant the current session started.
    pub started: Instant,
    pub started_wall: SystemTime,
    /// Media time frozen when the room went offline.
    pub ended_ms: Option<u64>,
    /// Displayed media sequence = timeline index - `seq_shift`.
    pub seq_shift: i64,
    pub timeline: Timeline,
    pub faults: FaultSet,
    pub encrypted: bool,
    pub key: [u8; 16],
    /// Explicit IV announced in `#EXT-X-KEY`; `None` = media sequence number.
    pub iv: Option<[u8; 16]>,
    pub hls_mode: HlsMode,
    /// How site emulations present the room beyond live/offline (`rerun`,
    /// `geo`, `upcoming`, ...); each site documents the modes it knows.
    pub site_mode: Option<String>,
}

impl RoomState {
    /// A fresh room: live from now (session 1), or offline and never live
    /// (session 0, an empty timeline: no playlist, no segments).
    pub fn new(id: &str, settings: &Settings, live: bool) -> RoomState {
        RoomState {
            title: format!("{id} is live"),
            category: "Just Chatting".into(),
            streamer: format!("streamer_{id}"),
            avatar: None,
            live,
            session: u64::from(live),
            started: Instant::now(),
            started_wall: SystemTime::now(),
            ended_ms: if live { None } else { Some(0) },
            seq_shift: 0,
            timeline: Timeline::default(),
            faults: FaultSet::default(),
            encrypted: settings.encrypted,
            key: rand::random(),
            iv: None,
            hls_mode: settings.hls_mode,
            site_mode: None,
        }
    }

    /// The media clock. It starts `window` segments ahead of zero so a fresh
    /// live playlist is already full, then runs at `speed` x wall time.
    pub fn media_now(&self, settings: &Settings) -> u64 {
        if let Some(ended) = self.ended_ms {
            return ended;
        }
        let preroll = settings.window as u64 * SEGMENT_MS;
        let elapsed = self.started.elapsed().as_secs_f64() * settings.speed * 1000.0;
        preroll + elapsed as u64
    }

    /// Wall time until the media clock reaches `ms` (zero if it already has).
    pub fn wall_until(&self, settings: &Settings, ms: u64) -> Duration {
        let now = self.media_now(settings);
        if ms <= now {
            return Duration::ZERO;
        }
        Duration::from_secs_f64((ms - now) as f64 / 1000.0 / settings.speed)
    }

    /// Number of complete segments on the timeline (the live edge index).
    pub fn edge(&self, settings: &Settings) -> u64 {
        self.media_now(settings) / SEGMENT_MS
    }

    /// Timeline indices listed in the media playlist right now.
    pub fn listed(&self, settings: &Settings) -> std::ops::Range<u64> {
        let edge = self.edge(settings);
        edge.saturating_sub(settings.window as u64)..edge
    }

    /// Displayed media sequence of a timeline index.
    pub fn displayed(&self, index: u64) -> i64 {
        index as i64 - self.seq_shift
    }

    /// Timeline index of a displayed sequence, if it is one that can be
    /// downloaded (complete and not yet evicted).
    pub fn downloadable(&self, settings: &Settings, displayed: u64) -> Option<u64> {
        let index = u64::try_from(displayed as i64 + self.seq_shift).ok()?;
        let edge = self.edge(settings);
        let keep = settings.retention.max(settings.window) as u64;
        (index < edge && index + keep >= edge).then_some(index)
    }

    /// Starts a new session (no-op if already live).
    pub fn go_live(&mut self) {
        if self.live {
            return;
        }
        self.live = true;
        self.session += 1;
        self.started = Instant::now();
        self.started_wall = SystemTime::now();
        self.ended_ms = None;
        self.seq_shift = 0;
        self.timeline = Timeline::default();
    }

    /// Freezes the clock; playlists end, FLV streams finish.
    pub fn go_offline(&mut self, settings: &Settings) {
        if !self.live {
            return;
        }
        self.ended_ms = Some(self.media_now(settings));
        self.live = false;
    }

    /// Applies a timeline fault at the live edge (or its explicit time).
    pub fn apply_event(&mut self, settings: &Settings, fault: &Fault) {
        let now = self.media_now(settings);
        match *fault {
            Fault::PlaylistReset { to_seq } => {
                let first = self.listed(settings).start;
                self.seq_shift = first as i64 - to_seq.min(i64::MAX as u64) as i64;
            }
            Fault::TimestampJump { jump_ms, at_ms } => {
                self.timeline.add_jump(at_ms.unwrap_or(now), jump_ms);
            }
            Fault::VariantSwitch { at_ms } => {
                self.timeline.add_switch(at_ms.unwrap_or(now));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(window: usize, retention: usize) -> Settings {
        Settings {
            base_url: "http://x".into(),
            speed: 1.0,
            window,
            retention,
            encrypted: false,
            hls_mode: HlsMode::Ts,
            chat_interval: Duration::from_secs(1),
            flv_backlog: Duration::ZERO,
        }
    }

    #[test]
    fn fresh_room_lists_a_full_window() {
        let s = settings(5, 15);
        let r = RoomState::new("a", &s, true);
        assert_eq!(r.listed(&s), 0..5);
        assert_eq!(r.downloadable(&s, 4), Some(4));
        assert_eq!(r.downloadable(&s, 5), None, "not complete yet");
    }

    #[test]
    fn never_live_room_has_nothing_to_list() {
        let s = settings(5, 15);
        let mut r = RoomState::new("a", &s, false);
        assert!(!r.live);
        assert!(r.listed(&s).is_empty());
        assert_eq!(r.downloadable(&s, 0), None);
        r.go_live();
        assert_eq!(r.session, 1);
        assert_eq!(r.listed(&s), 0..5);
    }

    #[test]
    fn reset_renumbers_and_retention_evicts() {
        let s = settings(3, 4);
        let mut r = RoomState::new("a", &s, true);
        r.ended_ms = Some(20 * SEGMENT_MS); // freeze the clock at edge 20
        assert_eq!(r.listed(&s), 17..20);
        assert_eq!(r.downloadable(&s, 15), None, "evicted");
        assert_eq!(r.downloadable(&s, 16), Some(16));
        r.apply_event(&s, &Fault::PlaylistReset { to_seq: 0 });
        assert_eq!(r.displayed(17), 0);
        assert_eq!(r.downloadable(&s, 2), Some(19));
        assert_eq!(r.downloadable(&s, 3), None);
    }

    #[test]
    fn offline_freezes_and_live_again_restarts() {
        let s = settings(2, 2);
        let mut r = RoomState::new("a", &s, true);
        r.apply_event(&s, &Fault::VariantSwitch { at_ms: None });
        r.go_offline(&s);
        let frozen = r.media_now(&s);
        assert!(!r.live);
        assert_eq!(r.media_now(&s), frozen);
        r.go_live();
        assert_eq!(r.session, 2);
        assert_eq!(r.timeline, Timeline::default());
        assert!(r.media_now(&s) < frozen + 100);
    }
}
