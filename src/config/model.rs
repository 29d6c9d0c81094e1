//! The TOML config file model. Every struct rejects unknown keys so a typo is
//! an error, not a silently ignored setting.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use bytesize::ByteSize;
use serde::{Deserialize, Serialize};

/// The whole `config.toml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConfigFile {
    /// Process-wide daemon settings.
    pub daemon: DaemonSettings,
    /// Download slot settings.
    pub download: DownloadSettings,
    /// Loopback REST API of the daemon.
    pub api: ApiSettings,
    /// Global recording options (level 1 of 4).
    pub recording: RecordingOptions,
    /// Per-platform overrides (level 2), keyed by platform name.
    pub platforms: BTreeMap<String, RecordingOptions>,
    /// Named templates streamers can opt into (level 3).
    pub templates: BTreeMap<String, RecordingOptions>,
    /// Dashboard settings (key bindings).
    pub tui: super::tui::TuiSettings,
    /// How each recording engine is built (binaries, arguments, retries).
    pub engines: super::engines::EnginesSettings,
    /// Post-processing worker pools.
    pub pipeline: super::pipeline::PipelineSettings,
    /// Named post-processing DAGs recordings attach with `pipeline = "name"`.
    pub pipelines: BTreeMap<String, super::pipeline::PipelineDef>,
    /// Notification channels and delivery settings.
    pub notify: super::notify::NotifySettings,
}

/// Settings of the `srec run` process itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DaemonSettings {
    /// tracing filter used when neither `SREC_LOG` nor `-v/-q` is given.
    pub log_level: String,
    /// Daily log files kept in `<data dir>/logs`.
    pub log_retention_days: usize,
    /// Bound on graceful shutdown: files finalised and DB flushed within it.
    #[serde(with = "humantime_serde")]
    pub shutdown_timeout: Duration,
}

impl Default for DaemonSettings {
    fn default() -> Self {
        Self {
            log_level: "info".into(),
            log_retention_days: 7,
            shutdown_timeout: Duration::from_secs(30),
        }
    }
}

/// Global download slot limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DownloadSettings {
    /// Recordings running at once for normal/low priority streamers.
    pub max_concurrent: usize,
    /// Extra slots only high-priority streamers may use.
    pub high_priority_slots: usize,
    /// Restart policy after a failed download (engines may override it).
    pub retry: super::engines::RetrySettings,
    /// Circuit breakers per engine config and per CDN host.
    pub circuit_breaker: super::engines::BreakerSettings,
}

impl Default for DownloadSettings {
    fn default() -> Self {
        Self {
            max_concurrent: 6,
            high_priority_slots: 2,
            retry: Default::default(),
            circuit_breaker: Default::default(),
        }
    }
}

/// The daemon's REST API (`srec run` serves it; the CLI uses it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiSettings {
    /// Serve the API at all; off means the CLI falls back to the database.
    pub enabled: bool,
    /// Address to bind; anything but loopback needs `allow_remote` and a token.
    pub address: std::net::IpAddr,
    /// TCP port (0 picks a free one, advertised in the daemon lock file).
    pub port: u16,
    /// Bearer token required on every endpoint but `/api/health/live`;
    /// `SREC_API_TOKEN` wins over it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Permit a non-loopback `address` (only together with a token).
    pub allow_remote: bool,
}

impl Default for ApiSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            address: std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            port: 12555,
            token: None,
            allow_remote: false,
        }
    }
}

/// One level of recording options; `None` means "inherit from the level above".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecordingOptions {
    /// Root folder for recordings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_dir: Option<PathBuf>,
    /// Relative path template without extension: `{streamer} {title} {platform}
    /// {session_id} {index}` plus strftime tokens such as `%Y-%m-%d`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename_template: Option<String>,
    /// Container written to disk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_format: Option<OutputFormat>,
    /// Recording engine.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine: Option<EngineKind>,
    /// Which kind of stream to record when a platform offers several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_format: Option<StreamPreference>,
    /// Which variant to record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality: Option<Quality>,
    /// Closed segments smaller than this are deleted as junk (0 keeps all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_segment_size: Option<ByteSize>,
    /// Least free space in the output folder's filesystem: below it no new
    /// recording starts and running ones stop cleanly until space is back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_free_space: Option<ByteSize>,
    /// Split at the next keyframe past this size (0 = no limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_segment_size: Option<ByteSize>,
    /// Split at the next keyframe past this duration (0 = no limit).
    #[serde(
        with = "humantime_serde",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub max_segment_duration: Option<Duration>,
    /// Time between live checks.
    #[serde(
        with = "humantime_serde",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub check_interval: Option<Duration>,
    /// Consecutive offline checks before a session is closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offline_confirmations: Option<u32>,
    /// HTTP/SOCKS proxy URL; empty string means "no proxy" (overrides a parent level).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
    /// Cookie header value sent to the platform and CDN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cookies: Option<String>,
    /// Extra HTTP headers; merged key by key across levels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
    /// Recording filters; a level that sets them replaces the parent's whole set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Filters>,
    /// Video codecs in order of preference (`["hevc", "avc"]`); a stream in
    /// none of them is taken only when nothing else is offered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codec: Option<Vec<Codec>>,
    /// CDN names or host fragments in order of preference (`["cn-gotcha01"]`).
    /// Bilibili's P2P hosts (`mcdn`) are used only when listed here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cdn: Option<Vec<String>>,
    /// Replaces a platform's API origin (e.g. `http://127.0.0.1:8080/sites/twitch`):
    /// for mirrors and tests. Set it under `[platforms.NAME]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_base: Option<String>,
    /// Twitch: an OAuth token (`auth-token` cookie of a logged-in browser),
    /// sent as `Authorization: OAuth <token>` to Twitch's API only. Secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oauth_token: Option<String>,
    /// Capture the room's live chat (danmu) beside every video segment as
    /// `<segment>.xml`, for platforms that have chat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_danmu: Option<bool>,
    /// Post-processing pipelines run on this recording's files: a name or a
    /// list of names from `[pipelines]`; `""` or `[]` attaches none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<PipelineNames>,
}

/// One pipeline name or several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PipelineNames {
    One(String),
    Many(Vec<String>),
}

impl PipelineNames {
    /// The non-empty names.
    pub fn names(&self) -> Vec<String> {
        match self {
            Self::One(n) => vec![n.clone()],
            Self::Many(v) => v.clone(),
        }
        .into_iter()
        .filter(|n| !n.trim().is_empty())
        .collect()
    }
}

/// A video codec of a stream candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Codec {
    Avc,
    Hevc,
    Av1,
}

impl Codec {
    /// The normalised name platforms report (`avc`, `hevc`, `av1`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Avc => "avc",
            Self::Hevc => "hevc",
            Self::Av1 => "av1",
        }
    }
}

/// Container for output files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// Keep the source container (FLV for FLV, TS for HLS-TS, fMP4 for HLS-fMP4).
    #[default]
    Auto,
    Flv,
    Ts,
    Mp4,
    Mkv,
}

/// Recording engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// srec's in-process HLS/FLV engine.
    #[default]
    Mesio,
    Ffmpeg,
    Streamlink,
}

/// Preferred stream protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum StreamPreference {
    /// The platform's own order.
    #[default]
    Auto,
    Flv,
    Hls,
}

/// Variant choice: `best`, `worst`, `720p` (closest height not above) or
/// `<=3000k` (highest bandwidth not above, in kbit/s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(try_from = "String", into = "String")]
pub enum Quality {
    #[default]
    Best,
    Worst,
    Height(u32),
    MaxKbps(u64),
}

impl FromStr for Quality {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        let bad = || format!("invalid quality `{s}`: use best, worst, 720p or <=3000k");
        match t.as_str() {
            "best" => Ok(Self::Best),
            "worst" => Ok(Self::Worst),
            _ => {
                if let Some(h) = t.strip_suffix('p') {
                    h.parse().map(Self::Height).map_err(|_| bad())
                } else if let Some(k) = t.strip_prefix("<=").and_then(|r| r.strip_suffix('k')) {
                    k.trim().parse().map(Self::MaxKbps).map_err(|_| bad())
                } else {
                    Err(bad())
                }
            }
        }
    }
}

impl TryFrom<String> for Quality {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Quality> for String {
    fn from(q: Quality) -> String {
        q.to_string()
    }
}

impl fmt::Display for Quality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Best => f.write_str("best"),
            Self::Worst => f.write_str("worst"),
            Self::Height(h) => write!(f, "{h}p"),
            Self::MaxKbps(k) => write!(f, "<={k}k"),
        }
    }
}

/// Conditions a live stream must meet to be recorded; otherwise the streamer
/// is `OutOfSchedule`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Filters {
    /// Record only if the title contains one of these (case-insensitive).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub title_include: Vec<String>,
    /// Never record if the title contains one of these (case-insensitive).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub title_exclude: Vec<String>,
    /// Record only in these categories (case-insensitive, exact).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Record only if the title matches this regular expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_regex: Option<String>,
    /// Record only inside one of these weekly time windows.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub schedule: Vec<TimeWindow>,
    /// IANA time zone or `local` for `schedule` and `cron`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Record only while this cron expression's minute matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
}

/// A weekly window such as `days = ["fri", "sat"], start = "20:00", end = "02:00"`
/// (an end before the start wraps past midnight).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeWindow {
    /// Weekdays (`mon`..`sun`); empty means every day.
    #[serde(default)]
    pub days: Vec<String>,
    /// `HH:MM` start.
    pub start: String,
    /// `HH:MM` end.
    pub end: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quality_round_trips() {
        for s in ["best", "worst", "720p", "<=3000k"] {
            let q: Quality = s.parse().unwrap();
            assert_eq!(q.to_string(), s);
        }
        assert!("huge".parse::<Quality>().is_err());
        assert!("p".parse::<Quality>().is_err());
    }
}
