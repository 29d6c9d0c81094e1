//! The blocking side of mesio's FLV path (see [`super::flv`]): one thread
//! per recording runs parser → repair → segmenter → files on the batches
//! the reader hands over, emits the segment and progress events, and
//! flushes every batch to the OS as soon as it is processed.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::download::engine::{DownloadRequest, EngineError, EventSink};
use crate::events::{DownloadEventKind, SplitReason};
use crate::media::flv::{
    self, FlvPipeline, PipelineConfig, SegmentEvent, SegmentFileSink, SegmentPolicy, WriterOptions,
};

/// What the reader hands over, in order: data, then one end.
pub(super) enum Msg {
    Data(Bytes),
    End(SplitReason),
}

/// Runs until [`Msg::End`] (or the reader is gone), then closes the file.
pub(super) fn write_loop(
    req: DownloadRequest,
    sink: EventSink,
    mut rx: mpsc::Receiver<Msg>,
) -> Result<(), EngineError> {
    let max_duration_ms = req
        .config
        .max_segment_duration
        .map(|d| d.as_millis() as u64);
    let writer_opts = WriterOptions::for_limits(max_duration_ms, req.config.max_segment_size);
    // The segmenter counts media bytes; the file also holds the writer's
    // reserved metadata, which the size limit must include.
    let max_bytes = req
        .config
        .max_segment_size
        .map(|m| m.saturating_sub(writer_opts.metadata_budget()).max(m / 2));
    let policy = SegmentPolicy {
        max_bytes,
        max_duration_ms,
        ..SegmentPolicy::default()
    };
    let cfg = PipelineConfig {
        segment: policy,
        ..PipelineConfig::default()
    };
    let mut pipeline = FlvPipeline::new(cfg);
    let first = req.first_index;
    let path_req = req.clone();
    let mut files = SegmentFileSink::new(
        move |i| {
            let path = path_req.segment_path(first + i, "flv");
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            path
        },
        writer_opts,
    );
    let mut events = Vec::new();
    let mut progress = Progress::new();
    let mut end = SplitReason::Stopped;
    let mut current: Option<(u32, PathBuf)> = None;
    while let Some(msg) = rx.blocking_recv() {
        match msg {
            Msg::Data(b) => {
                progress.bytes += b.len() as u64;
                pipeline.push(&b, &mut events);
            }
            Msg::End(reason) => {
                end = reason;
                break;
            }
        }
        apply(
            &mut events,
            &mut files,
            &sink,
            first,
            &mut current,
            &mut progress,
            None,
        )?;
        files.flush().map_err(|e| io_error(&current, e))?;
        progress.maybe_emit(&sink);
    }
    pipeline.finish(&mut events);
    apply(
        &mut events,
        &mut files,
        &sink,
        first,
        &mut current,
        &mut progress,
        Some(end),
    )?;
    if let Some(closed) = files
        .close(flv::SplitReason::EndOfInput)
        .map_err(|e| io_error(&current, e))?
    {
        emit_closed(
            &sink,
            first,
            closed.index,
            closed.path,
            closed.duration_ms,
            closed.bytes,
            end,
        );
    }
    Ok(())
}

fn apply(
    events: &mut Vec<SegmentEvent>,
    files: &mut SegmentFileSink<impl FnMut(u32) -> PathBuf>,
    sink: &EventSink,
    first: u32,
    current: &mut Option<(u32, PathBuf)>,
    progress: &mut Progress,
    end: Option<SplitReason>,
) -> Result<(), EngineError> {
    for ev in events.drain(..) {
        if let SegmentEvent::Tag(t) = &ev {
            progress.cur_ms = progress.cur_ms.max(u64::from(t.timestamp));
        }
        let closed = files.handle(&ev).map_err(|e| io_error(current, e))?;
        if let Some(c) = closed {
            // The pipeline's own end-of-input close carries the engine's reason.
            let reason = match (c.reason, end) {
                (flv::SplitReason::EndOfInput, Some(r)) => r,
                (r, _) => r.into(),
            };
            progress.done_ms += c.duration_ms;
            progress.cur_ms = 0;
            emit_closed(sink, first, c.index, c.path, c.duration_ms, c.bytes, reason);
            *current = None;
        }
        if let SegmentEvent::Open { index, .. } = &ev
            && let Some(path) = files.current_path()
        {
            let path = path.to_path_buf();
            sink.emit(DownloadEventKind::SegmentOpened {
                index: first + index,
                path: path.clone(),
            });
            *current = Some((first + index, path));
        }
    }
    Ok(())
}

fn emit_closed(
    sink: &EventSink,
    first: u32,
    index: u32,
    path: PathBuf,
    duration_ms: u64,
    bytes: u64,
    reason: SplitReason,
) {
    sink.emit(DownloadEventKind::SegmentClosed {
        index: first + index,
        path,
        duration: Duration::from_millis(duration_ms),
        bytes,
        split_reason: reason,
    });
}

fn io_error(current: &Option<(u32, PathBuf)>, e: flv::FlvError) -> EngineError {
    let path = current.as_ref().map(|(_, p)| p.clone()).unwrap_or_default();
    let text = e.to_string();
    if text.contains("No space left") || text.contains("os error 28") {
        EngineError::DiskFull { path }
    } else {
        EngineError::Io {
            path,
            source: std::io::Error::other(text),
        }
    }
}

/// Roughly once-a-second progress reports.
struct Progress {
    bytes: u64,
    /// Media time of closed files, and of the open one so far.
    done_ms: u64,
    cur_ms: u64,
    last_emit: Instant,
    window_start: Instant,
    window_bytes: u64,
}

impl Progress {
    fn new() -> Self {
        let now = Instant::now();
        Self {
            bytes: 0,
            done_ms: 0,
            cur_ms: 0,
            last_emit: now,
            window_start: now,
            window_bytes: 0,
        }
    }

    fn maybe_emit(&mut self, sink: &EventSink) {
        if self.last_emit.elapsed() < Duration::from_secs(1) {
            return;
        }
        let secs = self.window_start.elapsed().as_secs_f64().max(0.001);
        let bitrate = ((self.bytes - self.window_bytes) as f64 * 8.0 / secs) as u64;
        let duration = Duration::from_millis(self.done_ms + self.cur_ms);
        sink.emit(DownloadEventKind::Progress {
            bytes: self.bytes,
            bitrate,
            duration,
        });
        self.last_emit = Instant::now();
        self.window_start = self.last_emit;
        self.window_bytes = self.bytes;
    }
}
