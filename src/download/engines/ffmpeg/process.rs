//! Supervises a recording ffmpeg process, optionally fed by an upstream
//! process (streamlink) through a pipe: segment boundaries from ffmpeg's
//! stderr, progress from `-progress pipe:1`, a graceful stop (`q` on
//! ffmpeg's stdin, or closing the upstream so ffmpeg sees the end of its
//! input) with a timeout before the kill, and one typed result at the end.

use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStderr};
use tokio_util::sync::CancellationToken;

use super::parse::{self, ProgressParser};
use crate::download::engine::{EngineError, EventSink};
use crate::events::{DownloadEventKind, SplitReason};

/// Lines of stderr kept to explain an exit.
const STDERR_TAIL: usize = 20;

/// A process whose stdout is ffmpeg's input (streamlink).
pub struct Upstream {
    pub child: Child,
    /// Short name for logs (`streamlink`).
    pub name: &'static str,
    /// Turns the upstream's last stderr lines into an error, if they hold one.
    pub classify: fn(&[String]) -> Option<EngineError>,
}

/// Everything [`supervise`] needs besides the processes.
pub struct Supervision {
    pub sink: EventSink,
    pub cancel: CancellationToken,
    pub stop_timeout: Duration,
    pub first_index: u32,
    pub download_id: u64,
    /// No media time progress for this long = stalled: both processes are killed
    /// and the download fails (retryable). ffmpeg can otherwise wait
    /// forever on a live playlist whose segments all fail.
    pub stall_timeout: Duration,
}

/// The segment being written.
struct Open {
    index: u32,
    path: PathBuf,
    started: Duration,
}

/// Runs until ffmpeg exits; emits segment/progress events and exactly one
/// `Finished` or `Failed`.
pub async fn supervise(mut ffmpeg: Child, mut upstream: Option<Upstream>, s: Supervision) {
    let mut stdin = ffmpeg.stdin.take();
    let (Some(out), Some(err)) = (ffmpeg.stdout.take(), ffmpeg.stderr.take()) else {
        s.sink.emit(DownloadEventKind::Failed {
            error: "ffmpeg pipes unavailable".into(),
            retryable: true,
            status: None,
        });
        return;
    };
    let mut out = BufReader::new(out).lines();
    let mut err = BufReader::new(err).lines();
    let mut up_err: Option<Lines<BufReader<ChildStderr>>> = upstream
        .as_mut()
        .and_then(|u| u.child.stderr.take())
        .map(|e| BufReader::new(e).lines());
    let mut progress = ProgressParser::default();
    let mut out_time = Duration::ZERO;
    let (mut tail, mut up_tail) = (Vec::new(), Vec::new());
    let mut open: Option<Open> = None;
    let mut closed_bytes = 0u64;
    let mut next_index = s.first_index;
    let mut deadline: Option<tokio::time::Instant> = None;
    let mut stop_sent = false;
    let (mut out_done, mut err_done) = (false, false);
    let mut up_status: Option<std::process::ExitStatus> = None;
    let mut up_killed = false;
    let (mut last_time, mut last_growth) = (Duration::ZERO, tokio::time::Instant::now());
    let mut stalled = false;
    let mut watchdog = tokio::time::interval(Duration::from_secs(1));
    let status = loop {
        tokio::select! {
            _ = watchdog.tick(), if !stalled && !stop_sent => {
                if last_growth.elapsed() > s.stall_timeout {
                    tracing::warn!(download = s.download_id, "no data for {:?}; killing ffmpeg", s.stall_timeout);
                    stalled = true;
                    if let Some(u) = upstream.as_mut() {
                        up_killed = true;
                        let _ = u.child.start_kill();
                    }
                    let _ = ffmpeg.start_kill();
                }
            }
            _ = s.cancel.cancelled(), if !stop_sent => {
                stop_sent = true;
                match upstream.as_mut() {
                    // ffmpeg finishes its files when its input ends.
                    Some(u) => {
                        up_killed = true;
                        let _ = u.child.start_kill();
                    }
                    None => if let Some(mut w) = stdin.take() {
                        let _ = w.write_all(b"q\n").await;
                        let _ = w.flush().await;
                    },
                }
                deadline = Some(tokio::time::Instant::now() + s.stop_timeout);
            }
            _ = sleep_opt(deadline) => {
                tracing::warn!(download = s.download_id, "ffmpeg did not finish within {:?} of the stop; killing it", s.stop_timeout);
                let _ = ffmpeg.start_kill();
                deadline = None;
            }
            line = err.next_line(), if !err_done => match line {
                Ok(Some(l)) => on_stderr(&l, &s.sink, &mut open, &mut next_index, out_time, &mut tail, &mut closed_bytes).await,
                _ => err_done = true,
            },
            line = next_opt(&mut up_err) => match line {
                Some(l) => {
                    tracing::debug!(target: "srec::streamlink", "{l}");
                    push_tail(&mut up_tail, l);
                }
                None => up_err = None,
            },
            st = wait_opt(&mut upstream), if up_status.is_none() => {
                up_status = Some(st);
            }
            line = out.next_line(), if !out_done => match line {
                Ok(Some(l)) => {
                    if let Some(p) = progress.line(&l) {
                        out_time = p.out_time;
                        // Media time advancing is the liveness signal (the
                        // segment muxer's byte count restarts per file).
                        if p.out_time > last_time {
                            (last_time, last_growth) = (p.out_time, tokio::time::Instant::now());
                        }
                        // The segment muxer reports no usable total size:
                        // count what is on disk.
                        let current = match &open { Some(o) => file_len(&o.path).await, None => 0 };
                        s.sink.emit(DownloadEventKind::Progress { bytes: closed_bytes + current, bitrate: p.bitrate, duration: p.out_time });
                    }
                }
                _ => out_done = true,
            },
            status = ffmpeg.wait(), if out_done && err_done => break status,
        }
    };
    // ffmpeg is gone: the upstream has nobody to write to.
    if let Some(u) = upstream.as_mut() {
        if up_status.is_none() {
            up_killed |= u.child.try_wait().ok().flatten().is_none();
            let _ = u.child.start_kill();
            up_status = u.child.wait().await.ok();
        }
        if let Some(lines) = up_err.as_mut() {
            while let Ok(Some(l)) = lines.next_line().await {
                push_tail(&mut up_tail, l);
            }
        }
    }
    let stopped = s.cancel.is_cancelled();
    let ok = status.as_ref().is_ok_and(|st| st.success());
    let writing = open.as_ref().map(|o| o.path.clone()).unwrap_or_default();
    let ff_error =
        (!ok).then(|| ffmpeg_error(&tail, status.ok().and_then(|st| st.code()), writing));
    let up_error = upstream.as_ref().and_then(|u| {
        let failed = !up_killed && up_status.is_some_and(|st| !st.success());
        (u.classify)(&up_tail).or_else(|| {
            failed
                .then(|| EngineError::Other(format!("{} failed: {}", u.name, last_line(&up_tail))))
        })
    });
    // Disk full is the real cause even if the upstream then broke its pipe;
    // otherwise the upstream explains why ffmpeg's input ended.
    let error = match (ff_error, up_error) {
        _ if stalled => Some(EngineError::Stalled(s.stall_timeout)),
        (Some(e @ EngineError::DiskFull { .. }), _) => Some(e),
        (_, Some(e)) if !stopped => Some(e),
        (e, _) if !stopped => e,
        _ => None,
    };
    let reason = match (&error, stopped) {
        (_, true) => SplitReason::Stopped,
        (None, false) => SplitReason::EndOfStream,
        (Some(_), false) => SplitReason::Error,
    };
    if let Some(o) = open.take() {
        close(&s.sink, o, out_time, reason).await;
    }
    match error {
        None => s.sink.emit(DownloadEventKind::Finished),
        Some(e) => s.sink.emit(e.failed_event()),
    }
}

/// Typed error from ffmpeg's exit and last stderr lines.
fn ffmpeg_error(tail: &[String], code: Option<i32>, writing: PathBuf) -> EngineError {
    let last = last_line(tail);
    match parse::classify(tail) {
        parse::Failure::DiskFull => EngineError::DiskFull { path: writing },
        parse::Failure::Http(status) => EngineError::Http { status, url: last },
        parse::Failure::Other => EngineError::Other(format!(
            "ffmpeg exited with {}: {last}",
            code.map_or("a signal".to_string(), |c| format!("code {c}"))
        )),
    }
}

fn last_line(tail: &[String]) -> String {
    tail.iter()
        .rev()
        .find(|l| !l.trim().is_empty())
        .cloned()
        .unwrap_or_default()
}

fn push_tail(tail: &mut Vec<String>, line: String) {
    if tail.len() == STDERR_TAIL {
        tail.remove(0);
    }
    tail.push(line);
}

async fn on_stderr(
    line: &str,
    sink: &EventSink,
    open: &mut Option<Open>,
    next_index: &mut u32,
    out_time: Duration,
    tail: &mut Vec<String>,
    closed_bytes: &mut u64,
) {
    if let Some(path) = parse::opened_segment(line) {
        if let Some(o) = open.take() {
            *closed_bytes += close(sink, o, out_time, SplitReason::Duration).await;
        }
        let index = *next_index;
        *next_index += 1;
        sink.emit(DownloadEventKind::SegmentOpened {
            index,
            path: path.clone(),
            opened_at_ms: crate::db::now_ms(),
        });
        *open = Some(Open {
            index,
            path,
            started: out_time,
        });
        return;
    }
    tracing::trace!(target: "srec::ffmpeg", "{line}");
    push_tail(tail, line.to_string());
}

/// Size of a file being written, 0 when it is not there (yet). The stat
/// runs on the blocking pool: on a disk stalled by writeback it must hold
/// up only this recording, never the async worker other recordings share.
async fn file_len(path: &std::path::Path) -> u64 {
    tokio::fs::metadata(path).await.map_or(0, |m| m.len())
}

/// Closes a segment; returns its size.
async fn close(sink: &EventSink, o: Open, out_time: Duration, reason: SplitReason) -> u64 {
    let bytes = file_len(&o.path).await;
    sink.emit(DownloadEventKind::SegmentClosed {
        index: o.index,
        path: o.path,
        duration: out_time.saturating_sub(o.started),
        bytes,
        split_reason: reason,
    });
    bytes
}

async fn sleep_opt(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn next_opt(lines: &mut Option<Lines<BufReader<ChildStderr>>>) -> Option<String> {
    match lines {
        Some(l) => l.next_line().await.ok().flatten(),
        None => std::future::pending().await,
    }
}

async fn wait_opt(up: &mut Option<Upstream>) -> std::process::ExitStatus {
    match up {
        Some(u) => match u.child.wait().await {
            Ok(st) => st,
            Err(_) => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}
