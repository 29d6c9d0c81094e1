//! Server-wide settings chosen when the server starts.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Container of HLS media segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HlsMode {
    /// MPEG-TS segments (`.ts`).
    #[default]
    Ts,
    /// Fragmented MP4: an init section (`#EXT-X-MAP`) plus `.m4s` fragments.
    Fmp4,
}

/// How the server behaves; `Default` is what tests want most of the time.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// TCP port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Media clock rate relative to wall time: 4.0 makes playlists advance
    /// and FLV tags arrive four times faster than real time.
    pub speed: f64,
    /// Segments listed in each live media playlist.
    pub window: usize,
    /// How many segments behind the live edge can still be downloaded
    /// (older ones 404, like a CDN that has evicted them). At least `window`.
    pub retention: usize,
    /// Segment container for rooms that do not override it.
    pub hls_mode: HlsMode,
    /// Whether new rooms serve AES-128 encrypted HLS.
    pub encrypted: bool,
    /// Period of scripted chat messages on `/ws/{id}`; zero disables them
    /// (messages pushed with `Room::send_chat` still flow).
    pub chat_interval: Duration,
    /// How far behind the live edge an HTTP-FLV connection starts (it then
    /// starts at the keyframe before that point and bursts up to the edge),
    /// like a CDN's multi-second GOP cache. Zero: the last keyframe.
    pub flv_backlog: Duration,
    /// Rooms created (live) at start.
    pub rooms: Vec<String>,
    /// A fixture set to serve instead of the embedded one: a directory with
    /// `a/` and `b/` as `gen-fixtures.sh --out DIR` writes them (e.g. HD
    /// clips for benchmarks). Read once at start; [`FakeLive::start`] fails
    /// with an error naming the file if one is missing or invalid.
    ///
    /// [`FakeLive::start`]: crate::FakeLive::start
    pub fixtures: Option<PathBuf>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            port: 0,
            speed: 1.0,
            window: 5,
            retention: 15,
            hls_mode: HlsMode::Ts,
            encrypted: false,
            chat_interval: Duration::from_secs(1),
            flv_backlog: Duration::ZERO,
            rooms: Vec::new(),
            fixtures: None,
        }
    }
}

impl ServerOptions {
    /// Rejects settings that would make the timeline meaningless.
    pub(crate) fn validate(&self) -> std::io::Result<()> {
        let bad = |msg: &str| {
            Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                msg.to_owned(),
            ))
        };
        if !(self.speed.is_finite() && self.speed > 0.0) {
            return bad("speed must be a positive number");
        }
        if self.window == 0 {
            return bad("window must be at least one segment");
        }
        if self.rooms.iter().any(|r| !valid_room_id(r)) {
            return bad("room ids may contain only ASCII letters, digits, '-' and '_'");
        }
        Ok(())
    }
}

/// Room ids appear in URL paths; keep them to a safe alphabet.
pub(crate) fn valid_room_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_bad_values_are_rejected() {
        assert!(ServerOptions::default().validate().is_ok());
        let zero_speed = ServerOptions {
            speed: 0.0,
            ..Default::default()
        };
        assert!(zero_speed.validate().is_err());
        let bad_room = ServerOptions {
            rooms: vec!["a/b".into()],
            ..Default::default()
        };
        assert!(bad_room.validate().is_err());
        assert!(valid_room_id("room_1-x"));
        assert!(!valid_room_id(""));
    }
}
