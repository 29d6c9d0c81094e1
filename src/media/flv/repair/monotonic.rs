//! Rule: every stream's timestamps move forward in the written file.
//!
//! [`super::TimestampRule`] removes jumps and rebounds larger than its
//! tolerance with one offset shared by audio and video; what is left are
//! small steps back of one stream alone. The commonest is the end of a
//! stream: when the publisher drops, SRS and nginx-rtmp flush a short audio
//! tail whose first timestamps lie behind audio already sent (an overlap of
//! a few hundred ms). Written as is — or stacked at the previous timestamp,
//! as this rule's predecessor did — ffmpeg reports "non monotonically
//! increasing dts" and players stutter.
//!
//! So, per stream, a tag that does not come after the previous tag of its
//! stream is:
//! - **video: moved** to 1 ms after the previous frame. Dropping it would
//!   break every frame that references it until the next keyframe; moving
//!   it by a few ms is invisible.
//! - **audio less than one frame interval behind: moved** to 1 ms after the
//!   previous frame (timestamp jitter; the sound is new).
//! - **audio a frame interval or more behind: dropped.** It lies inside time
//!   already covered by written audio (the overlap). Moving it forward would
//!   push all later audio late against the video (each AAC frame decodes to
//!   its full length wherever it is placed); dropping loses at most the
//!   overlap and keeps audio and video in sync.
//!
//! Arithmetic is wrapping on the 32-bit output timestamps, like the
//! segmenter's, so a week-long stream is fine.

use super::{Action, RepairContext, RepairRule};
use crate::media::flv::tag::{FlvTag, TagType};

/// Frame interval assumed before one has been measured: AAC at 44.1 kHz
/// (audio), 30 fps (video).
const DEFAULT_INTERVAL: [u32; 2] = [23, 33];
/// Forward steps above this are gaps, not frame intervals.
const MAX_INTERVAL: u32 = 1_000;
/// Forward steps below this are jitter (two tags stamped almost together),
/// not frame intervals: no audio codec FLV carries has frames this short.
const MIN_INTERVAL: u32 = 5;

/// See the module docs.
#[derive(Debug)]
pub struct MonotonicRule {
    /// Last written timestamp per stream (audio, video).
    last: [Option<u32>; 2],
    /// Last measured frame interval per stream.
    interval: [u32; 2],
}

impl Default for MonotonicRule {
    fn default() -> Self {
        Self {
            last: [None, None],
            interval: DEFAULT_INTERVAL,
        }
    }
}

impl MonotonicRule {
    pub fn new() -> Self {
        Self::default()
    }
}

impl RepairRule for MonotonicRule {
    fn name(&self) -> &'static str {
        "monotonic"
    }

    fn process(&mut self, mut tag: FlvTag, ctx: &mut RepairContext, out: &mut Vec<Action>) {
        let k = match tag.tag_type {
            TagType::Audio => 0,
            TagType::Video => 1,
            TagType::Script => {
                out.push(Action::Tag(tag));
                return;
            }
        };
        if let Some(last) = self.last[k] {
            // Wrapping difference: > 0 means after `last`.
            let step = tag.timestamp.wrapping_sub(last) as i32;
            if step <= 0 {
                let behind = step.unsigned_abs();
                if k == 0 && behind >= self.interval[0] {
                    ctx.stats.overlap_audio_dropped += 1;
                    return;
                }
                ctx.stats.timestamp_clamps += 1;
                tag.timestamp = last.wrapping_add(1);
            } else if (MIN_INTERVAL..=MAX_INTERVAL).contains(&step.unsigned_abs()) {
                self.interval[k] = step.unsigned_abs();
            }
        }
        self.last[k] = Some(tag.timestamp);
        out.push(Action::Tag(tag));
    }
}

#[cfg(test)]
#[path = "monotonic_tests.rs"]
mod tests;
