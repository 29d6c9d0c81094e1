//! Upper bounds of every duration, size and count in the config, checked at
//! load. A value past its bound is a config error naming the key, because a
//! huge value passes serde and only fails later (e.g. `check_interval =
//! "500000000000y"` overflowed `Instant + Duration` inside the actors). The
//! bounds are generous; they are listed in README's configuration section.

use std::time::Duration;

use bytesize::ByteSize;

use super::engines::{EnginesSettings, RetryOverrides, RetrySettings};
use super::model::{ConfigFile, RecordingOptions};

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(24 * 3600);

/// Longest `check_interval`: checking less than daily is not monitoring.
pub const MAX_CHECK_INTERVAL: Duration = DAY;
/// Longest `max_segment_duration`: a week-long segment is effectively "no limit".
pub const MAX_SEGMENT_DURATION: Duration = Duration::from_secs(7 * 24 * 3600);
/// Largest `min_segment_size` / `max_segment_size`.
pub const MAX_SEGMENT_SIZE: ByteSize = ByteSize::tib(1);
/// Largest `min_free_space`.
pub const MAX_MIN_FREE_SPACE: ByteSize = ByteSize::tib(1);
/// Longest shutdown, stop and stall timeouts.
pub const MAX_TIMEOUT: Duration = HOUR;
/// Longest retry delay, error interval and breaker cooldown.
pub const MAX_RETRY_DELAY: Duration = DAY;
/// Largest per-recording memory buffer of mesio.
pub const MAX_MEMORY_CAP: ByteSize = ByteSize::gib(4);
/// Largest counts (`offline_confirmations`, `max_attempts`, breaker `failures`).
pub const MAX_COUNT: u32 = 10_000;
/// Most download slots (`max_concurrent`).
pub const MAX_SLOTS: usize = 1_000;
/// Longest log retention, in days (ten years).
pub const MAX_LOG_RETENTION_DAYS: usize = 3_650;

/// A key whose value is past its bound, and the message for it.
pub type Exceeded = (String, String);

fn too_long(key: &str, d: Duration, max: Duration) -> Result<(), Exceeded> {
    if d > max {
        return Err((
            key.to_string(),
            format!("must be at most {}", humantime::format_duration(max)),
        ));
    }
    Ok(())
}

fn too_big(key: &str, s: ByteSize, max: ByteSize) -> Result<(), Exceeded> {
    if s > max {
        return Err((
            key.to_string(),
            format!("must be at most {}", max.display().iec()),
        ));
    }
    Ok(())
}

fn too_many(key: &str, n: u64, max: u64) -> Result<(), Exceeded> {
    if n > max {
        return Err((key.to_string(), format!("must be at most {max}")));
    }
    Ok(())
}

/// Checks the process-wide sections (daemon, download, engines).
pub fn check_file(f: &ConfigFile) -> Result<(), Exceeded> {
    too_long(
        "daemon.shutdown_timeout",
        f.daemon.shutdown_timeout,
        MAX_TIMEOUT,
    )?;
    too_many(
        "daemon.log_retention_days",
        f.daemon.log_retention_days as u64,
        MAX_LOG_RETENTION_DAYS as u64,
    )?;
    too_many(
        "download.max_concurrent",
        f.download.max_concurrent as u64,
        MAX_SLOTS as u64,
    )?;
    check_retry(&f.download.retry, "download.retry")?;
    let b = &f.download.circuit_breaker;
    too_many(
        "download.circuit_breaker.failures",
        b.failures.into(),
        MAX_COUNT.into(),
    )?;
    too_long(
        "download.circuit_breaker.cooldown",
        b.cooldown,
        MAX_RETRY_DELAY,
    )?;
    check_engines(&f.engines)
}

fn check_engines(e: &EnginesSettings) -> Result<(), Exceeded> {
    too_big(
        "engines.mesio.memory_cap",
        e.mesio.memory_cap,
        MAX_MEMORY_CAP,
    )?;
    let timeouts = [
        ("engines.mesio.stall_timeout", e.mesio.stall_timeout),
        ("engines.ffmpeg.stop_timeout", e.ffmpeg.stop_timeout),
        ("engines.ffmpeg.rw_timeout", e.ffmpeg.rw_timeout),
        ("engines.streamlink.stop_timeout", e.streamlink.stop_timeout),
    ];
    for (key, d) in timeouts {
        too_long(key, d, MAX_TIMEOUT)?;
    }
    check_overrides(&e.mesio.retry, "engines.mesio.retry")?;
    check_overrides(&e.ffmpeg.retry, "engines.ffmpeg.retry")?;
    check_overrides(&e.streamlink.retry, "engines.streamlink.retry")
}

fn check_retry(r: &RetrySettings, prefix: &str) -> Result<(), Exceeded> {
    check_overrides(
        &RetryOverrides {
            max_attempts: Some(r.max_attempts),
            initial_delay: Some(r.initial_delay),
            max_delay: Some(r.max_delay),
            error_interval: Some(r.error_interval),
            ..Default::default()
        },
        prefix,
    )
}

fn check_overrides(r: &RetryOverrides, prefix: &str) -> Result<(), Exceeded> {
    let key = |k: &str| format!("{prefix}.{k}");
    if let Some(n) = r.max_attempts {
        too_many(&key("max_attempts"), n.into(), MAX_COUNT.into())?;
    }
    let delays = [
        ("initial_delay", r.initial_delay),
        ("max_delay", r.max_delay),
        ("error_interval", r.error_interval),
    ];
    for (k, d) in delays {
        if let Some(d) = d {
            too_long(&key(k), d, MAX_RETRY_DELAY)?;
        }
    }
    Ok(())
}

/// Checks one level of recording options; `prefix` is its dotted key.
pub fn check_options(o: &RecordingOptions, prefix: &str) -> Result<(), Exceeded> {
    let key = |k: &str| format!("{prefix}.{k}");
    if let Some(d) = o.check_interval {
        too_long(&key("check_interval"), d, MAX_CHECK_INTERVAL)?;
    }
    if let Some(d) = o.max_segment_duration {
        too_long(&key("max_segment_duration"), d, MAX_SEGMENT_DURATION)?;
    }
    if let Some(s) = o.min_segment_size {
        too_big(&key("min_segment_size"), s, MAX_SEGMENT_SIZE)?;
    }
    if let Some(s) = o.max_segment_size {
        too_big(&key("max_segment_size"), s, MAX_SEGMENT_SIZE)?;
    }
    if let Some(s) = o.min_free_space {
        too_big(&key("min_free_space"), s, MAX_MIN_FREE_SPACE)?;
    }
    if let Some(n) = o.offline_confirmations {
        too_many(&key("offline_confirmations"), n.into(), MAX_COUNT.into())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::load::test_error as err;
    use std::path::Path;

    #[test]
    fn huge_values_are_config_errors_naming_the_key() {
        let cases = [
            (
                "[recording]\ncheck_interval = \"500000000000y\"",
                "recording.check_interval",
            ),
            (
                "[platforms.fake]\nmax_segment_duration = \"30days\"",
                "platforms.fake.max_segment_duration",
            ),
            (
                "[templates.t]\nmax_segment_size = \"5 PiB\"",
                "templates.t.max_segment_size",
            ),
            (
                "[daemon]\nshutdown_timeout = \"2days\"",
                "daemon.shutdown_timeout",
            ),
            (
                "[download]\nmax_concurrent = 100000",
                "download.max_concurrent",
            ),
            (
                "[download.retry]\nerror_interval = \"400years\"",
                "download.retry.error_interval",
            ),
            (
                "[engines.ffmpeg.retry]\nmax_delay = \"3days\"\ninitial_delay = \"1s\"",
                "engines.ffmpeg.retry.max_delay",
            ),
            (
                "[engines.mesio]\nmemory_cap = \"100 GiB\"",
                "engines.mesio.memory_cap",
            ),
            (
                "[download.circuit_breaker]\ncooldown = \"9999days\"",
                "download.circuit_breaker.cooldown",
            ),
        ];
        for (text, key) in cases {
            let msg = err(text);
            assert!(msg.contains(&format!("`{key}`")), "{text} -> {msg}");
            assert!(msg.contains("must be at most"), "{text} -> {msg}");
        }
    }

    #[test]
    fn values_at_the_bounds_pass() {
        crate::config::parse_str(
            "[recording]\ncheck_interval = \"1day\"\nmax_segment_duration = \"7days\"\n\
             max_segment_size = \"1 TiB\"\n[daemon]\nshutdown_timeout = \"1h\"\n",
            Path::new("c.toml"),
        )
        .unwrap();
    }
}
