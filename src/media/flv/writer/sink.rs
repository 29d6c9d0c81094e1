//! A sequence of FLV files driven by the pipeline's [`SegmentEvent`]s.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use super::{FlvWriter, WriterOptions};
use crate::media::flv::error::FlvError;
use crate::media::flv::repair::SplitReason;
use crate::media::flv::segmenter::SegmentEvent;

/// A file that has been finished (metadata patched, fsynced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedSegment {
    pub index: u32,
    pub path: PathBuf,
    pub reason: SplitReason,
    pub duration_ms: u64,
    /// Actual file size.
    pub bytes: u64,
    pub keyframes_indexed: usize,
}

/// Owns the open file; names files with `path_for(index)`.
///
/// Files are created with `create_new`: an existing file is an error, never
/// overwritten, because it may be an earlier recording.
pub struct SegmentFileSink<F: FnMut(u32) -> PathBuf> {
    path_for: F,
    opts: WriterOptions,
    current: Option<(u32, PathBuf, FlvWriter<File>)>,
}

impl<F: FnMut(u32) -> PathBuf> SegmentFileSink<F> {
    pub fn new(path_for: F, opts: WriterOptions) -> Self {
        Self {
            path_for,
            opts,
            current: None,
        }
    }

    /// Path of the file being written, if any.
    pub fn current_path(&self) -> Option<&Path> {
        self.current.as_ref().map(|(_, p, _)| p.as_path())
    }

    /// Applies one event; returns the file it finished, if any.
    pub fn handle(&mut self, ev: &SegmentEvent) -> Result<Option<ClosedSegment>, FlvError> {
        match ev {
            SegmentEvent::Open { index, start } => {
                // A missing Close (should not happen) must not leak a file.
                let previous = self.close(SplitReason::EndOfInput)?;
                let path = (self.path_for)(*index);
                let file = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                    .map_err(|e| FlvError::io(format!("create {}", path.display()), e))?;
                let writer = FlvWriter::create(file, start, self.opts)?;
                self.current = Some((*index, path, writer));
                Ok(previous)
            }
            SegmentEvent::Tag(tag) => {
                let (_, _, w) = self
                    .current
                    .as_mut()
                    .ok_or(FlvError::EventOrder("tag with no open file"))?;
                w.write_tag(tag)?;
                Ok(None)
            }
            SegmentEvent::Close { reason, .. } => self.close(*reason),
        }
    }

    /// Finishes the open file (e.g. at shutdown without a Close event).
    pub fn close(&mut self, reason: SplitReason) -> Result<Option<ClosedSegment>, FlvError> {
        let Some((index, path, writer)) = self.current.take() else {
            return Ok(None);
        };
        let (info, _file) = writer.finish()?;
        Ok(Some(ClosedSegment {
            index,
            path,
            reason,
            duration_ms: info.duration_ms,
            bytes: info.bytes,
            keyframes_indexed: info.keyframes_indexed,
        }))
    }

    /// Hands buffered bytes to the OS.
    pub fn flush(&mut self) -> Result<(), FlvError> {
        match &mut self.current {
            Some((_, path, w)) => {
                crate::media::slow_write::before_write(path);
                w.flush()
            }
            None => Ok(()),
        }
    }

    /// Flushes and fsyncs the open file.
    pub fn sync(&mut self) -> Result<(), FlvError> {
        match &mut self.current {
            Some((_, _, w)) => w.sync(),
            None => Ok(()),
        }
    }
}
