//! The ffmpeg engine: `ffmpeg -i URL -c copy -f segment …` as a child
//! process (killed if srec drops it). Segment boundaries come from stderr,
//! progress from `-progress pipe:1`; a stop writes `q` to stdin so ffmpeg
//! finalises the file (an mp4 gets its moov), and kills it after a timeout.

pub mod args;
pub mod parse;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio_util::sync::CancellationToken;

use self::parse::{Failure, ProgressParser};
use crate::config::EngineKind;
use crate::download::engine::{DownloadHandle, DownloadRequest, Engine, EngineError, EventSink};
use crate::events::{DownloadEventKind, SplitReason};

/// How long ffmpeg gets to finish after `q` before it is killed.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(60);
const STDERR_TAIL: usize = 20;

/// ffmpeg as a recording engine.
#[derive(Debug, Clone)]
pub struct FfmpegEngine {
    pub binary: PathBuf,
    pub stop_timeout: Duration,
}

impl Default for FfmpegEngine {
    fn default() -> Self {
        Self {
            binary: PathBuf::from("ffmpeg"),
            stop_timeout: STOP_TIMEOUT,
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
        let (ext, muxer) = args::container(&req);
        let pattern = args::output_pattern(&req, ext);
        let argv = args::build(&req, &pattern, muxer).map_err(|e| EngineError::Unsupported(e.0))?;
        if let Some(dir) = pattern.parent() {
            std::fs::create_dir_all(dir).map_err(|source| EngineError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let child = spawn(&self.binary, &argv)?;
        let cancel = CancellationToken::new();
        let task = tokio::spawn(run(child, req, events, cancel.clone(), self.stop_timeout));
        Ok(DownloadHandle::new(cancel, task))
    }
}

/// Starts a child with piped stdio; a missing binary is a typed error.
pub fn spawn(binary: &Path, argv: &[String]) -> Result<Child, EngineError> {
    Command::new(binary)
        .args(argv)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => EngineError::BinaryNotFound {
                binary: binary.display().to_string(),
            },
            _ => EngineError::Io {
                path: binary.to_path_buf(),
                source: e,
            },
        })
}

/// The segment being written.
struct Open {
    index: u32,
    path: PathBuf,
    started: Duration,
}

async fn run(
    mut child: Child,
    req: DownloadRequest,
    sink: EventSink,
    cancel: CancellationToken,
    stop_timeout: Duration,
) {
    sink.emit(DownloadEventKind::Started {
        engine: EngineKind::Ffmpeg,
    });
    let mut stdin = child.stdin.take();
    let (Some(out), Some(err)) = (child.stdout.take(), child.stderr.take()) else {
        sink.emit(DownloadEventKind::Failed {
            error: "ffmpeg pipes unavailable".into(),
            retryable: true,
        });
        return;
    };
    let mut out = BufReader::new(out).lines();
    let mut err = BufReader::new(err).lines();
    let mut progress = ProgressParser::default();
    let mut out_time = Duration::ZERO;
    let mut tail: Vec<String> = Vec::new();
    let mut open: Option<Open> = None;
    let mut next_index = req.first_index;
    let mut deadline: Option<tokio::time::Instant> = None;
    let mut stop_sent = false;
    let (mut out_done, mut err_done) = (false, false);
    let status = loop {
        tokio::select! {
            _ = cancel.cancelled(), if !stop_sent => {
                stop_sent = true;
                if let Some(mut s) = stdin.take() {
                    let _ = s.write_all(b"q\n").await;
                    let _ = s.flush().await;
                }
                deadline = Some(tokio::time::Instant::now() + stop_timeout);
            }
            _ = sleep_opt(deadline) => {
                tracing::warn!(download = req.download_id, "ffmpeg ignored `q` for {stop_timeout:?}; killing it");
                let _ = child.start_kill();
                deadline = None;
            }
            line = err.next_line(), if !err_done => match line {
                Ok(Some(l)) => on_stderr(&l, &sink, &mut open, &mut next_index, out_time, &mut tail),
                _ => err_done = true,
            },
            line = out.next_line(), if !out_done => match line {
                Ok(Some(l)) => {
                    if let Some(p) = progress.line(&l) {
                        out_time = p.out_time;
                        sink.emit(DownloadEventKind::Progress { bytes: p.total_size, bitrate: p.bitrate, duration: p.out_time });
                    }
                }
                _ => out_done = true,
            },
            status = child.wait(), if out_done && err_done => break status,
        }
    };
    let stopped = cancel.is_cancelled();
    let ok = status.as_ref().is_ok_and(|s| s.success());
    let reason = if stopped {
        SplitReason::Stopped
    } else if ok {
        SplitReason::EndOfStream
    } else {
        SplitReason::Error
    };
    if let Some(o) = open.take() {
        close(&sink, o, out_time, reason);
    }
    if stopped || ok {
        sink.emit(DownloadEventKind::Finished);
        return;
    }
    let code = status.ok().and_then(|s| s.code());
    let last = tail
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty())
        .cloned()
        .unwrap_or_default();
    let (error, retryable) = match parse::classify(&tail) {
        Failure::DiskFull => (format!("no space left on device: {last}"), false),
        Failure::Http(c) => (format!("HTTP {c} from the source: {last}"), true),
        Failure::Other => (
            format!(
                "ffmpeg exited with {}: {last}",
                code.map_or("a signal".to_string(), |c| format!("code {c}"))
            ),
            true,
        ),
    };
    sink.emit(DownloadEventKind::Failed { error, retryable });
}

fn on_stderr(
    line: &str,
    sink: &EventSink,
    open: &mut Option<Open>,
    next_index: &mut u32,
    out_time: Duration,
    tail: &mut Vec<String>,
) {
    if let Some(path) = parse::opened_segment(line) {
        if let Some(o) = open.take() {
            close(sink, o, out_time, SplitReason::Duration);
        }
        let index = *next_index;
        *next_index += 1;
        sink.emit(DownloadEventKind::SegmentOpened {
            index,
            path: path.clone(),
        });
        *open = Some(Open {
            index,
            path,
            started: out_time,
        });
        return;
    }
    tracing::trace!(target: "srec::ffmpeg", "{line}");
    if tail.len() == STDERR_TAIL {
        tail.remove(0);
    }
    tail.push(line.to_string());
}

fn close(sink: &EventSink, o: Open, out_time: Duration, reason: SplitReason) {
    let bytes = std::fs::metadata(&o.path).map_or(0, |m| m.len());
    sink.emit(DownloadEventKind::SegmentClosed {
        index: o.index,
        path: o.path,
        duration: out_time.saturating_sub(o.started),
        bytes,
        split_reason: reason,
    });
}

async fn sleep_opt(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
