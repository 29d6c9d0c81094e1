//! What a platform check produces: the room's live status, its playable
//! stream candidates, the room identity other services need (chat capture,
//! canonical ids), and classified errors.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Media container of a stream URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum StreamFormat {
    #[default]
    Hls,
    Flv,
}

impl std::fmt::Display for StreamFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Hls => "hls",
            Self::Flv => "flv",
        })
    }
}

/// One playable stream offered by a platform for a live room. Everything
/// but `url`, `format` and `quality` is optional: platforms fill in what
/// they know, and [`super::select`] ranks on it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamCandidate {
    pub url: String,
    pub format: StreamFormat,
    /// Platform's quality label (`source`, `1080p60`, `原画`, ...).
    pub quality: String,
    /// Bits per second when known.
    pub bitrate: Option<u64>,
    /// Video codec: `avc`, `hevc` or `av1` (normalised; see [`normalise_codec`]).
    pub codec: Option<String>,
    /// Picture height in pixels when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// CDN name or host the URL points at (matched by the `cdn` preference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cdn: Option<String>,
    /// Request headers the media server expects (Referer, User-Agent, ...).
    /// Added to every engine's media requests; the user's own `headers`
    /// config wins on a clash.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Unix seconds after which the URL's signature is no longer accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

impl StreamCandidate {
    /// A candidate with only the required fields set.
    pub fn new(url: impl Into<String>, format: StreamFormat, quality: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            format,
            quality: quality.into(),
            ..Self::default()
        }
    }

    /// Whether the URL's signature has run out at `now` (unix seconds).
    pub fn expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|t| t <= now)
    }
}

/// `avc`/`h264`/`avc1.*` → `avc`, `hevc`/`h265`/`hvc1.*`/`hev1.*` → `hevc`,
/// `av1`/`av01.*` → `av1`; anything else lower-cased as it is.
pub fn normalise_codec(raw: &str) -> String {
    let c = raw.trim().to_ascii_lowercase();
    let video = c.split(',').map(str::trim).find(|p| !p.starts_with("mp4a"));
    let c = video.unwrap_or(&c);
    if c.starts_with("avc") || c == "h264" || c == "264" {
        "avc".into()
    } else if c.starts_with("hvc") || c.starts_with("hev") || c == "h265" || c == "265" {
        "hevc".into()
    } else if c.starts_with("av01") || c == "av1" {
        "av1".into()
    } else {
        c.to_string()
    }
}

/// Who the room is on its platform: what chat capture and canonical ids
/// need later (Bilibili room id + anchor uid, Twitch login, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomIdentity {
    /// The platform's canonical room id (a Bilibili long room id, a Twitch
    /// login in lower case, a YouTube video id while live).
    pub id: String,
    /// The owner's account id when the platform has one (Bilibili uid,
    /// Huya `lp`, YouTube channel id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// The owner's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_name: Option<String>,
}

/// What a live check found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveStatus {
    pub live: bool,
    pub title: Option<String>,
    pub category: Option<String>,
    pub avatar: Option<String>,
    /// Playable streams, the platform's preferred first; empty when offline.
    pub streams: Vec<StreamCandidate>,
    /// Unix milliseconds the broadcast started, when the site says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<i64>,
    /// Unix milliseconds an announced (upcoming) broadcast is scheduled for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_at: Option<i64>,
    /// The room's identity on the platform, when the check learned it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<RoomIdentity>,
    /// Why a room that has a broadcast running is reported offline
    /// (`rerun`, `replay`, `upcoming`...), for `srec probe`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A failed check, classified so the scheduler can react.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    /// The room does not exist (deleted, banned, typo).
    #[error("room not found: {0}")]
    NotFound(String),
    /// Cookies or a login are needed.
    #[error("authentication required: {0}")]
    AuthRequired(String),
    /// Too many requests; back off.
    #[error("rate limited{}", retry_after.map(|d| format!(" (retry after {}s)", d.as_secs())).unwrap_or_default())]
    RateLimited { retry_after: Option<Duration> },
    /// The site refuses to serve this room in the client's region.
    #[error("geo-blocked: {0}")]
    GeoBlocked(String),
    /// The site's answer no longer has the shape srec knows: the message
    /// names the missing field path so users can report it.
    #[error("the site's API changed: {0}; please report this")]
    ApiChanged(String),
    /// Network trouble or a server error; try again later.
    #[error("{0}")]
    Transient(String),
}

impl PlatformError {
    /// Classifies an HTTP status of a platform API.
    pub fn from_status(status: u16, url: &str, retry_after: Option<Duration>) -> Self {
        match status {
            404 | 410 => Self::NotFound(format!("HTTP {status} from {url}")),
            401 | 403 => Self::AuthRequired(format!("HTTP {status} from {url}")),
            412 => Self::RateLimited { retry_after },
            429 => Self::RateLimited { retry_after },
            _ => Self::Transient(format!("HTTP {status} from {url}")),
        }
    }

    /// Classifies a transport error.
    pub fn from_reqwest(e: &reqwest::Error) -> Self {
        let what = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "connection failed"
        } else if e.is_decode() {
            "unreadable response"
        } else {
            "request failed"
        };
        let url = e.url().map(|u| u.as_str()).unwrap_or("?");
        Self::Transient(format!("{what}: {url}"))
    }

    /// A field the parser needed is missing or has the wrong type.
    pub fn missing(api: &str, path: &str) -> Self {
        Self::ApiChanged(format!("{api}: missing or invalid field `{path}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codecs_are_normalised() {
        for (raw, want) in [
            ("avc1.64002A,mp4a.40.2", "avc"),
            ("mp4a.40.2,avc1.4D401F", "avc"),
            ("H264", "avc"),
            ("hvc1.1.6.L150.B0", "hevc"),
            ("hev1.2", "hevc"),
            ("h265", "hevc"),
            ("av01.0.08M.08", "av1"),
            ("vp9", "vp9"),
        ] {
            assert_eq!(normalise_codec(raw), want, "{raw}");
        }
    }

    #[test]
    fn expiry() {
        let mut c = StreamCandidate::new("u", StreamFormat::Flv, "source");
        assert!(!c.expired(100));
        c.expires_at = Some(100);
        assert!(c.expired(100) && !c.expired(99));
    }

    #[test]
    fn old_events_without_new_fields_still_decode() {
        let old = r#"{"url":"u","format":"hls","quality":"source","bitrate":null,"codec":null}"#;
        let c: StreamCandidate = serde_json::from_str(old).unwrap();
        assert_eq!(c, StreamCandidate::new("u", StreamFormat::Hls, "source"));
    }
}
