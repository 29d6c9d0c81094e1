//! The streamlink engine: `streamlink --stdout URL QUALITY | ffmpeg -i
//! pipe:0 -c copy -f segment …`. streamlink gets what the platform decides
//! ([`crate::platform::Platform::streamlink_url`]: the channel page so its
//! plugin applies, or a `hls://`/`httpstream://` stream URL for platforms
//! it has no plugin for); ffmpeg segments exactly as in the ffmpeg engine.
//! A stop ends streamlink, so ffmpeg sees the end of its input and
//! finalises the current file.

pub mod args;
pub mod parse;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::ffmpeg::args::{self as ff_args, Input, Options};
use super::ffmpeg::process::{self, Supervision, Upstream};
use super::ffmpeg::{prepare_output, spawn as spawn_ffmpeg, spawn_error, warn_size_split};
use crate::config::EngineKind;
use crate::config::engines::StreamlinkSettings;
use crate::download::engine::{DownloadHandle, DownloadRequest, Engine, EngineError, EventSink};
use crate::download::tools;
use crate::events::DownloadEventKind;
use crate::net::SecretFile;
use crate::platform::PlatformRegistry;

/// No output for this long = stalled (streamlink's own `--stream-timeout`
/// is 60 s; this is the backstop when both processes hang).
pub const STALL_TIMEOUT: Duration = Duration::from_secs(90);

/// streamlink piped into ffmpeg.
#[derive(Debug, Clone, Default)]
pub struct StreamlinkEngine {
    pub settings: StreamlinkSettings,
}

impl StreamlinkEngine {
    pub fn from_settings(settings: &StreamlinkSettings) -> Self {
        Self {
            settings: settings.clone(),
        }
    }
}

impl Engine for StreamlinkEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Streamlink
    }

    fn start(
        &self,
        req: DownloadRequest,
        events: EventSink,
    ) -> Result<DownloadHandle, EngineError> {
        let streamlink = tools::require(&self.settings.path)?;
        let ffmpeg = tools::require(&self.settings.ffmpeg_path)?;
        let (ext, muxer) = ff_args::container(&req);
        let pattern = prepare_output(&req, ext)?;
        warn_size_split(&req);
        let url = PlatformRegistry::default()
            .by_name(&req.platform)
            .streamlink_url(&req.page_url, &req.stream);
        let mut sl_args = args::build(&req, &self.settings, &url);
        // Secrets reach streamlink through a private file, not argv.
        let secrets = args::secret_config(&req, &self.settings);
        let secret_file = if secrets.is_empty() {
            None
        } else {
            let f = SecretFile::create("streamlink", &secrets).map_err(|e| {
                EngineError::Other(format!("cannot write streamlink's option file: {e}"))
            })?;
            sl_args.splice(
                0..0,
                ["--config".to_string(), f.path().display().to_string()],
            );
            Some(f)
        };
        let ff_argv = ff_args::build(&req, &Options::default(), &Input::Stdin, &pattern, muxer)
            .map_err(|e| EngineError::Unsupported(e.0))?;
        tracing::info!(streamer = %req.streamer_name, %url, "starting streamlink");
        let (up, ff) = spawn_pair(&streamlink, &sl_args, &ffmpeg, &ff_argv)?;
        let cancel = CancellationToken::new();
        let sup = Supervision {
            sink: events,
            cancel: cancel.clone(),
            stop_timeout: self.settings.stop_timeout,
            first_index: req.first_index,
            download_id: req.download_id,
            stall_timeout: STALL_TIMEOUT,
        };
        let task = tokio::spawn(async move {
            sup.sink.emit(DownloadEventKind::Started {
                engine: EngineKind::Streamlink,
            });
            process::supervise(ff, Some(up), sup).await;
            drop(secret_file);
        });
        Ok(DownloadHandle::new(cancel, task))
    }
}

/// Starts streamlink with its stdout piped into a new ffmpeg's stdin.
fn spawn_pair(
    streamlink: &Path,
    sl_args: &[String],
    ffmpeg: &Path,
    ff_args: &[String],
) -> Result<(Upstream, tokio::process::Child), EngineError> {
    let mut cmd = crate::download::child::command_with_death_signal(
        streamlink,
        crate::download::child::DeathSignal::Kill,
    );
    cmd.args(sl_args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut up = crate::download::child::spawn(&mut cmd).map_err(|e| spawn_error(streamlink, e))?;
    let pipe: Stdio = up
        .stdout
        .take()
        .ok_or_else(|| EngineError::Other("streamlink stdout unavailable".into()))?
        .try_into()
        .map_err(|e: std::io::Error| EngineError::Other(format!("cannot pipe streamlink: {e}")))?;
    let ff = spawn_ffmpeg(ffmpeg, ff_args, pipe)?;
    Ok((
        Upstream {
            child: up,
            name: "streamlink",
            classify: parse::classify,
        },
        ff,
    ))
}
