//! Writing FLV files: one file ([`FlvWriter`]) or a sequence ([`SegmentFileSink`]).
//!
//! A file is written front to back as tags arrive — header, a reserved
//! onMetaData tag, sequence headers, then complete tags through a small
//! `BufWriter` — so a process killed at any point leaves a valid FLV up to
//! the last complete tag. [`FlvWriter::finish`] then seeks back and rewrites
//! the metadata body in place (same length: duration, file size, keyframe
//! index) and fsyncs. Nothing after the metadata ever moves.

mod keyframes;
mod metadata;
mod sink;

use std::fs::File;
use std::io::{self, BufWriter, Cursor, Seek, SeekFrom, Write};

use super::duration::DurationTracker;
use super::error::FlvError;
use super::segmenter::SegmentStart;
use super::tag::{FlvHeader, FlvTag, TAG_HEADER_LEN, TagType};

pub use keyframes::KeyframeIndex;
pub use metadata::{LiveValues, MAX_KEYFRAME_SLOTS, MetadataLayout};
pub use sink::{ClosedSegment, SegmentFileSink};

/// Durable flush of the underlying storage (fsync for files).
pub trait SyncAll {
    fn sync_all(&mut self) -> io::Result<()>;
}

impl SyncAll for File {
    fn sync_all(&mut self) -> io::Result<()> {
        File::sync_all(self)
    }
}

impl SyncAll for Cursor<Vec<u8>> {
    fn sync_all(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writer settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterOptions {
    /// Keyframe index entries reserved in the metadata (18 bytes each).
    pub keyframe_slots: usize,
    /// BufWriter capacity.
    pub buffer_size: usize,
}

impl Default for WriterOptions {
    /// Room for 6 h at one keyframe every 2 s.
    fn default() -> Self {
        Self {
            keyframe_slots: 6 * 3600 / 2,
            buffer_size: 64 * 1024,
        }
    }
}

impl WriterOptions {
    /// Slots sized for files of at most `max_ms` (one keyframe per second,
    /// twice the usual density, plus margin); the default when unbounded.
    pub fn for_max_duration(max_ms: Option<u64>) -> Self {
        match max_ms {
            Some(ms) => Self {
                keyframe_slots: usize::try_from(ms.div_ceil(1000))
                    .unwrap_or(usize::MAX)
                    .saturating_add(16)
                    .min(MAX_KEYFRAME_SLOTS),
                ..Self::default()
            },
            None => Self::default(),
        }
    }

    /// As [`Self::for_max_duration`], and no more slots than a file of
    /// `max_bytes` can use (one keyframe per 4 KiB of media: a 32 kbit/s
    /// stream with a keyframe every second), so the reserved index never
    /// dwarfs a small file. Extra keyframes are sampled, not lost.
    pub fn for_limits(max_ms: Option<u64>, max_bytes: Option<u64>) -> Self {
        let mut opts = Self::for_max_duration(max_ms);
        if let Some(bytes) = max_bytes {
            let by_size = usize::try_from(bytes / 4096).unwrap_or(usize::MAX);
            opts.keyframe_slots = opts.keyframe_slots.min(by_size.saturating_add(16));
        }
        opts
    }

    /// Most bytes the writer adds to a file beyond the segmenter's count
    /// (the reserved onMetaData tag), so a size limit can allow for them.
    pub fn metadata_budget(&self) -> u64 {
        let slots = self.keyframe_slots.min(MAX_KEYFRAME_SLOTS) as u64;
        // 18 bytes per keyframe slot plus the fixed fields and tag framing.
        slots * 18 + 1024
    }
}

/// Summary of a finished file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FinishedFile {
    pub bytes: u64,
    pub duration_ms: u64,
    /// Keyframes listed in the metadata index.
    pub keyframes_indexed: usize,
    pub keyframes_seen: u64,
}

/// Writes one FLV file. See the module docs.
#[derive(Debug)]
pub struct FlvWriter<W: Write + Seek + SyncAll> {
    out: BufWriter<W>,
    pos: u64,
    meta_body_pos: u64,
    layout: MetadataLayout,
    index: KeyframeIndex,
    duration: DurationTracker,
    last_keyframe: Option<(u32, u64)>,
}

impl<W: Write + Seek + SyncAll> FlvWriter<W> {
    /// Writes header, reserved metadata and sequence headers to `inner`,
    /// which must be positioned at its start.
    pub fn create(inner: W, start: &SegmentStart, opts: WriterOptions) -> Result<Self, FlvError> {
        let slots = opts.keyframe_slots.min(MAX_KEYFRAME_SLOTS);
        let layout = MetadataLayout::new(start, slots)?;
        let mut w = Self {
            out: BufWriter::with_capacity(opts.buffer_size, inner),
            pos: 0,
            meta_body_pos: (FlvHeader::LEN_WITH_PREV + TAG_HEADER_LEN) as u64,
            layout,
            index: KeyframeIndex::new(slots),
            duration: DurationTracker::default(),
            last_keyframe: None,
        };
        w.put(&start.header.encode(), "write FLV header")?;
        let body = w.layout.encode(&LiveValues::default())?;
        w.put_tag(&FlvTag::new(TagType::Script, 0, body))?;
        for t in [&start.video_header, &start.audio_header]
            .into_iter()
            .flatten()
        {
            w.put_tag(t)?;
        }
        Ok(w)
    }

    /// Appends a complete tag (timestamp already file-relative).
    pub fn write_tag(&mut self, tag: &FlvTag) -> Result<(), FlvError> {
        if tag.is_video_keyframe() {
            self.index.push(tag.timestamp, self.pos);
            self.last_keyframe = Some((tag.timestamp, self.pos));
        }
        self.duration.observe(tag.tag_type, tag.timestamp);
        self.put_tag(tag)
    }

    /// Hands buffered bytes to the OS (survives a process crash).
    pub fn flush(&mut self) -> Result<(), FlvError> {
        self.out
            .flush()
            .map_err(|e| FlvError::io("flush FLV file", e))
    }

    /// Flushes and fsyncs (survives a power loss).
    pub fn sync(&mut self) -> Result<(), FlvError> {
        self.flush()?;
        self.out
            .get_mut()
            .sync_all()
            .map_err(|e| FlvError::io("fsync FLV file", e))
    }

    /// Bytes written so far.
    pub fn bytes_written(&self) -> u64 {
        self.pos
    }

    /// Duration of what has been written, in ms.
    pub fn duration_ms(&self) -> u64 {
        self.duration.duration_ms()
    }

    /// Patches the metadata in place, fsyncs, and returns the inner writer.
    pub fn finish(mut self) -> Result<(FinishedFile, W), FlvError> {
        let keyframes = self.index.sampled();
        let live = LiveValues {
            duration_ms: self.duration.duration_ms(),
            filesize: self.pos,
            last_timestamp: self.duration.last_timestamp(),
            last_keyframe: self.last_keyframe,
            keyframes: &keyframes,
        };
        let body = self.layout.encode(&live)?;
        let io = |what: &'static str| move |e| FlvError::io(what, e);
        self.out
            .seek(SeekFrom::Start(self.meta_body_pos))
            .map_err(io("seek to FLV metadata"))?;
        self.out
            .write_all(&body)
            .map_err(io("rewrite FLV metadata"))?;
        self.out
            .seek(SeekFrom::Start(self.pos))
            .map_err(io("seek to FLV end"))?;
        self.sync()?;
        let info = FinishedFile {
            bytes: self.pos,
            duration_ms: live.duration_ms,
            keyframes_indexed: keyframes.len(),
            keyframes_seen: self.index.seen(),
        };
        let inner = self
            .out
            .into_inner()
            .map_err(|e| FlvError::io("flush FLV file", e.into_error()))?;
        Ok((info, inner))
    }

    fn put_tag(&mut self, tag: &FlvTag) -> Result<(), FlvError> {
        let header = tag.header_bytes()?;
        self.put(&header, "write FLV tag")?;
        self.put(&tag.data, "write FLV tag")?;
        self.put(&tag.prev_tag_size_bytes(), "write FLV tag")
    }

    fn put(&mut self, b: &[u8], what: &'static str) -> Result<(), FlvError> {
        self.out.write_all(b).map_err(|e| FlvError::io(what, e))?;
        self.pos += b.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
