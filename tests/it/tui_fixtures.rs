//! Hand-built dashboard data with fixed times, so rendered frames are
//! byte-for-byte stable.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use srec::logging::memory::LogLine;
use srec::streamer::StreamerState;
use srec::tui::data::{Data, DownloadRow, Header, Recording, StreamerRow};
use srec::tui::{AppState, KeyMap, Snapshot, Theme};
use tracing::Level;

/// "Now" of every snapshot: 2025-06-15 15:06:40 UTC.
pub const NOW: i64 = 1_750_000_000_000;
const MIN: i64 = 60_000;
const MIB: u64 = 1024 * 1024;

pub fn header(active: usize) -> Header {
    Header {
        version: "0.1.0".into(),
        started_at_ms: NOW - 90 * MIN,
        data_dir: "/home/me/.local/share/srec".into(),
        output_dir: "/srv/rec".into(),
        disk_free: Some(412 * 1024 * MIB),
        active,
        queued: 0,
        limit: 6,
    }
}

pub fn streamer(id: i64, name: &str, platform: &str, state: StreamerState) -> StreamerRow {
    StreamerRow {
        stopped_by_user: false,
        id,
        name: name.into(),
        url: format!("https://{platform}.example/{name}"),
        platform: platform.into(),
        state,
        enabled: true,
        title: None,
        live_since: None,
        recording: None,
        last_error: None,
        chat_per_min: None,
    }
}

fn log(min_ago: i64, level: Level, text: &str) -> LogLine {
    LogLine {
        at_ms: NOW - min_ago * MIN,
        level,
        text: text.into(),
    }
}

pub fn empty() -> Data {
    Data {
        header: header(0),
        ..Data::default()
    }
}

/// Two streamers recording, one offline, one disabled.
pub fn live() -> Data {
    let mut alice = streamer(1, "alice", "twitch", StreamerState::Live);
    alice.title = Some("Ranked grind, road to top 500 | !schedule".into());
    alice.live_since = Some(NOW - 83 * MIN);
    alice.recording = Some(Recording {
        segment: Some(3),
        bytes: 812 * MIB,
        bitrate: 6_200_000,
    });
    let mut bob = streamer(2, "bob_music", "bilibili", StreamerState::Live);
    bob.title = Some("深夜电台 late night radio".into());
    bob.live_since = Some(NOW - 7 * MIN);
    bob.recording = Some(Recording {
        segment: Some(0),
        bytes: 96 * MIB,
        bitrate: 2_500_000,
    });
    let carol = streamer(3, "carol", "huya", StreamerState::NotLive);
    let mut dave = streamer(4, "dave", "douyu", StreamerState::NotLive);
    dave.enabled = false;
    Data {
        header: header(2),
        streamers: vec![alice, bob, carol, dave],
        downloads: vec![
            DownloadRow {
                download_id: 7,
                streamer_id: 1,
                streamer_name: "alice".into(),
                engine: "mesio".into(),
                started_at_ms: NOW - 83 * MIN,
                duration_ms: 83 * 60_000 + 12_000,
                bytes: 812 * MIB,
                bitrate: 6_200_000,
                segment: Some(3),
                file: Some("alice_20250615-134320_Ranked_grind.flv".into()),
            },
            DownloadRow {
                download_id: 9,
                streamer_id: 2,
                streamer_name: "bob_music".into(),
                engine: "ffmpeg".into(),
                started_at_ms: NOW - 7 * MIN,
                duration_ms: 7 * 60_000 + 3_000,
                bytes: 96 * MIB,
                bitrate: 2_500_000,
                segment: Some(0),
                file: Some("bob_music_20250615-145940.ts".into()),
            },
        ],
        jobs: None,
        throttle: None,
        logs: vec![
            log(90, Level::INFO, "srec ready in 12 ms streamers=4"),
            log(
                83,
                Level::INFO,
                "live: session opened streamer=1 session=41",
            ),
            log(
                83,
                Level::INFO,
                "segment opened streamer=1 session=41 index=0",
            ),
            log(20, Level::DEBUG, "check streamer=3 live=false"),
            log(7, Level::INFO, "live: session opened streamer=2 session=42"),
        ],
    }
}

/// Streamers in every failing state.
pub fn errors() -> Data {
    let mut eve = streamer(5, "eve", "generic", StreamerState::Error);
    eve.last_error = Some("connection failed: 403 Forbidden from cdn.example".into());
    let mut gone = streamer(6, "gone", "twitch", StreamerState::NotFound);
    gone.last_error = Some("the platform says this room does not exist".into());
    let mut late = streamer(7, "night_owl", "twitch", StreamerState::OutOfSchedule);
    late.title = Some("just chatting".into());
    late.live_since = Some(NOW - 30 * MIN);
    let mut flaky = streamer(8, "flaky", "huya", StreamerState::Live);
    flaky.title = Some("back after a crash".into());
    flaky.live_since = Some(NOW - 2 * MIN);
    flaky.last_error = Some("download stalled for 30s".into());
    Data {
        header: Header {
            disk_free: None,
            ..header(0)
        },
        streamers: vec![eve, gone, late, flaky],
        downloads: Vec::new(),
        jobs: None,
        throttle: None,
        logs: vec![
            log(
                3,
                Level::WARN,
                "download failed: stalled for 30s; restarting in 5s streamer=8",
            ),
            log(
                1,
                Level::ERROR,
                "check failed: connection failed: 403 Forbidden streamer=5",
            ),
        ],
    }
}

/// Renders one frame at `w`x`h` with colours off and the UTC clock.
pub fn render(state: &AppState, w: u16, h: u16) -> Terminal<TestBackend> {
    render_with(state, &KeyMap::default(), w, h, Theme { color: false })
}

pub fn render_with(
    state: &AppState,
    keys: &KeyMap,
    w: u16,
    h: u16,
    theme: Theme,
) -> Terminal<TestBackend> {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    let snap = Snapshot {
        state,
        keys,
        now_ms: NOW,
        utc_offset_s: 0,
        theme,
    };
    term.draw(|f| f.render_widget(&snap, f.area()))
        .expect("draw");
    term
}
