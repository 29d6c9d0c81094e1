//! Where recorded bytes go. [`FileSink`] writes each output file as
//! `name.ext.part` while recording, then fsyncs and renames it to `name.ext`
//! on close, so a finished name always means a complete file and a crash
//! leaves a `.part` holding every byte received (TS and fMP4 fragments are
//! streamable). The [`SegmentSink`] trait lets tests substitute slow or
//! failing writers.
//!
//! Writes are gathered up to [`WRITE_CHUNK`] and flushed at the end of every
//! media segment: a segment arrives in many small reads, and a syscall per
//! read costs more CPU than the bytes. What a crash can lose is therefore
//! part of the one segment still in flight, which was incomplete anyway. The
//! held bytes (under [`WRITE_CHUNK`] plus one read) are outside the
//! recording's byte budget: a small, fixed addition to it.
//!
//! The gathered write itself runs inline on the recording's thread: it only
//! copies at most [`WRITE_CHUNK`] plus one read into the page cache, and a
//! hop to the blocking pool (a thread wake-up and a wake-up back) cost more
//! than the copy. Opening, fsync and rename, which can wait on the disk,
//! stay on the blocking pool.

use std::future::Future;
use std::io::{IoSlice, Write};
use std::path::PathBuf;

use bytes::Bytes;

use super::error::HlsError;
use crate::config::paths::part_path;

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

    /// Hands everything written so far to the OS (called at the end of each
    /// media segment).
    fn flush(&mut self) -> impl Future<Output = Result<(), HlsError>> + Send {
        async { Ok(()) }
    }

    /// Makes the open file durable under its final name.
    fn close(&mut self) -> impl Future<Output = Result<(), HlsError>> + Send;
}

/// Chooses the final path of output file `index` with extension `ext`
/// (normally `DownloadRequest::segment_path` in `download`).
pub type PathFn = Box<dyn Fn(u32, &str) -> PathBuf + Send + Sync>;

struct OpenFile {
    file: std::fs::File,
    part: PathBuf,
    path: PathBuf,
    /// Written but not yet handed to the OS (kept as received: no copy).
    pending: Vec<Bytes>,
    pending_len: usize,
}

/// Buffered bytes that trigger a write before the segment ends.
pub const WRITE_CHUNK: usize = 64 << 10;

/// Real files on disk (see the module docs for what runs where).
pub struct FileSink {
    path_for: PathFn,
    open: Option<OpenFile>,
}

impl std::fmt::Debug for FileSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileSink")
            .field("open", &self.open.as_ref().map(|o| &o.part))
            .finish_non_exhaustive()
    }
}

impl FileSink {
    pub fn new(path_for: PathFn) -> Self {
        Self {
            path_for,
            open: None,
        }
    }
}

impl SegmentSink for FileSink {
    async fn open(&mut self, index: u32, ext: &str) -> Result<PathBuf, HlsError> {
        self.close().await?;
        let path = (self.path_for)(index, ext);
        let part = part_path(&path);
        let p = part.clone();
        let file = blocking(move || {
            if let Some(dir) = p.parent() {
                std::fs::create_dir_all(dir).map_err(|e| HlsError::io(dir, e))?;
            }
            std::fs::File::create_new(&p).map_err(|e| HlsError::io(&p, e))
        })
        .await?;
        self.open = Some(OpenFile {
            file,
            part,
            path: path.clone(),
            pending: Vec::new(),
            pending_len: 0,
        });
        Ok(path)
    }

    async fn write(&mut self, data: Bytes) -> Result<(), HlsError> {
        let Some(f) = self.open.as_mut() else {
            return Err(HlsError::Internal("write without an open file".into()));
        };
        f.pending_len += data.len();
        f.pending.push(data);
        if f.pending_len >= WRITE_CHUNK {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), HlsError> {
        match self.open.as_mut() {
            Some(f) if f.pending_len > 0 => write_pending(f),
            _ => Ok(()),
        }
    }

    async fn close(&mut self) -> Result<(), HlsError> {
        let Some(f) = self.open.take() else {
            return Ok(());
        };
        blocking(move || finalize(f)).await
    }
}

fn write_pending(f: &mut OpenFile) -> Result<(), HlsError> {
    crate::media::slow_write::before_write(&f.part);
    let pieces = std::mem::take(&mut f.pending);
    f.pending_len = 0;
    write_all_vectored(&mut f.file, &pieces).map_err(|e| HlsError::io(&f.part, e))
}

/// `write_all` over several buffers with as few syscalls as the OS allows.
fn write_all_vectored(out: &mut impl Write, pieces: &[Bytes]) -> std::io::Result<()> {
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
/// every filesystem supports it).
fn finalize(mut f: OpenFile) -> Result<(), HlsError> {
    // Rename even if a write or fsync failed: the bytes are on disk or lost
    // either way, and a final name is what the rest of srec looks for.
    let written = write_pending(&mut f);
    let synced = f.file.sync_all().map_err(|e| HlsError::io(&f.part, e));
    drop(f.file);
    std::fs::rename(&f.part, &f.path).map_err(|e| HlsError::io(&f.path, e))?;
    if let Some(dir) = f.path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    written.and(synced)
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, HlsError> + Send + 'static,
) -> Result<T, HlsError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| HlsError::Internal(format!("file task failed: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Accepts at most 5 bytes per call, from at most two buffers.
    struct Trickle(Vec<u8>);

    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let n = buf.len().min(5);
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> std::io::Result<usize> {
            let mut n = 0;
            for b in bufs.iter().take(2) {
                let k = b.len().min(5 - n);
                self.0.extend_from_slice(&b[..k]);
                n += k;
                if n == 5 {
                    break;
                }
            }
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn vectored_writes_survive_partial_writes_and_empty_pieces() {
        let pieces: Vec<Bytes> = ["abc", "", "defghij", "k", "", "lmnopqrstu"]
            .into_iter()
            .map(|s| Bytes::from_static(s.as_bytes()))
            .collect();
        let mut out = Trickle(Vec::new());
        write_all_vectored(&mut out, &pieces).unwrap();
        assert_eq!(out.0, b"abcdefghijklmnopqrstu");
        let mut out = Trickle(Vec::new());
        write_all_vectored(&mut out, &[Bytes::new()]).unwrap();
        assert!(out.0.is_empty());
    }

    #[tokio::test]
    async fn writes_part_then_renames_on_close() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let mut sink = FileSink::new(Box::new(move |i, ext| {
            root.join("sub").join(format!("rec{i}.{ext}"))
        }));
        let path = sink.open(4, "ts").await.unwrap();
        assert_eq!(path, dir.path().join("sub/rec4.ts"));
        sink.write(Bytes::from_static(b"abc")).await.unwrap();
        sink.write(Bytes::from_static(b"def")).await.unwrap();
        // Small writes wait for the end of the media segment...
        assert!(!path.exists());
        assert_eq!(std::fs::read(part_path(&path)).unwrap(), b"");
        sink.flush().await.unwrap();
        // ...then the .part holds every byte, still under its temporary name.
        assert!(!path.exists());
        assert_eq!(std::fs::read(part_path(&path)).unwrap(), b"abcdef");
        // A large write goes out without waiting for a flush.
        let big = vec![7u8; WRITE_CHUNK];
        sink.write(Bytes::from(big.clone())).await.unwrap();
        assert_eq!(
            std::fs::metadata(part_path(&path)).unwrap().len(),
            6 + WRITE_CHUNK as u64
        );
        sink.write(Bytes::from_static(b"tail")).await.unwrap();
        // Close writes what is still buffered.
        sink.close().await.unwrap();
        let mut want = b"abcdef".to_vec();
        want.extend(big);
        want.extend(b"tail");
        assert_eq!(std::fs::read(&path).unwrap(), want);
        assert!(!part_path(&path).exists());
        assert!(matches!(
            sink.write(Bytes::from_static(b"x")).await,
            Err(HlsError::Internal(_))
        ));
    }
}
