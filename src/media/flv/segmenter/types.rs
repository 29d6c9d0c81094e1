//! Segmenter vocabulary: the split policy and the writer-facing events.

use crate::media::flv::repair::SplitReason;
use crate::media::flv::script::StreamMetadata;
use crate::media::flv::tag::{FlvHeader, FlvTag};

/// Where to split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentPolicy {
    /// Split at the first split point after the file reaches this size.
    pub max_bytes: Option<u64>,
    /// Split at the first split point at or after this file-relative time.
    pub max_duration_ms: Option<u64>,
    /// Soft splits are skipped while the file is smaller than this...
    pub min_bytes: u64,
    /// ...or shorter than this.
    pub min_duration_ms: u64,
    /// At start, how long to wait for a stream that has not shown its header.
    pub startup_wait_ms: u32,
    /// Longest span of tags held while waiting for a keyframe.
    pub max_hold_ms: u32,
    /// Most bytes held while waiting for a keyframe.
    pub max_hold_bytes: usize,
}

impl Default for SegmentPolicy {
    fn default() -> Self {
        Self {
            max_bytes: None,
            max_duration_ms: None,
            min_bytes: 256 * 1024,
            min_duration_ms: 2_000,
            startup_wait_ms: 1_500,
            max_hold_ms: 10_000,
            max_hold_bytes: 32 * 1024 * 1024,
        }
    }
}

/// What a new file must begin with.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentStart {
    pub header: FlvHeader,
    pub metadata: Option<StreamMetadata>,
    /// Current video sequence header, timestamp 0.
    pub video_header: Option<FlvTag>,
    /// Current audio sequence header, timestamp 0.
    pub audio_header: Option<FlvTag>,
}

impl SegmentStart {
    /// Bytes of the file header and sequence header tags (not metadata).
    pub fn preamble_len(&self) -> u64 {
        let tags = [&self.video_header, &self.audio_header];
        FlvHeader::LEN_WITH_PREV as u64
            + tags
                .iter()
                .flat_map(|t| t.iter())
                .map(|t| t.encoded_len())
                .sum::<u64>()
    }
}

/// Writer-facing output of the pipeline.
#[derive(Debug, Clone, PartialEq)]
pub enum SegmentEvent {
    /// Start file `index`.
    Open {
        index: u32,
        start: Box<SegmentStart>,
    },
    /// Append a tag (timestamp relative to the file start).
    Tag(FlvTag),
    /// File `index` is complete. `bytes` counts the file header, sequence
    /// headers and tags, but not the writer's own onMetaData tag.
    Close {
        index: u32,
        reason: SplitReason,
        duration_ms: u64,
        bytes: u64,
    },
}

/// Counters of what the segmenter dropped or decided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SegmenterStats {
    pub segments_opened: u64,
    /// Non-keyframes before the first keyframe of a file.
    pub leading_frames_dropped: u64,
    /// Frames that could not be decoded in any file (missing/changed header).
    pub undecodable_dropped: u64,
    /// Soft splits skipped because the file was still tiny.
    pub soft_splits_skipped: u64,
}
