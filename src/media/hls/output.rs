//! Where recorded bytes go. [`FileSink`] writes each output file as
//! `name.ext.part` while recording, then fsyncs and renames it to `name.ext`
//! on close, so a finished name always means a complete file and a crash
//! leaves a `.part` holding every byte written (TS and fMP4 fragments are
//! streamable). The [`SegmentSink`] trait lets tests substitute slow or
//! failing writers.
//!
//! Every file system call runs on the recording's own writer thread
//! ([`super::file_writer`]), never on the async thread the recording shares
//! with others: a stalled disk stalls only the recordings writing to it.
//! Writes are gathered up to [`WRITE_CHUNK`] and handed to the writer at
//! the end of every media segment: a segment arrives in many small reads,
//! and a syscall (and a thread wake-up) per read costs more CPU than the
//! bytes. What a crash can lose is therefore the one segment still in
//! flight, which was incomplete anyway, plus what is queued for the writer
//! (at most [`WRITER_QUEUE`] batches, only when the disk is slower than the
//! stream). The gathered and queued bytes are outside the recording's byte
//! budget: a small, fixed addition to it.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};

use super::error::HlsError;
pub use super::file_writer::WRITER_QUEUE;
use super::file_writer::{Cmd, ErrorSlot};

/// A sequence of output files, one open at a time.
pub trait SegmentSink: Send {
    /// Opens output file number `index` with extension `ext`; returns the
    /// final path it will have once closed.
    fn open(
        &mut self,
        index: u32,
        ext: &str,
    ) -> impl Future<Output = Result<PathBuf, HlsError>> + Send;

    /// Appends to the open file (possibly buffered until [`flush`](Self::flush)).
    fn write(&mut self, data: Bytes) -> impl Future<Output = Result<(), HlsError>> + Send;

    /// Hands everything written so far on towards the OS (called at the end
    /// of each media segment).
    fn flush(&mut self) -> impl Future<Output = Result<(), HlsError>> + Send {
        async { Ok(()) }
    }

    /// Makes the open file durable under its final name.
    fn close(&mut self) -> impl Future<Output = Result<(), HlsError>> + Send;
}

/// Chooses the final path of output file `index` with extension `ext`
/// (normally `DownloadRequest::segment_path` in `download`). Called on the
/// writer thread: it may look at the file system.
pub type PathFn = Box<dyn Fn(u32, &str) -> PathBuf + Send + Sync>;

/// Buffered bytes that trigger a write before the segment ends.
pub const WRITE_CHUNK: usize = 64 << 10;

/// The recording's end of its writer thread.
struct Writer {
    tx: mpsc::Sender<Cmd>,
    errors: Arc<ErrorSlot>,
}

/// Real files on disk (see the module docs for what runs where).
pub struct FileSink {
    /// Moves to the writer thread when it starts (at the first open).
    path_for: Option<PathFn>,
    writer: Option<Writer>,
    /// A file is open.
    open: bool,
    /// Written but not yet handed to the writer (kept as received: no copy).
    pending: Vec<Bytes>,
    pending_len: usize,
}

impl std::fmt::Debug for FileSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileSink")
            .field("open", &self.open)
            .field("pending_len", &self.pending_len)
            .finish_non_exhaustive()
    }
}

fn writer_gone() -> HlsError {
    HlsError::Internal("file writer thread stopped".into())
}

impl FileSink {
    pub fn new(path_for: PathFn) -> Self {
        Self {
            path_for: Some(path_for),
            writer: None,
            open: false,
            pending: Vec::new(),
            pending_len: 0,
        }
    }

    /// The writer, started on first use.
    fn writer(&mut self) -> Result<&Writer, HlsError> {
        if self.writer.is_none() {
            let path_for = self.path_for.take().ok_or_else(writer_gone)?;
            let (tx, rx) = mpsc::channel(WRITER_QUEUE);
            let errors = Arc::new(ErrorSlot::default());
            super::file_writer::spawn(path_for, rx, errors.clone())
                .map_err(|e| HlsError::Internal(format!("cannot start the file writer: {e}")))?;
            self.writer = Some(Writer { tx, errors });
        }
        self.writer.as_ref().ok_or_else(writer_gone)
    }

    /// A write error the writer reported since the last look.
    fn check(&self) -> Result<(), HlsError> {
        match self.writer.as_ref().and_then(|w| w.errors.take()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    async fn send(&mut self, cmd: Cmd) -> Result<(), HlsError> {
        let tx = self.writer()?.tx.clone();
        tx.send(cmd).await.map_err(|_| writer_gone())
    }

    /// Hands the gathered bytes to the writer (waits while its queue is full).
    async fn send_pending(&mut self) -> Result<(), HlsError> {
        if self.pending_len == 0 {
            return Ok(());
        }
        let pieces = std::mem::take(&mut self.pending);
        self.pending_len = 0;
        self.send(Cmd::Write(pieces)).await
    }

    /// Waits until the writer has done everything asked so far (tests).
    #[cfg(test)]
    pub(crate) async fn settle(&mut self) {
        let (reply, done) = oneshot::channel();
        self.send(Cmd::Barrier(reply)).await.expect("writer");
        done.await.expect("writer");
    }
}

impl SegmentSink for FileSink {
    async fn open(&mut self, index: u32, ext: &str) -> Result<PathBuf, HlsError> {
        self.close().await?;
        let (reply, opened) = oneshot::channel();
        self.send(Cmd::Open {
            index,
            ext: ext.to_string(),
            reply,
        })
        .await?;
        let path = opened.await.map_err(|_| writer_gone())??;
        self.open = true;
        Ok(path)
    }

    async fn write(&mut self, data: Bytes) -> Result<(), HlsError> {
        if !self.open {
            return Err(HlsError::Internal("write without an open file".into()));
        }
        self.check()?;
        self.pending_len += data.len();
        self.pending.push(data);
        if self.pending_len >= WRITE_CHUNK {
            self.send_pending().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), HlsError> {
        self.check()?;
        self.send_pending().await
    }

    async fn close(&mut self) -> Result<(), HlsError> {
        if !std::mem::replace(&mut self.open, false) {
            return Ok(());
        }
        self.send_pending().await?;
        let (reply, closed) = oneshot::channel();
        self.send(Cmd::Close { reply }).await?;
        let renamed = closed.await.map_err(|_| writer_gone())?;
        // A failed write of this file outranks a failed fsync.
        self.check()?;
        renamed
    }
}

#[cfg(test)]
#[path = "output_tests.rs"]
mod tests;
