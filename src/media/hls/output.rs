//! Where recorded bytes go. [`FileSink`] writes each output file as
//! `name.ext.part` while recording, then fsyncs and renames it to `name.ext`
//! on close, so a finished name always means a complete file and a crash
//! leaves a `.part` holding every byte received (TS and fMP4 fragments are
//! streamable). The [`SegmentSink`] trait lets tests substitute slow or
//! failing writers.
//!
//! Writes are gathered up to [`WRITE_CHUNK`] and flushed at the end of every
//! media segment: a segment arrives in many small reads, and one trip to the
//! blocking pool per read costs more CPU than the bytes. What a crash can
//! lose is therefore part of the one segment still in flight, which was
//! incomplete anyway.

use std::future::Future;
use std::io::Write;
use std::path::PathBuf;

use bytes::{Bytes, BytesMut};

use super::error::HlsError;
use crate::download::engine::part_path;

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
/// (normally [`DownloadRequest::segment_path`](crate::download::DownloadRequest::segment_path)).
pub type PathFn = Box<dyn Fn(u32, &str) -> PathBuf + Send + Sync>;

struct OpenFile {
    file: std::fs::File,
    part: PathBuf,
    path: PathBuf,
    /// Written but not yet handed to the OS.
    pending: BytesMut,
}

/// Buffered bytes that trigger a write before the segment ends.
pub const WRITE_CHUNK: usize = 64 << 10;

/// Real files on disk; blocking I/O runs on the blocking pool.
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
            pending: BytesMut::new(),
        });
        Ok(path)
    }

    async fn write(&mut self, data: Bytes) -> Result<(), HlsError> {
        let Some(f) = self.open.as_mut() else {
            return Err(HlsError::Internal("write without an open file".into()));
        };
        f.pending.extend_from_slice(&data);
        if f.pending.len() >= WRITE_CHUNK {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), HlsError> {
        let Some(mut f) = self.open.take() else {
            return Ok(());
        };
        if f.pending.is_empty() {
            self.open = Some(f);
            return Ok(());
        }
        let (f, res) = blocking_keep(move || {
            let res = write_pending(&mut f);
            (f, res)
        })
        .await?;
        self.open = Some(f);
        res
    }

    async fn close(&mut self) -> Result<(), HlsError> {
        let Some(f) = self.open.take() else {
            return Ok(());
        };
        blocking(move || finalize(f)).await
    }
}

fn write_pending(f: &mut OpenFile) -> Result<(), HlsError> {
    let data = std::mem::take(&mut f.pending);
    f.file
        .write_all(&data)
        .map_err(|e| HlsError::io(&f.part, e))
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

async fn blocking_keep<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, HlsError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| HlsError::Internal(format!("file task failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

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
