//! Where recorded bytes go. [`FileSink`] writes each output file as
//! `name.ext.part` while recording, then fsyncs and renames it to `name.ext`
//! on close, so a finished name always means a complete file and a crash
//! leaves a `.part` holding every byte received (TS and fMP4 fragments are
//! streamable). The [`SegmentSink`] trait lets tests substitute slow or
//! failing writers.

use std::future::Future;
use std::io::Write;
use std::path::PathBuf;

use bytes::Bytes;

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

    /// Appends to the open file; returns once the bytes are handed to the OS.
    fn write(&mut self, data: Bytes) -> impl Future<Output = Result<(), HlsError>> + Send;

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
}

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
        });
        Ok(path)
    }

    async fn write(&mut self, data: Bytes) -> Result<(), HlsError> {
        let Some(mut f) = self.open.take() else {
            return Err(HlsError::Internal("write without an open file".into()));
        };
        let (f, res) = blocking_keep(move || {
            let res = f
                .file
                .write_all(&data)
                .map_err(|e| HlsError::io(&f.part, e));
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

/// fsync, rename `.part` → final, fsync the directory (best effort: not
/// every filesystem supports it).
fn finalize(f: OpenFile) -> Result<(), HlsError> {
    // Rename even if fsync failed: the bytes are on disk or lost either way,
    // and a final name is what the rest of srec looks for.
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
        // While recording only the .part exists, already holding the bytes.
        assert!(!path.exists());
        assert_eq!(std::fs::read(part_path(&path)).unwrap(), b"abcdef");
        sink.close().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"abcdef");
        assert!(!part_path(&path).exists());
        assert!(matches!(
            sink.write(Bytes::from_static(b"x")).await,
            Err(HlsError::Internal(_))
        ));
    }
}
