//! The ffmpeg engine: `ffmpeg -i URL -c copy -f segment …` as a child
//! process (killed if srec drops it). An HLS master playlist is resolved to
//! the configured quality first (mesio's resolver), so ffmpeg records one
//! variant. Segment boundaries come from stderr, progress from `-progress
//! pipe:1`; a stop writes `q` so ffmpeg finalises the file (an mp4 gets its
//! moov), and kills it after `stop_timeout`. Secret headers never go on
//! ffmpeg's command line: FFmpeg 7+ reads them from a private file, older
//! versions fetch through a loopback [`HeaderProxy`] ([`secret_args`]).

pub mod args;
pub mod parse;
pub mod process;
pub mod secret_args;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::process::Child;
use tokio_util::sync::CancellationToken;

use self::args::{Input, Options};
use self::process::{Supervision, Upstream};
use crate::config::EngineKind;
use crate::config::engines::FfmpegSettings;
use crate::download::engine::{DownloadHandle, DownloadRequest, Engine, EngineError, EventSink};
use crate::download::tools;
use crate::events::DownloadEventKind;
use crate::net::HeaderProxy;
use crate::platform::StreamFormat;

/// Added to `rw_timeout` for the no-output watchdog (probing takes a moment).
pub const STALL_GRACE: Duration = Duration::from_secs(5);

/// ffmpeg as a recording engine.
#[derive(Debug, Clone)]
pub struct FfmpegEngine {
    pub binary: PathBuf,
    pub stop_timeout: Duration,
    pub options: Options,
}

impl Default for FfmpegEngine {
    fn default() -> Self {
        Self::from_settings(&FfmpegSettings::default())
    }
}

impl FfmpegEngine {
    /// Built from `[engines.ffmpeg]`.
    pub fn from_settings(s: &FfmpegSettings) -> Self {
        Self {
            binary: s.path.clone(),
            stop_timeout: s.stop_timeout,
            options: Options {
                rw_timeout: s.rw_timeout,
                input_args: s.extra_args.clone(),
                output_args: s.output_args.clone(),
            },
        }
    }
}

impl Engine for FfmpegEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Ffmpeg
    }

    fn start(
        &self,
        req: DownloadRequest,
        events: EventSink,
    ) -> Result<DownloadHandle, EngineError> {
        let binary = tools::require(&self.binary)?;
        let (ext, muxer) = args::container(&req);
        let pattern = prepare_output(&req, ext)?;
        // Checked now so a bad proxy is a typed error at start.
        args::build(&req, &self.options, &Input::Stdin, &pattern, muxer)
            .and_then(|_| {
                args::build(
                    &req,
                    &self.options,
                    &Input::Url(String::new()),
                    &pattern,
                    muxer,
                )
            })
            .map_err(|e| EngineError::Unsupported(e.0))?;
        warn_size_split(&req);
        let cancel = CancellationToken::new();
        let token = cancel.clone();
        let opts = self.options.clone();
        let stop_timeout = self.stop_timeout;
        let task = tokio::spawn(async move {
            events.emit(DownloadEventKind::Started {
                engine: EngineKind::Ffmpeg,
            });
            let url = match media_url(&req, &token).await {
                Ok(Some(u)) => u,
                Ok(None) => return events.emit(DownloadEventKind::Finished),
                Err(e) => {
                    return events.emit(e.failed_event());
                }
            };
            // FFmpeg 7+ reads the headers (cookies) from a 0600 file kept
            // until the download ends; older ones would take them on argv,
            // so when there are secret ones they fetch through a loopback
            // proxy that adds them, living as long as this task.
            let option_files = secret_args::reads_option_files(&binary);
            let (input, _header_proxy) =
                if !option_files && secret_args::has_secret_headers(&req.config) {
                    match through_header_proxy(&req, &url).await {
                        Ok((input, proxy)) => (input, Some(proxy)),
                        Err(e) => return events.emit(e.failed_event()),
                    }
                } else {
                    (Input::Url(url), None)
                };
            let mut argv = match args::build(&req, &opts, &input, &pattern, muxer) {
                Ok(a) => a,
                Err(e) => {
                    let e = EngineError::Unsupported(e.0);
                    return events.emit(e.failed_event());
                }
            };
            let _headers_file = if option_files {
                match secret_args::move_headers(&mut argv) {
                    Ok(f) => f,
                    Err(e) => {
                        let e =
                            EngineError::Other(format!("cannot write ffmpeg's header file: {e}"));
                        return events.emit(e.failed_event());
                    }
                }
            } else {
                None
            };
            let child = match spawn(&binary, &argv, Stdio::piped()) {
                Ok(c) => c,
                Err(e) => {
                    return events.emit(e.failed_event());
                }
            };
            let sup = Supervision {
                sink: events,
                cancel: token,
                stop_timeout,
                first_index: req.first_index,
                download_id: req.download_id,
                stall_timeout: opts.rw_timeout + STALL_GRACE,
            };
            process::supervise(child, None::<Upstream>, sup).await;
        });
        Ok(DownloadHandle::new(cancel, task))
    }
}

/// The URL ffmpeg should open: an HLS master is resolved to the variant the
/// config asks for; `None` if stopped meanwhile.
async fn media_url(
    req: &DownloadRequest,
    cancel: &CancellationToken,
) -> Result<Option<String>, EngineError> {
    if req.stream.format != StreamFormat::Hls {
        return Ok(Some(req.stream.url.clone()));
    }
    let url = url::Url::parse(&req.stream.url)
        .map_err(|e| EngineError::Unsupported(format!("invalid stream URL: {e}")))?;
    let client = Arc::new(crate::net::HttpClient::from_config(&req.config)?);
    let resolve = crate::media::hls::resolve_media(
        client.as_ref(),
        &url,
        req.config.quality,
        Default::default(),
    );
    tokio::select! {
        r = resolve => Ok(Some(r.map_err(EngineError::from)?.0.to_string())),
        _ = cancel.cancelled() => Ok(None),
    }
}

/// A loopback [`HeaderProxy`] for `url` with the streamer's client (its
/// cookies, headers and proxy), and ffmpeg's input on it.
async fn through_header_proxy(
    req: &DownloadRequest,
    url: &str,
) -> Result<(Input, HeaderProxy), EngineError> {
    let upstream = url::Url::parse(url)
        .map_err(|e| EngineError::Unsupported(format!("invalid stream URL: {e}")))?;
    let client = crate::net::HttpClient::from_config(&req.config)?;
    let proxy = HeaderProxy::start(client)
        .await
        .map_err(|e| EngineError::Other(e.to_string()))?;
    let local = proxy
        .url_for(&upstream)
        .map_err(|e| EngineError::Unsupported(e.to_string()))?;
    Ok((Input::Loopback(local), proxy))
}

/// Creates the output folder and returns the `%03d` pattern.
pub fn prepare_output(req: &DownloadRequest, ext: &str) -> Result<PathBuf, EngineError> {
    let pattern = args::output_pattern(req, ext);
    if let Some(dir) = pattern.parent() {
        std::fs::create_dir_all(req.config.output_dir.join(relative_dir(req, ext))).map_err(
            |source| EngineError::Io {
                path: dir.to_path_buf(),
                source,
            },
        )?;
    }
    Ok(pattern)
}

/// The (unescaped) folder of this download's files, relative to output_dir.
fn relative_dir(req: &DownloadRequest, ext: &str) -> PathBuf {
    let first = req.segment_path(req.first_index, ext);
    first
        .parent()
        .and_then(|p| p.strip_prefix(&req.config.output_dir).ok())
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// ffmpeg's segment muxer splits by time only.
pub fn warn_size_split(req: &DownloadRequest) {
    if let Some(size) = req.config.max_segment_size {
        tracing::warn!(
            streamer = %req.streamer_name,
            max_segment_size = size,
            "max_segment_size is not supported by ffmpeg's segment muxer and is ignored; \
             use max_segment_duration or the mesio engine"
        );
    }
}

/// Starts ffmpeg with `stdin` as its standard input; a missing binary is a
/// typed error.
pub fn spawn(binary: &Path, argv: &[String], stdin: Stdio) -> Result<Child, EngineError> {
    let mut cmd = crate::download::child::command(binary);
    cmd.args(argv)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    crate::download::child::spawn(&mut cmd).map_err(|e| spawn_error(binary, e))
}

/// Maps a spawn failure to a typed error.
pub fn spawn_error(binary: &Path, e: std::io::Error) -> EngineError {
    match e.kind() {
        std::io::ErrorKind::NotFound => EngineError::BinaryNotFound {
            binary: binary.display().to_string(),
        },
        _ => EngineError::Io {
            path: binary.to_path_buf(),
            source: e,
        },
    }
}
