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
    self, ClosedSegment, FlvPipeline, PipelineConfig, SegmentEvent, SegmentFileSink, SegmentPolicy,
    WriterOptions,
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
    let files = SegmentFileSink::new(
        move |i| {
            let path = path_req.segment_path(first + i, "flv");
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            path
        },
        writer_opts,
    );
    let mut out = Output {
        files,
        sink,
        first,
        current: None,
        progress: Progress::new(),
    };
    let mut events = Vec::new();
    let mut end = SplitReason::Stopped;
    while let Some(msg) = rx.blocking_recv() {
        match msg {
            Msg::Data(b) => {
                out.progress.bytes += b.len() as u64;
                pipeline.push(&b, &mut events);
            }
            Msg::End(reason) => {
                end = reason;
                break;
            }
        }
        out.apply(&mut events, None)?;
        out.files.flush().map_err(|e| out.io_error(e))?;
        out.progress.maybe_emit(&out.sink);
    }
    pipeline.finish(&mut events);
    out.apply(&mut events, Some(end))?;
    let last = out
        .files
        .close(flv::SplitReason::EndOfInput)
        .map_err(|e| out.io_error(e))?;
    if let Some(closed) = last {
        out.emit_closed(closed, end);
    }
    Ok(())
}

/// The files of one recording and the events they produce.
struct Output<F: FnMut(u32) -> PathBuf> {
    files: SegmentFileSink<F>,
    sink: EventSink,
    /// Index of the recording's first file (continues a session's count).
    first: u32,
    /// Index and path of the open file (for errors).
    current: Option<(u32, PathBuf)>,
    progress: Progress,
}

impl<F: FnMut(u32) -> PathBuf> Output<F> {
    /// Writes the pipeline's events to the files and reports opened and
    /// closed files. `end`: the engine's reason for the final close.
    fn apply(
        &mut self,
        events: &mut Vec<SegmentEvent>,
        end: Option<SplitReason>,
    ) -> Result<(), EngineError> {
        for ev in events.drain(..) {
            if let SegmentEvent::Tag(t) = &ev {
                self.progress.cur_ms = self.progress.cur_ms.max(u64::from(t.timestamp));
            }
            let closed = self.files.handle(&ev).map_err(|e| self.io_error(e))?;
            if let Some(c) = closed {
                // The pipeline's own end-of-input close carries the engine's reason.
                let reason = match (c.reason, end) {
                    (flv::SplitReason::EndOfInput, Some(r)) => r,
                    (r, _) => r.into(),
                };
                self.progress.done_ms += c.duration_ms;
                self.progress.cur_ms = 0;
                self.emit_closed(c, reason);
                self.current = None;
            }
            if let SegmentEvent::Open { index, .. } = &ev
                && let Some(path) = self.files.current_path()
            {
                let path = path.to_path_buf();
                self.sink.emit(DownloadEventKind::SegmentOpened {
                    index: self.first + index,
                    path: path.clone(),
                    opened_at_ms: crate::db::now_ms(),
                });
                self.current = Some((self.first + index, path));
            }
        }
        Ok(())
    }

    fn emit_closed(&self, c: ClosedSegment, reason: SplitReason) {
        self.sink.emit(DownloadEventKind::SegmentClosed {
            index: self.first + c.index,
            path: c.path,
            duration: Duration::from_millis(c.duration_ms),
            bytes: c.bytes,
            split_reason: reason,
        });
    }

    fn io_error(&self, e: flv::FlvError) -> EngineError {
        let path = self
            .current
            .as_ref()
            .map(|(_, p)| p.clone())
            .unwrap_or_default();
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
