//! Platforms: the [`Platform`] trait every site implements (live checks,
//! optional batch checks, error classification), the registry that maps a
//! streamer to its platform, and URL resolution for `srec add`.

pub mod fake;
pub mod generic;
pub mod http;
pub mod registry;
pub mod url;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub use registry::{KNOWN_PLATFORMS, PlatformRegistry};
pub use url::{ResolvedUrl, UrlError, resolve};

use crate::config::EffectiveConfig;

/// A boxed future, so platforms can be used as trait objects.
pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Media container of a stream URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StreamFormat {
    Hls,
    Flv,
}

/// One playable stream offered by a platform for a live room.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StreamCandidate {
    pub url: String,
    pub format: StreamFormat,
    /// Platform's quality label (`source`, `720p`, ...).
    pub quality: String,
    /// Bits per second when known.
    pub bitrate: Option<u64>,
    pub codec: Option<String>,
}

/// What a live check found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LiveStatus {
    pub live: bool,
    pub title: Option<String>,
    pub category: Option<String>,
    pub avatar: Option<String>,
    /// Playable streams, best first; empty when offline.
    pub streams: Vec<StreamCandidate>,
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
}

/// Inputs of one check.
pub struct CheckContext<'a> {
    /// The streamer's URL (for batch checks: any member's URL).
    pub url: &'a str,
    pub http: &'a reqwest::Client,
    pub config: &'a EffectiveConfig,
}

/// A group of streamers that one batch request can check.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BatchGroup {
    /// Same key = same batch request (e.g. the API origin).
    pub key: String,
    /// The room id inside the batch.
    pub id: String,
}

/// The stream URL with streamlink's protocol prefix (`hls://` for HLS,
/// `httpstream://` for HTTP-FLV), for sites streamlink has no plugin for.
pub fn prefixed_stream_url(stream: &StreamCandidate) -> String {
    match stream.format {
        StreamFormat::Hls => format!("hls://{}", stream.url),
        StreamFormat::Flv => format!("httpstream://{}", stream.url),
    }
}

/// A live platform.
pub trait Platform: Send + Sync {
    /// Stable name: config key `[platforms.NAME]` and `streamers.platform`.
    fn name(&self) -> &'static str;

    /// Whether this platform handles the URL.
    fn matches(&self, url: &::url::Url) -> bool;

    /// Is the room live, and with which streams.
    fn check_live<'a>(
        &'a self,
        ctx: &'a CheckContext<'a>,
    ) -> BoxFut<'a, Result<LiveStatus, PlatformError>>;

    /// What the streamlink engine is given: by default the channel page, so
    /// streamlink's own plugin for the site resolves (and refreshes) the
    /// stream. Platforms streamlink has no plugin for return
    /// [`prefixed_stream_url`].
    fn streamlink_url(&self, page: &str, _stream: &StreamCandidate) -> String {
        page.to_string()
    }

    /// For batch-capable platforms: the group and id of a streamer URL.
    fn batch_group(&self, _url: &str) -> Option<BatchGroup> {
        None
    }

    /// Most rooms one batch request may name (platforms cap it).
    fn max_batch(&self) -> usize {
        100
    }

    /// Checks many rooms of one group in one request. Rooms missing from
    /// the answer do not exist.
    fn check_batch<'a>(
        &'a self,
        _ctx: &'a CheckContext<'a>,
        _ids: &'a [String],
    ) -> BoxFut<'a, Result<HashMap<String, LiveStatus>, PlatformError>> {
        Box::pin(async {
            Err(PlatformError::Transient(
                "batch checks are not supported".into(),
            ))
        })
    }
}
