//! Duration of a file from its (file-relative) tag timestamps.

use super::tag::TagType;

/// Intervals above this are gaps, not frame intervals.
const MAX_FRAME_MS: u32 = 1_000;

/// Tracks the end time of a file: for each stream the last timestamp plus
/// that stream's last frame interval, so a 4 s clip reports 4.0 s rather than
/// the timestamp of its last frame (3.96 s).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DurationTracker {
    last: [Option<u32>; 2],
    delta: [u32; 2],
}

impl DurationTracker {
    /// Records a tag at file-relative time `ts`.
    pub fn observe(&mut self, tag_type: TagType, ts: u32) {
        let k = match tag_type {
            TagType::Audio => 0,
            TagType::Video => 1,
            TagType::Script => return,
        };
        if let Some(l) = self.last[k] {
            let d = ts.wrapping_sub(l);
            if (1..=MAX_FRAME_MS).contains(&d) {
                self.delta[k] = d;
            }
        }
        self.last[k] = Some(ts);
    }

    /// Largest timestamp seen.
    pub fn last_timestamp(&self) -> u32 {
        self.last.iter().flatten().copied().max().unwrap_or(0)
    }

    /// End of the last frame of the longer stream, in ms.
    pub fn duration_ms(&self) -> u64 {
        (0..2)
            .filter_map(|k| self.last[k].map(|l| u64::from(l) + u64::from(self.delta[k])))
            .max()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_includes_last_frame() {
        let mut d = DurationTracker::default();
        assert_eq!(d.duration_ms(), 0);
        for i in 0..100 {
            d.observe(TagType::Video, i * 40);
        }
        d.observe(TagType::Audio, 3970);
        assert_eq!(d.last_timestamp(), 3970);
        assert_eq!(d.duration_ms(), 4000);
    }
}
