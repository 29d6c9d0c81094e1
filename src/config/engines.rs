//! Engine and download-robustness settings: `[engines.mesio|ffmpeg|streamlink]`
//! (binaries, extra arguments, stop timeouts, per-engine retry overrides)
//! and the `[download.retry]` / `[download.circuit_breaker]` tables.
//! Kept apart from `model.rs` so the recording options stay readable.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use bytesize::ByteSize;
use serde::{Deserialize, Serialize};

use super::model::EngineKind;

/// How a failed download is restarted (exponential backoff with jitter).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetrySettings {
    /// Quick restarts in a row after retryable failures; past it the streamer
    /// shows `error` and retries continue every `error_interval`.
    pub max_attempts: u32,
    /// Delay before the first restart (kept short so a dropped connection
    /// costs well under 2 s of stream).
    #[serde(with = "humantime_serde")]
    pub initial_delay: Duration,
    /// Upper bound of the backoff.
    #[serde(with = "humantime_serde")]
    pub max_delay: Duration,
    /// Growth factor between attempts.
    pub multiplier: f64,
    /// Random spread of each delay, as a fraction (0.2 = ±20 %), so many
    /// recordings failing together do not retry in lockstep.
    pub jitter: f64,
    /// Retry cadence after a non-retryable error (missing binary, disk full)
    /// or once `max_attempts` is used up: a fixed config applies then.
    #[serde(with = "humantime_serde")]
    pub error_interval: Duration,
}

impl Default for RetrySettings {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            multiplier: 2.0,
            jitter: 0.2,
            error_interval: Duration::from_secs(60),
        }
    }
}

/// Per-engine retry overrides; unset keys come from `[download.retry]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    #[serde(
        with = "humantime_serde",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub initial_delay: Option<Duration>,
    #[serde(
        with = "humantime_serde",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub max_delay: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multiplier: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jitter: Option<f64>,
    #[serde(
        with = "humantime_serde",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub error_interval: Option<Duration>,
}

impl RetryOverrides {
    /// `base` with the keys this level sets replaced.
    pub fn apply(&self, base: &RetrySettings) -> RetrySettings {
        RetrySettings {
            max_attempts: self.max_attempts.unwrap_or(base.max_attempts),
            initial_delay: self.initial_delay.unwrap_or(base.initial_delay),
            max_delay: self.max_delay.unwrap_or(base.max_delay),
            multiplier: self.multiplier.unwrap_or(base.multiplier),
            jitter: self.jitter.unwrap_or(base.jitter),
            error_interval: self.error_interval.unwrap_or(base.error_interval),
        }
    }
}

/// Circuit breakers per streamer's engine+config and per CDN host
/// (persisted, so they stay open across a restart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BreakerSettings {
    /// Consecutive failures that open a breaker (0 disables breakers).
    pub failures: u32,
    /// Time an open breaker refuses downloads before one trial is let through.
    #[serde(with = "humantime_serde")]
    pub cooldown: Duration,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        Self {
            failures: 5,
            cooldown: Duration::from_secs(60),
        }
    }
}

/// `[engines]`: how each engine is built.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnginesSettings {
    pub mesio: MesioSettings,
    pub ffmpeg: FfmpegSettings,
    pub streamlink: StreamlinkSettings,
}

impl EnginesSettings {
    /// The retry policy of one engine: `[download.retry]` + its overrides.
    pub fn retry_for(&self, kind: EngineKind, base: &RetrySettings) -> RetrySettings {
        match kind {
            EngineKind::Mesio => self.mesio.retry.apply(base),
            EngineKind::Ffmpeg => self.ffmpeg.retry.apply(base),
            EngineKind::Streamlink => self.streamlink.retry.apply(base),
        }
    }

    /// Text identifying the settings a download of `kind` depends on; the
    /// engine circuit breaker is keyed by it so a config fix starts afresh.
    pub fn fingerprint(&self, kind: EngineKind) -> String {
        let json = match kind {
            EngineKind::Mesio => serde_json::to_string(&self.mesio),
            EngineKind::Ffmpeg => serde_json::to_string(&self.ffmpeg),
            EngineKind::Streamlink => serde_json::to_string(&self.streamlink),
        };
        json.unwrap_or_default()
    }
}

/// `[engines.mesio]`: the in-process engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MesioSettings {
    /// Bytes received but not yet written, per recording.
    pub memory_cap: ByteSize,
    /// An FLV source silent this long is a (retryable) failure.
    #[serde(with = "humantime_serde")]
    pub stall_timeout: Duration,
    /// Overrides of `[download.retry]` for this engine.
    pub retry: RetryOverrides,
}

impl Default for MesioSettings {
    fn default() -> Self {
        Self {
            memory_cap: ByteSize::mib(8),
            stall_timeout: Duration::from_secs(20),
            retry: RetryOverrides::default(),
        }
    }
}

/// `[engines.ffmpeg]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FfmpegSettings {
    /// Binary: a name looked up on PATH or a path.
    pub path: PathBuf,
    /// Extra input options, inserted before `-i` (e.g. `-reconnect 1`).
    pub extra_args: Vec<String>,
    /// Extra output options, inserted before the output file.
    pub output_args: Vec<String>,
    /// Time ffmpeg gets to finalise after `q` (an mp4 needs it for its moov).
    #[serde(with = "humantime_serde")]
    pub stop_timeout: Duration,
    /// A source silent this long makes ffmpeg exit (`-rw_timeout`).
    #[serde(with = "humantime_serde")]
    pub rw_timeout: Duration,
    pub retry: RetryOverrides,
}

impl Default for FfmpegSettings {
    fn default() -> Self {
        Self {
            path: PathBuf::from("ffmpeg"),
            extra_args: Vec::new(),
            output_args: Vec::new(),
            stop_timeout: Duration::from_secs(60),
            rw_timeout: Duration::from_secs(15),
            retry: RetryOverrides::default(),
        }
    }
}

/// `[engines.streamlink]`: streamlink piped into ffmpeg.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StreamlinkSettings {
    /// streamlink binary (name on PATH or path).
    pub path: PathBuf,
    /// ffmpeg binary that segments streamlink's output.
    pub ffmpeg_path: PathBuf,
    /// Extra streamlink options, passed before the URL.
    pub extra_args: Vec<String>,
    /// Time ffmpeg gets to finalise once streamlink is stopped.
    #[serde(with = "humantime_serde")]
    pub stop_timeout: Duration,
    /// `--twitch-low-latency`.
    pub twitch_low_latency: bool,
    /// `--twitch-supported-codecs` ("" = streamlink's default).
    pub twitch_supported_codecs: String,
    /// `--twitch-api-header KEY=VALUE` (e.g. `Authorization = "OAuth …"`).
    pub twitch_api_headers: BTreeMap<String, String>,
    pub retry: RetryOverrides,
}

impl Default for StreamlinkSettings {
    fn default() -> Self {
        Self {
            path: PathBuf::from("streamlink"),
            ffmpeg_path: PathBuf::from("ffmpeg"),
            extra_args: Vec::new(),
            stop_timeout: Duration::from_secs(60),
            twitch_low_latency: false,
            twitch_supported_codecs: String::new(),
            twitch_api_headers: BTreeMap::new(),
            retry: RetryOverrides::default(),
        }
    }
}

/// Checks `[download.retry]`, `[download.circuit_breaker]` and `[engines]`;
/// returns the dotted key and the problem.
pub fn validate(
    retry: &RetrySettings,
    breaker: &BreakerSettings,
    engines: &EnginesSettings,
) -> Result<(), (String, String)> {
    check_retry(retry, "download.retry")?;
    for kind in [
        EngineKind::Mesio,
        EngineKind::Ffmpeg,
        EngineKind::Streamlink,
    ] {
        let name = format!("{kind:?}").to_ascii_lowercase();
        check_retry(
            &engines.retry_for(kind, retry),
            &format!("engines.{name}.retry"),
        )?;
    }
    if breaker.failures > 0 && breaker.cooldown < Duration::from_secs(1) {
        return Err((
            "download.circuit_breaker.cooldown".into(),
            "must be at least 1s".into(),
        ));
    }
    if engines.mesio.memory_cap < ByteSize::kib(256) {
        return Err((
            "engines.mesio.memory_cap".into(),
            "must be at least 256 KiB".into(),
        ));
    }
    let durations = [
        ("engines.mesio.stall_timeout", engines.mesio.stall_timeout),
        ("engines.ffmpeg.stop_timeout", engines.ffmpeg.stop_timeout),
        ("engines.ffmpeg.rw_timeout", engines.ffmpeg.rw_timeout),
        (
            "engines.streamlink.stop_timeout",
            engines.streamlink.stop_timeout,
        ),
    ];
    for (key, d) in durations {
        if d < Duration::from_secs(1) {
            return Err((key.into(), "must be at least 1s".into()));
        }
    }
    let paths = [
        ("engines.ffmpeg.path", &engines.ffmpeg.path),
        ("engines.streamlink.path", &engines.streamlink.path),
        (
            "engines.streamlink.ffmpeg_path",
            &engines.streamlink.ffmpeg_path,
        ),
    ];
    for (key, p) in paths {
        if p.as_os_str().is_empty() {
            return Err((key.into(), "must not be empty".into()));
        }
    }
    for (name, value) in &engines.streamlink.twitch_api_headers {
        let bad_name = name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':');
        if bad_name || value.chars().any(char::is_control) {
            return Err((
                "engines.streamlink.twitch_api_headers".into(),
                format!("header `{name}` has an invalid name or a line break in its value"),
            ));
        }
    }
    Ok(())
}

fn check_retry(r: &RetrySettings, key: &str) -> Result<(), (String, String)> {
    let bad = |k: &str, m: &str| Err((format!("{key}.{k}"), m.to_string()));
    if r.initial_delay < Duration::from_millis(10) {
        return bad("initial_delay", "must be at least 10ms");
    }
    if r.max_delay < r.initial_delay {
        return bad("max_delay", "must not be below initial_delay");
    }
    if !(1.0..=10.0).contains(&r.multiplier) {
        return bad("multiplier", "must be between 1 and 10");
    }
    if !(0.0..=1.0).contains(&r.jitter) {
        return bad("jitter", "must be between 0 and 1");
    }
    if r.error_interval < Duration::from_secs(1) {
        return bad("error_interval", "must be at least 1s");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_retry_overrides_merge_over_download_retry() {
        let mut e = EnginesSettings::default();
        e.ffmpeg.retry.max_attempts = Some(3);
        let base = RetrySettings::default();
        let r = e.retry_for(EngineKind::Ffmpeg, &base);
        assert_eq!(r.max_attempts, 3);
        assert_eq!(r.initial_delay, base.initial_delay);
        assert_eq!(e.retry_for(EngineKind::Mesio, &base), base);
        assert_ne!(
            e.fingerprint(EngineKind::Ffmpeg),
            EnginesSettings::default().fingerprint(EngineKind::Ffmpeg)
        );
    }
}
