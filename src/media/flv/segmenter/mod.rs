//! Segmenter: decides where files start and end.
//!
//! Files start only where they are decodable — at a video keyframe, or at any
//! audio tag in audio-only streams — and every file begins with a header,
//! metadata and the *current* sequence headers, so each one plays on its own.
//! Timestamps are rebased so every file starts at (about) 0 and stay
//! strictly increasing per stream ([`clock`]).
//!
//! Splits come from policy (max size / duration, checked at keyframes) or
//! from the repair rules. Mandatory splits (sequence header change) always
//! happen; soft ones (end of sequence, metadata change, ...) are skipped when
//! the current file is still below `min_bytes` or `min_duration_ms`, to avoid
//! tiny fragments. Independently of the rules, a tag is only written into a
//! file whose sequence header for that stream matches the current one.
//!
//! At stream start, tags are held briefly (`startup_wait_ms`) until the first
//! keyframe and the other stream's header have been seen, so the first file
//! does not open with a missing stream and split a moment later.

mod clock;
mod types;

use bytes::Bytes;

use self::clock::{FileClock, rel_ts};
use super::duration::DurationTracker;
use super::repair::{Action, RepairContext, SplitReason};
use super::script::StreamMetadata;
use super::tag::{FlvHeader, FlvTag, TagType};

pub use types::{SegmentEvent, SegmentPolicy, SegmentStart, SegmenterStats};

/// Files are split before FLV's 32-bit millisecond clock could wrap.
const HARD_MAX_DURATION_MS: u64 = 20 * 24 * 3_600 * 1_000;

#[derive(Debug)]
struct OpenSegment {
    index: u32,
    clock: FileClock,
    bytes: u64,
    video_header: Option<Bytes>,
    audio_header: Option<Bytes>,
    has_video: bool,
    need_keyframe: bool,
    duration: DurationTracker,
}

/// See the module docs.
#[derive(Debug)]
pub struct Segmenter {
    policy: SegmentPolicy,
    next_index: u32,
    open: Option<OpenSegment>,
    held: Vec<FlvTag>,
    held_bytes: usize,
    held_keyframe: bool,
    pending: Option<SplitReason>,
    /// Room the next file leaves for audio trailing its first keyframe.
    lead: u32,
    stats: SegmenterStats,
}

impl Segmenter {
    pub fn new(policy: SegmentPolicy) -> Self {
        Self {
            policy,
            next_index: 0,
            open: None,
            held: Vec::new(),
            held_bytes: 0,
            held_keyframe: false,
            pending: None,
            lead: 0,
            stats: SegmenterStats::default(),
        }
    }

    pub fn stats(&self) -> SegmenterStats {
        self.stats
    }

    /// Index of the open file, if any.
    pub fn current_index(&self) -> Option<u32> {
        self.open.as_ref().map(|s| s.index)
    }

    /// Handles one action from the repair rules.
    pub fn push(&mut self, action: Action, ctx: &RepairContext, out: &mut Vec<SegmentEvent>) {
        match action {
            Action::Split(reason) => self.request(reason),
            Action::Tag(tag) => match tag.tag_type {
                // The writer writes its own metadata; the rules consume script tags.
                TagType::Script => {}
                _ if self.open.is_some() => self.in_segment(tag, ctx, out),
                _ => self.startup(tag, ctx, out),
            },
        }
    }

    /// End of input: writes anything held and closes the open file.
    pub fn finish(&mut self, ctx: &RepairContext, out: &mut Vec<SegmentEvent>) {
        if !self.held.is_empty() {
            if self.open.is_some() {
                let reason = self.pending.take().unwrap_or(SplitReason::HeaderChange {
                    audio: true,
                    video: false,
                });
                self.close(reason, out);
            }
            self.open_segment(ctx, out);
        }
        self.pending = None;
        self.close(SplitReason::EndOfInput, out);
    }

    fn request(&mut self, reason: SplitReason) {
        if self.open.is_none() {
            // Nothing written yet: just make sure held tags made under an
            // old header are not written under the new one.
            if let SplitReason::HeaderChange { audio, video } = reason {
                self.held.retain(|t| match t.tag_type {
                    TagType::Audio => !audio,
                    TagType::Video => !video,
                    TagType::Script => true,
                });
                self.recount_held();
            }
            return;
        }
        self.pending = Some(match (self.pending, reason) {
            (
                Some(SplitReason::HeaderChange {
                    audio: a1,
                    video: v1,
                }),
                SplitReason::HeaderChange {
                    audio: a2,
                    video: v2,
                },
            ) => SplitReason::HeaderChange {
                audio: a1 || a2,
                video: v1 || v2,
            },
            (Some(p), r) if p.is_mandatory() && !r.is_mandatory() => p,
            (_, r) => r,
        });
    }

    fn startup(&mut self, tag: FlvTag, ctx: &RepairContext, out: &mut Vec<SegmentEvent>) {
        if needs_header(&tag) && header_of(ctx, tag.tag_type).is_none() {
            self.stats.undecodable_dropped += 1;
            return;
        }
        let key = tag.is_video_keyframe();
        if tag.tag_type == TagType::Video && !key && !self.held_keyframe {
            self.stats.leading_frames_dropped += 1;
            return;
        }
        self.hold(tag, key);
        if self.gate_ready(ctx) {
            self.open_segment(ctx, out);
        }
    }

    fn gate_ready(&self, ctx: &RepairContext) -> bool {
        let span = self.held_span();
        if span >= self.policy.max_hold_ms || self.held_bytes >= self.policy.max_hold_bytes {
            return true;
        }
        let meta = ctx.metadata.as_ref();
        let waited = span >= self.policy.startup_wait_ms;
        let video_ready = self.held_keyframe
            || meta.and_then(StreamMetadata::announces_video) == Some(false)
            || (ctx.video_header.is_none() && waited);
        let audio_ready = ctx.audio_header.is_some()
            || self
                .held
                .iter()
                .any(|t| t.tag_type == TagType::Audio && !needs_header(t))
            || meta.and_then(StreamMetadata::announces_audio) == Some(false)
            || waited;
        video_ready && audio_ready
    }

    fn in_segment(&mut self, tag: FlvTag, ctx: &RepairContext, out: &mut Vec<SegmentEvent>) {
        let Some(seg) = self.open.as_ref() else {
            return;
        };
        let v_mis = !same_header(&seg.video_header, &ctx.video_header);
        let a_mis = !same_header(&seg.audio_header, &ctx.audio_header);
        let has_video = seg.has_video || ctx.video_header.is_some();
        let need_key = seg.need_keyframe;
        if v_mis || a_mis {
            self.request(SplitReason::HeaderChange {
                audio: a_mis,
                video: v_mis,
            });
        }
        if needs_header(&tag) && header_of(ctx, tag.tag_type).is_none() {
            self.stats.undecodable_dropped += 1;
            return;
        }
        match tag.tag_type {
            TagType::Video if tag.is_video_keyframe() => {
                if let Some(reason) = self.due_split(&tag) {
                    self.split(reason, Some(tag), ctx, out);
                } else {
                    self.write(tag, out);
                }
            }
            TagType::Video => {
                if need_key || v_mis {
                    self.stats.undecodable_dropped += 1;
                } else {
                    self.write(tag, out);
                }
            }
            _ if a_mis && has_video => {
                // Audio under a new header waits for the keyframe that opens
                // the next file; the old file keeps its video until then.
                self.hold(tag, false);
                if self.held_span() >= self.policy.max_hold_ms
                    || self.held_bytes >= self.policy.max_hold_bytes
                {
                    let reason = self.pending.take().unwrap_or(SplitReason::HeaderChange {
                        audio: true,
                        video: false,
                    });
                    self.split(reason, None, ctx, out);
                }
            }
            _ if !has_video => match self.due_split(&tag) {
                Some(reason) => self.split(reason, Some(tag), ctx, out),
                None => self.write(tag, out),
            },
            _ => self.write(tag, out),
        }
    }

    /// Whether to split before `tag`, which is at a split point.
    fn due_split(&mut self, tag: &FlvTag) -> Option<SplitReason> {
        let seg = self.open.as_ref()?;
        let pending = self.pending.take();
        if let Some(p) = pending.filter(|p| p.is_mandatory()) {
            return Some(p);
        }
        let rel = u64::from(seg.clock.offset(tag.timestamp));
        if self.policy.max_bytes.is_some_and(|m| seg.bytes >= m) {
            return Some(SplitReason::Size);
        }
        if self.policy.max_duration_ms.is_some_and(|m| rel >= m) || rel >= HARD_MAX_DURATION_MS {
            return Some(SplitReason::Duration);
        }
        let soft = pending?;
        if seg.bytes < self.policy.min_bytes || rel < self.policy.min_duration_ms {
            self.stats.soft_splits_skipped += 1;
            return None;
        }
        Some(soft)
    }

    fn split(
        &mut self,
        reason: SplitReason,
        first: Option<FlvTag>,
        ctx: &RepairContext,
        out: &mut Vec<SegmentEvent>,
    ) {
        self.close(reason, out);
        if let Some(t) = first {
            let key = t.is_video_keyframe();
            self.hold(t, key);
        }
        self.open_segment(ctx, out);
    }

    fn close(&mut self, reason: SplitReason, out: &mut Vec<SegmentEvent>) {
        if let Some(seg) = self.open.take() {
            self.lead = seg.clock.audio_lag();
            out.push(SegmentEvent::Close {
                index: seg.index,
                reason,
                duration_ms: seg.duration.duration_ms(),
                bytes: seg.bytes,
            });
        }
    }

    /// Opens the next file with the current headers and writes held tags.
    fn open_segment(&mut self, ctx: &RepairContext, out: &mut Vec<SegmentEvent>) {
        let has_video =
            ctx.video_header.is_some() || self.held.iter().any(|t| t.tag_type == TagType::Video);
        let has_audio =
            ctx.audio_header.is_some() || self.held.iter().any(|t| t.tag_type == TagType::Audio);
        let at_zero = |t: &FlvTag| FlvTag {
            timestamp: 0,
            ..t.clone()
        };
        let start = SegmentStart {
            header: FlvHeader::new(has_audio, has_video),
            metadata: ctx.metadata.clone(),
            video_header: ctx.video_header.as_ref().map(at_zero),
            audio_header: ctx.audio_header.as_ref().map(at_zero),
        };
        let mut base = self.held.first().map_or(0, |t| t.timestamp);
        for t in &self.held {
            if (t.timestamp.wrapping_sub(base) as i32) < 0 {
                base = t.timestamp;
            }
        }
        let index = self.next_index;
        self.next_index = self.next_index.wrapping_add(1);
        self.stats.segments_opened += 1;
        self.open = Some(OpenSegment {
            index,
            clock: FileClock::new(base, self.lead),
            bytes: start.preamble_len(),
            video_header: ctx.video_header.as_ref().map(|t| t.data.clone()),
            audio_header: ctx.audio_header.as_ref().map(|t| t.data.clone()),
            has_video,
            need_keyframe: has_video && !self.held_keyframe,
            duration: DurationTracker::default(),
        });
        out.push(SegmentEvent::Open {
            index,
            start: Box::new(start),
        });
        let held = std::mem::take(&mut self.held);
        self.recount_held();
        for t in held {
            self.write(t, out);
        }
    }

    fn write(&mut self, mut tag: FlvTag, out: &mut Vec<SegmentEvent>) {
        let Some(seg) = self.open.as_mut() else {
            return;
        };
        if tag.is_video_keyframe() {
            seg.need_keyframe = false;
        }
        tag.timestamp = seg.clock.stamp(tag.tag_type, tag.timestamp);
        seg.bytes += tag.encoded_len();
        seg.duration.observe(tag.tag_type, tag.timestamp);
        out.push(SegmentEvent::Tag(tag));
    }

    fn hold(&mut self, tag: FlvTag, keyframe: bool) {
        self.held_bytes += tag.data.len();
        self.held_keyframe |= keyframe;
        self.held.push(tag);
    }

    fn recount_held(&mut self) {
        self.held_bytes = self.held.iter().map(|t| t.data.len()).sum();
        self.held_keyframe = self.held.iter().any(FlvTag::is_video_keyframe);
    }

    fn held_span(&self) -> u32 {
        match (self.held.first(), self.held.last()) {
            (Some(a), Some(b)) => rel_ts(b.timestamp, a.timestamp),
            _ => 0,
        }
    }
}

/// True if decoding this tag needs a sequence header (AVC/HEVC/enhanced video,
/// AAC audio).
fn needs_header(tag: &FlvTag) -> bool {
    match tag.tag_type {
        TagType::Video => tag.video().is_some_and(|v| v.packet_type.is_some()),
        TagType::Audio => tag.audio().is_some_and(|a| a.aac_packet_type.is_some()),
        TagType::Script => false,
    }
}

fn header_of(ctx: &RepairContext, t: TagType) -> Option<&FlvTag> {
    match t {
        TagType::Video => ctx.video_header.as_ref(),
        TagType::Audio => ctx.audio_header.as_ref(),
        TagType::Script => None,
    }
}

fn same_header(seg: &Option<Bytes>, ctx: &Option<FlvTag>) -> bool {
    match (seg, ctx) {
        (None, None) => true,
        (Some(a), Some(b)) => *a == b.data,
        _ => false,
    }
}

#[cfg(test)]
mod tests;
