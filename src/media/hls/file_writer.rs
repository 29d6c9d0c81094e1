//! The blocking side of [`super::FileSink`]: one thread per recording that
//! owns the open file and does every file system call — naming the file
//! (the path function checks which names are taken), creating it, writing,
//! fsync, rename — in the order the recording asked for them.
//!
//! Why a thread of its own: a recording runs on a shard thread shared with
//! other recordings. A `write(2)` to a disk stalled by writeback can block
//! for seconds, and inline on the shard it would stall every recording
//! there (measured in docs/BENCHMARKS.md, "Slow disk"). Here it only stalls
//! this recording's writer; the recording's task waits (asynchronously) for
//! room in the bounded queue once the writer is [`WRITER_QUEUE`] batches
//! behind.
//!
//! Errors of writes are reported through [`ErrorSlot`] (the async side
//! looks at it before every write, flush and close), so a full disk stops
//! the recording at the next batch, not when the file closes. After a
//! failed write the file's later writes are skipped: bytes after a hole
//! would only hide it.

use std::io::{IoSlice, Write};
use std::path::PathBuf;
use std::sync::Mutex;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};

use super::error::HlsError;
use super::output::PathFn;
use crate::config::paths::part_path;

/// Write batches (each about [`super::output::WRITE_CHUNK`] or one media
/// segment) queued for the writer before the recording waits: what a disk
/// stall of a few seconds can be absorbed with. Outside the recording's
/// byte budget, like the batch being gathered.
pub const WRITER_QUEUE: usize = 32;

/// What the recording asks of its writer, in order.
pub(super) enum Cmd {
    /// Name and create output file `index` (`.part` while open); replies
    /// with its final path.
    Open {
        index: u32,
        ext: String,
        reply: oneshot::Sender<Result<PathBuf, HlsError>>,
    },
    /// Append to the open file.
    Write(Vec<Bytes>),
    /// fsync, rename to the final name; replies when done.
    Close {
        reply: oneshot::Sender<Result<(), HlsError>>,
    },
    /// Replies once everything before it is done (tests).
    #[cfg(test)]
    Barrier(oneshot::Sender<()>),
}

/// The first write error not yet reported to the recording.
#[derive(Debug, Default)]
pub(super) struct ErrorSlot(Mutex<Option<HlsError>>);

impl ErrorSlot {
    fn set(&self, e: HlsError) {
        let mut slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert(e);
    }

    /// Takes the pending error, if any.
    pub(super) fn take(&self) -> Option<HlsError> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

struct OpenFile {
    file: std::fs::File,
    part: PathBuf,
    path: PathBuf,
    /// A write failed: skip the rest of this file's writes.
    failed: bool,
}

/// Starts the writer thread; it ends when every sender is dropped.
pub(super) fn spawn(
    path_for: PathFn,
    rx: mpsc::Receiver<Cmd>,
    errors: std::sync::Arc<ErrorSlot>,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("srec-hls-writer".into())
        .spawn(move || run(path_for, rx, &errors))
        .map(drop)
}

fn run(path_for: PathFn, mut rx: mpsc::Receiver<Cmd>, errors: &ErrorSlot) {
    let mut open: Option<OpenFile> = None;
    while let Some(cmd) = rx.blocking_recv() {
        match cmd {
            Cmd::Open { index, ext, reply } => {
                // The recording closes before it opens; a file still open
                // here was abandoned and stays a `.part`.
                open = None;
                let result = create(&path_for, index, &ext).map(|f| {
                    let path = f.path.clone();
                    open = Some(f);
                    path
                });
                let _ = reply.send(result);
            }
            Cmd::Write(pieces) => {
                if let Some(f) = open.as_mut().filter(|f| !f.failed) {
                    crate::media::slow_write::before_write(&f.part);
                    if let Err(e) = write_all_vectored(&mut f.file, &pieces) {
                        f.failed = true;
                        errors.set(HlsError::io(&f.part, e));
                    }
                }
            }
            Cmd::Close { reply } => {
                let _ = reply.send(open.take().map_or(Ok(()), finalize));
            }
            #[cfg(test)]
            Cmd::Barrier(reply) => {
                let _ = reply.send(());
            }
        }
    }
    // The recording went away without closing (aborted): like a crash, the
    // `.part` keeps every byte written, for recovery to find.
}

fn create(path_for: &PathFn, index: u32, ext: &str) -> Result<OpenFile, HlsError> {
    let path = path_for(index, ext);
    let part = part_path(&path);
    if let Some(dir) = part.parent() {
        std::fs::create_dir_all(dir).map_err(|e| HlsError::io(dir, e))?;
    }
    let file = std::fs::File::create_new(&part).map_err(|e| HlsError::io(&part, e))?;
    Ok(OpenFile {
        file,
        part,
        path,
        failed: false,
    })
}

/// `write_all` over several buffers with as few syscalls as the OS allows.
pub(super) fn write_all_vectored(out: &mut impl Write, pieces: &[Bytes]) -> std::io::Result<()> {
    let mut slices: Vec<IoSlice<'_>> = pieces
        .iter()
        .filter(|b| !b.is_empty())
        .map(|b| IoSlice::new(b))
        .collect();
    let mut rest = &mut slices[..];
    while !rest.is_empty() {
        match out.write_vectored(rest) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut rest, n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// fsync, rename `.part` → final, fsync the directory (best effort: not
/// every filesystem supports it). Renames even after a failed write or
/// fsync: the bytes are on disk or lost either way, and a final name is
/// what the rest of srec looks for.
fn finalize(f: OpenFile) -> Result<(), HlsError> {
    let synced = f.file.sync_all().map_err(|e| HlsError::io(&f.part, e));
    drop(f.file);
    std::fs::rename(&f.part, &f.path).map_err(|e| HlsError::io(&f.path, e))?;
    if let Some(dir) = f.path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    synced
}
