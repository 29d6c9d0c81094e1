//! tracing set-up. CLI commands log to stderr (warn by default). The daemon
//! logs to stderr and to daily rolling files in `<data dir>/logs`, keeping
//! `log_retention_days` files, with a level that config reloads can change.
//!
//! Level precedence: `SREC_LOG` > `-v`/`-q` flags > `daemon.log_level`.
//!
//! While the dashboard owns the terminal nothing is written to stderr: the
//! daemon logs to the files and to a [`memory::LogBuffer`] the log pane reads.

pub mod memory;

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::FilterExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, fmt, reload};

/// Environment variable with a tracing filter that overrides everything.
pub const LOG_ENV: &str = "SREC_LOG";

/// Filter chosen by `-v`/`-q` counts, if any was given.
pub fn flag_filter(verbose: u8, quiet: u8) -> Option<&'static str> {
    match (verbose, quiet) {
        (0, 0) => None,
        (0, 1) => Some("error"),
        (0, _) => Some("off"),
        (1, _) => Some("info"),
        (2, _) => Some("debug"),
        _ => Some("trace"),
    }
}

/// The filter that overrides config, from `SREC_LOG` or the flags.
pub fn override_filter(verbose: u8, quiet: u8) -> Option<String> {
    std::env::var(LOG_ENV)
        .ok()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| flag_filter(verbose, quiet).map(str::to_string))
}

/// Colour only on a terminal and when `NO_COLOR` is unset.
fn stderr_color() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Stderr-only logging for short CLI commands.
pub fn init_cli(verbose: u8, quiet: u8) {
    let filter = override_filter(verbose, quiet).unwrap_or_else(|| "warn".into());
    let filter = EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(
            fmt::layer()
                .with_writer(std::io::stderr)
                .with_target(false)
                .with_ansi(stderr_color()),
        )
        .try_init();
}

/// Where daemon logs go besides the log files.
pub enum LogOutput {
    /// Headless: also to stderr.
    Stderr,
    /// Dashboard: to the in-memory ring of the log pane, never the terminal.
    Pane(memory::LogBuffer),
}

/// Installs a new filter text; `Err` carries why it was refused.
type Reloader = Box<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

/// Daemon logging; keep it alive for the process lifetime (it flushes the
/// file writer on drop).
pub struct DaemonLogging {
    _guard: WorkerGuard,
    /// Installs a new level in the files/stderr filter and the pane's.
    reload: Reloader,
    fixed: bool,
}

/// Daemon logging could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up log files in {dir}")]
pub struct LogInitError {
    dir: String,
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl DaemonLogging {
    /// Installs the global subscriber: log files plus `output`.
    pub fn init(
        logs_dir: &Path,
        retention_days: usize,
        config_level: &str,
        override_level: Option<String>,
        output: LogOutput,
    ) -> Result<Self, LogInitError> {
        let err = |source: Box<dyn std::error::Error + Send + Sync>| LogInitError {
            dir: logs_dir.display().to_string(),
            source,
        };
        std::fs::create_dir_all(logs_dir).map_err(|e| err(e.into()))?;
        let appender = tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("srec")
            .filename_suffix("log")
            .max_log_files(retention_days.max(1))
            .build(logs_dir)
            .map_err(|e| err(e.into()))?;
        let (writer, guard) = tracing_appender::non_blocking(appender);
        let fixed = override_level.is_some();
        let level = override_level.unwrap_or_else(|| config_level.to_string());
        let make = |l: &str| EnvFilter::try_new(l).unwrap_or_else(|_| EnvFilter::new("info"));
        // Two copies of the level: one for the files and stderr, one for
        // the pane, which also takes srec's events down to the level its
        // `l` key chose (`LogBuffer::set_capture`).
        let (main_filter, main_handle) = reload::Layer::new(make(&level));
        let (pane_filter, pane_handle) = reload::Layer::new(make(&level));
        let (stderr, pane) = match output {
            LogOutput::Stderr => (
                Some(
                    fmt::layer()
                        .with_writer(std::io::stderr)
                        .with_target(false)
                        .with_ansi(stderr_color()),
                ),
                None,
            ),
            LogOutput::Pane(buf) => (None, Some(buf)),
        };
        let pane = pane.map(|buf| {
            let extra = buf.capture_filter();
            buf.layer().with_filter(pane_filter.or(extra))
        });
        let files = fmt::layer().with_writer(writer).with_ansi(false);
        tracing_subscriber::registry()
            .with(files.and_then(stderr).with_filter(main_filter))
            .with(pane)
            .try_init()
            .map_err(|e| err(e.into()))?;
        let reload = Box::new(move |level: &str| {
            let parse = || EnvFilter::try_new(level).map_err(|e| e.to_string());
            main_handle.reload(parse()?).map_err(|e| e.to_string())?;
            // Without a pane its filter is gone; nothing to update then.
            let _ = pane_handle.reload(parse()?);
            Ok(())
        });
        Ok(Self {
            _guard: guard,
            reload,
            fixed,
        })
    }

    /// Applies a new `daemon.log_level` unless `SREC_LOG`/flags pinned it.
    pub fn apply_config_level(&self, level: &str) {
        if self.fixed {
            return;
        }
        match (self.reload)(level) {
            Ok(()) => tracing::info!(level, "log level changed"),
            Err(e) => tracing::warn!("ignoring log level `{level}`: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_map_to_levels() {
        assert_eq!(flag_filter(0, 0), None);
        assert_eq!(flag_filter(1, 0), Some("info"));
        assert_eq!(flag_filter(3, 0), Some("trace"));
        assert_eq!(flag_filter(0, 1), Some("error"));
        assert_eq!(flag_filter(0, 2), Some("off"));
    }
}
