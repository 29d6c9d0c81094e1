//! One file's timestamps: rebased so the file starts at (about) 0, and
//! strictly increasing per stream whatever the source interleave does.
//!
//! Sources interleave audio a little behind video (the audio of a moment
//! arrives after the video keyframe of the same moment, typically 20-200
//! ms). A file opened at a keyframe with its base on that keyframe would
//! have to clamp the lagging audio to 0, piling several frames on the same
//! timestamp: ffmpeg then reports non-monotonic DTS and a remux to MP4
//! fails. So a file's base leaves room for the lag seen in the previous
//! file (at most [`MAX_LEAD_MS`]): the video starts a few ms in, the
//! lagging audio keeps its real spacing before it. Anything older still
//! (a lag larger than any seen before) is moved 1 ms past the stream's
//! previous tag, never written at or before it.

use super::super::tag::TagType;

/// The most room left before a file's first tag for lagging audio.
pub const MAX_LEAD_MS: u32 = 1_000;

#[derive(Debug)]
pub struct FileClock {
    base: u32,
    /// Last written (file-relative) timestamp: audio, video.
    last: [Option<u32>; 2],
    /// Last video timestamp (source clock), to measure the audio lag.
    last_video: Option<u32>,
    /// Largest distance audio trailed video in this file.
    audio_lag: u32,
}

impl FileClock {
    /// A file whose earliest held tag is at `first` (source clock), with
    /// `lead` ms of room before it for audio trailing it.
    pub fn new(first: u32, lead: u32) -> Self {
        Self {
            base: first.wrapping_sub(lead.min(MAX_LEAD_MS)),
            last: [None, None],
            last_video: None,
            audio_lag: 0,
        }
    }

    /// `ts - base` clamped at 0: where a source timestamp lands in the file
    /// (for split decisions; nothing is recorded).
    pub fn offset(&self, ts: u32) -> u32 {
        rel_ts(ts, self.base)
    }

    /// The file timestamp to write a tag of `kind` at source time `ts`.
    pub fn stamp(&mut self, kind: TagType, ts: u32) -> u32 {
        let slot = match kind {
            TagType::Audio => {
                if let Some(v) = self.last_video {
                    let lag = v.wrapping_sub(ts) as i32;
                    if lag > 0 {
                        self.audio_lag = self.audio_lag.max(lag.unsigned_abs());
                    }
                }
                0
            }
            TagType::Video => {
                self.last_video = Some(ts);
                1
            }
            TagType::Script => return self.offset(ts),
        };
        let mut rel = self.offset(ts);
        if let Some(last) = self.last[slot].filter(|l| rel <= *l) {
            rel = last.saturating_add(1);
        }
        self.last[slot] = Some(rel);
        rel
    }

    /// The lead the next file should leave (see the module docs).
    pub fn audio_lag(&self) -> u32 {
        self.audio_lag.min(MAX_LEAD_MS)
    }
}

/// `ts - base` in wrapping arithmetic, negative results clamped to 0.
pub fn rel_ts(ts: u32, base: u32) -> u32 {
    let d = ts.wrapping_sub(base);
    if (d as i32) < 0 { 0 } else { d }
}
